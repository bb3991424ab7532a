"""AWS denial messages, the multi-line explanation, and the CLI helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orgstack.cli.policy_commands import check_file, evaluate_file
from orgstack.policy import denial_message, evaluate_case, explain

USER = "arn:aws:iam::111122223333:user/alice"
CASES_FILE = Path(__file__).parents[2] / "data" / "policy_cases.json"


def base_case(**layers: Any) -> dict[str, Any]:
    return {
        "id": "example",
        "request": {
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/key",
            "principal_arn": USER,
            "resource_account": "111122223333",
            "context": {},
        },
        "identity_policies": layers.pop("identity", []),
        **layers,
    }


ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
}
ALLOW_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
}


def test_implicit_deny_message_by_identity() -> None:
    message = denial_message(evaluate_case(base_case()))

    assert message == (
        f"User: {USER} is not authorized to perform: s3:GetObject on resource: "
        "arn:aws:s3:::bucket/key because no identity-based policy allows the s3:GetObject action"
    )


def test_explicit_deny_message_by_scp() -> None:
    message = denial_message(
        evaluate_case(base_case(identity=[ALLOW_ALL], scps=[[ALLOW_ALL, DENY_S3]]))
    )

    assert message == (
        f"User: {USER} is not authorized to perform: s3:GetObject on resource: "
        "arn:aws:s3:::bucket/key with an explicit deny in a service control policy"
    )


@pytest.mark.parametrize(
    ("layers", "type_name"),
    [
        ({"scps": [[ALLOW_EC2]]}, "service control policy"),
        ({"permission_boundary": ALLOW_EC2}, "permissions boundary"),
        ({"session_policy": ALLOW_EC2}, "session policy"),
    ],
)
def test_implicit_deny_message_names_policy_type(layers: dict[str, Any], type_name: str) -> None:
    message = denial_message(evaluate_case(base_case(identity=[ALLOW_ALL], **layers)))

    assert message is not None
    assert message.endswith(f"because no {type_name} allows the s3:GetObject action")


def test_message_omits_resource_star() -> None:
    data = base_case()
    data["request"]["resource"] = "*"

    assert denial_message(evaluate_case(data)) == (
        f"User: {USER} is not authorized to perform: s3:GetObject because no identity-based "
        "policy allows the s3:GetObject action"
    )


def test_allow_has_no_message() -> None:
    assert denial_message(evaluate_case(base_case(identity=[ALLOW_ALL]))) is None


def test_explanation_shows_tree_path_and_deciding_statement() -> None:
    text = explain(
        evaluate_case(
            base_case(identity=[ALLOW_ALL], scps=[[ALLOW_ALL], [ALLOW_ALL, DENY_S3], [ALLOW_ALL]])
        )
    )

    assert "Decision: ExplicitDeny (decided by service control policy)" in text
    assert "root -> ou-1 -> account" in text
    assert "  ou-1: explicit Deny" in text
    assert "scp scp[ou-1][1] at ou-1, statement 0: Deny" in text
    assert "Permissions boundary: none" in text


def test_explanation_shows_level_without_allow() -> None:
    text = explain(evaluate_case(base_case(identity=[ALLOW_ALL], scps=[[ALLOW_ALL], [ALLOW_EC2]])))

    assert "  account: no matching Allow" in text


def test_evaluate_file_returns_one_row_per_case() -> None:
    rows = evaluate_file(CASES_FILE)
    expected = json.loads(CASES_FILE.read_text(encoding="utf-8"))

    assert [row["id"] for row in rows] == [case["id"] for case in expected]
    assert [row["decision"] for row in rows] == [case["expected"] for case in expected]
    assert [row["denied_by"] for row in rows] == [case["expected_denied_by"] for case in expected]


def test_evaluate_file_accepts_single_case(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(base_case(identity=[ALLOW_ALL])), encoding="utf-8")

    rows = evaluate_file(path)

    assert [(row["id"], row["decision"], row["denied_by"]) for row in rows] == [
        ("example", "Allow", None)
    ]
    assert "Decision: Allow" in str(rows[0]["explanation"])


def test_check_file_reports_findings_for_type(tmp_path: Path) -> None:
    path = tmp_path / "scp.json"
    statement = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    path.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [statement]}), encoding="utf-8"
    )

    assert [f["issueCode"] for f in check_file(path, "scp")] == ["SCP_SYNTAX_ERROR_PRINCIPAL"]
    assert check_file(path, "RCP") == []


def test_check_file_rejects_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{}", encoding="utf-8")

    with pytest.raises(ValueError, match="unknown policy type `tag`"):
        check_file(path, "tag")


def test_explanation_says_why_scps_did_not_apply() -> None:
    data = base_case(
        identity=[ALLOW_ALL], scps=[[DENY_S3]], org={"principal_account_is_management": True}
    )

    text = explain(evaluate_case(data))

    assert (
        "Service control policies (principal account): not applied "
        "(the principal's account is the management account)"
    ) in text


def test_explanation_says_why_rcps_did_not_apply() -> None:
    data = base_case(identity=[ALLOW_ALL], rcps=[[DENY_S3]])
    data["request"]["action"] = "ec2:RunInstances"

    text = explain(evaluate_case(data))

    assert "not applied (resource control policies do not support the service `ec2`)" in text
