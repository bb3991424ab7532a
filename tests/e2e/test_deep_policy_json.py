"""Over-deep JSON in a policy document is a malformed policy on every API and in the CLI.

Python's json decoder recurses once per nested array, so 1,500 `[` in a 3,128-character policy
used to raise RecursionError and return HTTP 500 InternalFailure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.e2e.organization_helpers import failure, new_organization
from tests.e2e.sso_admin_helpers import new_identity_center, new_permission_set
from tests.e2e.sts_helpers import role_arn, trust
from tests.harness import Server, create_member_account

NESTING = 1500
ORGANIZATIONS_MALFORMED = (
    "The provided policy document does not meet the requirements of the specified policy type."
)
TOO_DEEP = "The policy nests JSON arrays and objects more than 64 levels deep."


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_policy(depth: int = NESTING, principal: bool = False) -> str:
    """Return a policy whose one condition value nests `depth` arrays, as raw JSON text."""
    marker = '"DEEP"'
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "DEEP"}},
    }
    if principal:
        statement["Principal"] = {"AWS": "*"}
        statement["Effect"] = "Allow"
        statement["Action"] = "organizations:DescribeOrganization"
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return text.replace(marker, _nested(depth))


def _deep_tag_policy() -> str:
    return '{"tags":{"team":{"tag_key":{"@@assign":' + _nested(NESTING) + "}}}}"


def test_deep_policy_text_is_small() -> None:
    # The document stays under every size quota, so only the nesting check can reject it.
    assert len(_deep_policy()) < 3200


def test_organizations_create_policy_rejects(server: Server) -> None:
    _, organizations = new_organization(server)

    status, error, _ = failure(
        organizations.create_policy,
        Name="deep",
        Description="deep",
        Type="SERVICE_CONTROL_POLICY",
        Content=_deep_policy(),
    )

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocumentException"
    assert error["Message"] == ORGANIZATIONS_MALFORMED
    assert organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"][1:] == []


def test_organizations_update_policy_rejects(server: Server) -> None:
    _, organizations = new_organization(server)
    original = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
        }
    )
    created = organizations.create_policy(
        Name="shallow", Description="d", Type="SERVICE_CONTROL_POLICY", Content=original
    )
    policy_id = created["Policy"]["PolicySummary"]["Id"]

    status, error, _ = failure(
        organizations.update_policy, PolicyId=policy_id, Content=_deep_policy()
    )

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocumentException"
    assert error["Message"] == ORGANIZATIONS_MALFORMED
    stored = organizations.describe_policy(PolicyId=policy_id)["Policy"]["Content"]
    assert stored == original


def test_organizations_tag_policy_rejects(server: Server) -> None:
    _, organizations = new_organization(server)
    organizations.enable_policy_type(
        RootId=organizations.list_roots()["Roots"][0]["Id"], PolicyType="TAG_POLICY"
    )

    status, error, _ = failure(
        organizations.create_policy,
        Name="deep-tags",
        Description="deep",
        Type="TAG_POLICY",
        Content=_deep_tag_policy(),
    )

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocumentException"
    assert error["Message"] == ORGANIZATIONS_MALFORMED
    assert organizations.list_policies(Filter="TAG_POLICY")["Policies"] == []


@pytest.mark.parametrize("depth", [1000, NESTING])
def test_organizations_resource_policy_rejects(server: Server, depth: int) -> None:
    _, organizations = new_organization(server)

    status, error, reason = failure(
        organizations.put_resource_policy, Content=_deep_policy(depth, principal=True)
    )

    assert status == 400
    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == "You provided a resource policy that is not valid JSON."
    assert reason == "INVALID_RESOURCE_POLICY_JSON"


def test_iam_create_policy_rejects(server: Server) -> None:
    iam = server.client("iam", server.new_account())

    status, error, _ = failure(iam.create_policy, PolicyName="deep", PolicyDocument=_deep_policy())

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocument"
    assert error["Message"] == "This policy contains invalid Json"
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_iam_put_role_policy_rejects(server: Server) -> None:
    account = server.new_account()
    iam = server.client("iam", account)
    iam.create_role(RoleName="deep", AssumeRolePolicyDocument=json.dumps(trust(account.account_id)))

    status, error, _ = failure(
        iam.put_role_policy, RoleName="deep", PolicyName="deep", PolicyDocument=_deep_policy()
    )

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocument"
    assert error["Message"] == "This policy contains invalid Json"
    assert iam.list_role_policies(RoleName="deep")["PolicyNames"] == []


def test_iam_trust_policy_rejects(server: Server) -> None:
    # 100 levels keep the trust policy under its 2,048-character quota.
    account = server.new_account()
    iam = server.client("iam", account)
    condition = {"aws:PrincipalTag/team": "DEEP"}
    document = json.dumps(trust(account.account_id, StringEquals=condition))
    document = document.replace('"DEEP"', _nested(100))

    status, error, _ = failure(iam.create_role, RoleName="deep", AssumeRolePolicyDocument=document)

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocument"
    assert error["Message"] == "This policy contains invalid Json"
    assert iam.list_roles()["Roles"] == []


def test_sts_session_policy_rejects(server: Server) -> None:
    # The 2,048-character quota keeps a session policy too small to exhaust the recursion limit,
    # so this checks that the nesting check keeps the message of a syntax error.
    management, organizations = new_organization(server)
    member = create_member_account(server, organizations)
    sts = server.client("sts", management)

    status, error, _ = failure(
        sts.assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="deep",
        Policy=_deep_policy(depth=100),
    )

    assert status == 400
    assert error["Code"] == "MalformedPolicyDocument"
    assert error["Message"] == "Syntax errors in policy."


def test_iam_simulate_custom_policy_rejects(server: Server) -> None:
    iam = server.client("iam", server.new_account())

    status, error, _ = failure(
        iam.simulate_custom_policy, PolicyInputList=[_deep_policy()], ActionNames=["s3:GetObject"]
    )

    assert status == 400
    assert error["Code"] == "InvalidInput"
    assert error["Message"] == f"The policy `PolicyInputList.1` is not valid: {TOO_DEEP}"


def test_sso_admin_inline_policy_rejects(server: Server) -> None:
    center = new_identity_center(server)
    permission_set_arn = new_permission_set(center)

    status, error, _ = failure(
        center.sso_admin.put_inline_policy_to_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=permission_set_arn,
        InlinePolicy=_deep_policy(),
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Invalid PermissionsPolicy Document"
    stored = center.sso_admin.get_inline_policy_for_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=permission_set_arn
    )
    assert "InlinePolicy" not in stored


def _orgstack(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgstack", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_check_reports_finding(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_deep_policy())

    completed = _orgstack("policy", "check", str(path), "--type", "SCP")

    assert completed.returncode == 1
    assert completed.stderr == ""
    assert [orjson.loads(line) for line in completed.stdout.splitlines()] == [
        {
            "findingType": "ERROR",
            "issueCode": "JSON_SYNTAX_ERROR",
            "findingDetails": TOO_DEEP,
            "locations": [{"path": []}],
            "statementIndex": None,
            "sid": None,
            "element": None,
        }
    ]


def test_cli_check_accepts_depth_limit(tmp_path: Path) -> None:
    # The document, Statement list, statement, Condition and operator objects use 5 levels.
    path = tmp_path / "limit.json"
    path.write_text(_deep_policy(depth=64 - 5))

    completed = _orgstack("policy", "check", str(path), "--type", "SCP")

    issue_codes = [orjson.loads(line)["issueCode"] for line in completed.stdout.splitlines()]
    assert "JSON_SYNTAX_ERROR" not in issue_codes
    assert issue_codes != []


def test_cli_evaluate_rejects_deep_case_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(_nested(NESTING))

    completed = _orgstack("policy", "evaluate", str(path))

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == (
        f"orgstack: invalid input in `{path}`: "
        "JSON arrays and objects nest more than 64 levels deep\n"
    )
