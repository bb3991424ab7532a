"""The export's file layout, without a server: hourly files, names, contents and progress."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from orgstack.cli import audit_commands
from orgstack.cli.audit_commands import HourlyLogFiles, parse_time

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"


def _record(event_id: str, event_time: str, account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "eventID": event_id,
        "eventTime": event_time,
        "awsRegion": "us-east-1",
        "recipientAccountId": account,
    }


def _write(output: Path, records: list[dict[str, Any]]) -> HourlyLogFiles:
    files = HourlyLogFiles(output)
    for record in records:
        files.add(record)
    files.close()
    return files


def _read(path: Path) -> list[dict[str, Any]]:
    records = json.loads(path.read_text())["Records"]
    assert isinstance(records, list)
    return records


def test_one_file_per_account_and_hour(tmp_path: Path) -> None:
    records = [
        _record("e1", "2026-12-04T20:59:59Z"),
        _record("e2", "2026-12-04T20:59:59Z", OTHER_ACCOUNT),
        _record("e3", "2026-12-04T21:00:00Z"),
        _record("e4", "2026-12-05T00:10:00Z"),
    ]

    files = _write(tmp_path, records)

    assert files.events_written == 4
    assert files.files_written == 4
    day = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "12"
    names = sorted(path.name for path in day.rglob("*.json"))
    assert [name.rsplit("_", 1)[0] for name in names] == [
        f"{ACCOUNT}_CloudTrail_us-east-1_20261204T2000Z",
        f"{ACCOUNT}_CloudTrail_us-east-1_20261204T2100Z",
        f"{ACCOUNT}_CloudTrail_us-east-1_20261205T0000Z",
    ]
    for name in names:
        assert re.fullmatch(
            rf"{ACCOUNT}_CloudTrail_us-east-1_\d{{8}}T\d{{4}}Z_[0-9A-F]{{16}}\.json", name
        )
    assert [record["eventID"] for record in _read(next((day / "05").glob("*.json")))] == ["e4"]
    other = tmp_path / "AWSLogs" / OTHER_ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "12" / "04"
    assert [record["eventID"] for path in other.glob("*.json") for record in _read(path)] == ["e2"]


def test_file_is_one_records_line(tmp_path: Path) -> None:
    records = [_record("e1", "2026-12-04T20:00:01Z"), _record("e2", "2026-12-04T20:30:00Z")]

    _write(tmp_path, records)

    [path] = list(tmp_path.rglob("*.json"))
    text = path.read_text()
    assert text.count("\n") == 1
    assert text.endswith("}\n")
    assert json.loads(text) == {"Records": records}
    assert not list(tmp_path.rglob("*.partial"))


def test_same_events_same_name(tmp_path: Path) -> None:
    records = [_record("e1", "2026-12-04T20:00:01Z")]

    _write(tmp_path / "first", records)
    _write(tmp_path / "second", records)
    _write(tmp_path / "third", [_record("e9", "2026-12-04T20:00:01Z")])

    first = [path.name for path in (tmp_path / "first").rglob("*.json")]
    second = [path.name for path in (tmp_path / "second").rglob("*.json")]
    third = [path.name for path in (tmp_path / "third").rglob("*.json")]
    assert first == second
    assert first != third


def test_event_without_account_goes_to_anonymous(tmp_path: Path) -> None:
    record = _record("e1", "2026-12-04T20:00:01Z")
    record["recipientAccountId"] = None

    _write(tmp_path, [record])

    [path] = list(tmp_path.rglob("*.json"))
    assert path.name.startswith("anonymous_CloudTrail_us-east-1_20261204T2000Z_")


def test_progress_line_every_few_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(audit_commands, "PROGRESS_EVENTS", 2)
    files = HourlyLogFiles(tmp_path)
    reporter = audit_commands.ProgressReporter()

    for position in range(5):
        record = _record(f"e{position}", f"2026-12-04T20:00:0{position}Z")
        files.add(record)
        reporter.tick(files, record)
    files.close()

    assert capsys.readouterr().err.splitlines() == [
        "exported 2 events so far, through 2026-12-04T20:00:01Z",
        "exported 4 events so far, through 2026-12-04T20:00:03Z",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04T20:00:00Z", "2026-12-04T20:00:00+00:00"),
        ("2026-12-04T21:00:00+01:00", "2026-12-04T20:00:00+00:00"),
        ("2026-12-04T20:00:00", "2026-12-04T20:00:00+00:00"),
        ("2026-12-04", "2026-12-04T00:00:00+00:00"),
    ],
)
def test_parse_time_forms(text: str, expected: str) -> None:
    assert parse_time(text, "--since").isoformat() == expected
