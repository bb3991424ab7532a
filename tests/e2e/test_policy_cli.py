"""`orgstack policy evaluate` and `orgstack policy check` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).resolve().parents[1] / "data" / "policy_cases.json"


def _orgstack(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgstack", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_evaluate_prints_each_case_decision() -> None:
    expected = json.loads(CASES.read_text())

    result = _orgstack("policy", "evaluate", str(CASES))

    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == [case["id"] for case in expected]
    for row, case in zip(rows, expected, strict=True):
        assert set(row) == {"id", "decision", "denied_by", "explanation"}
        assert row["decision"] == case["expected"], row["id"]
        assert row["denied_by"] == case["expected_denied_by"], row["id"]
        assert row["explanation"].startswith(f"Decision: {case['expected']}")


def test_evaluate_single_case_object(tmp_path: Path) -> None:
    case = json.loads(CASES.read_text())[0]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))

    result = _orgstack("policy", "evaluate", str(path))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == case["id"]


def test_check_reports_principal_in_scp(tmp_path: Path) -> None:
    path = tmp_path / "scp.json"
    document = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [document]}))

    result = _orgstack("policy", "check", str(path), "--type", "scp")

    assert result.returncode == 1
    finding = json.loads(result.stdout)
    assert finding["findingType"] == "ERROR"
    assert finding["issueCode"] == "SCP_SYNTAX_ERROR_PRINCIPAL"
    assert finding["statementIndex"] == 0
    assert finding["element"] == "Principal"


def test_check_accepts_valid_identity_policy(tmp_path: Path) -> None:
    path = tmp_path / "identity.json"
    document = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [document]}))

    result = _orgstack("policy", "check", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_check_missing_file_is_usage_error(tmp_path: Path) -> None:
    result = _orgstack("policy", "check", str(tmp_path / "absent.json"))

    assert result.returncode == 2
    assert result.stderr == (
        f"orgstack: cannot read `{tmp_path / 'absent.json'}`: No such file or directory\n"
    )
