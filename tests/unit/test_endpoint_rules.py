"""`orgstack endpoint-rules`: rule sets for clients that do not read AWS_ENDPOINT_URL."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore
import pytest

from orgstack.cli.endpoint_rules import SERVICES
from orgstack.cli.main import main

BOTOCORE_DATA = Path(botocore.__file__).parent / "data"


def _bundled_rule_set(relative: Path) -> dict[str, object]:
    plain = BOTOCORE_DATA / relative
    if plain.is_file():
        return dict(json.loads(plain.read_text()))
    compressed = plain.with_name(plain.name + ".gz")
    return dict(json.loads(gzip.decompress(compressed.read_bytes())))


def test_rule_sets_name_only_endpoint(tmp_path: Path) -> None:
    status = main(
        [
            "endpoint-rules", "--endpoint", "http://127.0.0.1:4580/",
            "--output", str(tmp_path), "--source", str(BOTOCORE_DATA),
        ]
    )  # fmt: skip

    assert status == 0
    written = sorted(tmp_path.glob("*/*/endpoint-rule-set-1.json"))
    assert [path.parent.parent.name for path in written] == sorted(SERVICES)
    for path in written:
        rule_set = json.loads(path.read_text())
        original = _bundled_rule_set(path.relative_to(tmp_path))
        assert rule_set["parameters"] == original["parameters"]
        assert rule_set["rules"] == [
            {
                "conditions": [],
                "endpoint": {"url": "http://127.0.0.1:4580", "properties": {}, "headers": {}},
                "type": "endpoint",
            }
        ]


def test_endpoint_without_scheme_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["endpoint-rules", "--endpoint", "127.0.0.1:4580", "--output", str(tmp_path)])

    assert status == 2
    assert "invalid --endpoint '127.0.0.1:4580'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_source_without_rule_sets_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    status = main(
        [
            "endpoint-rules", "--endpoint", "http://127.0.0.1:4580",
            "--output", str(tmp_path / "out"), "--source", str(empty),
        ]
    )  # fmt: skip

    assert status == 2
    assert "no endpoint-rule-set-1.json for cloudtrail under" in capsys.readouterr().err
