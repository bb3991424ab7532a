"""The organization's resource-based delegation policy through boto3, and its evaluation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from orgstack.services.organizations.resource_policy_document import (
    Request,
    allows,
    parse,
    wildcard,
)
from tests.e2e.organization_helpers import (
    failure,
    invite_and_join,
    new_organization,
    stored_tags,
)
from tests.harness import Server

ACCESS_DENIED = "You don't have permissions to access this resource."
NOT_FOUND = "We can't find a resource policy request with the parameter that you specified."


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(account_id: str, actions: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": actions,
        "Resource": "*",
        **extra,
    }


def test_put_and_describe_policy(server: Server) -> None:
    management, client = new_organization(server)
    organization_id = client.describe_organization()["Organization"]["Id"]
    content = _policy(_allow("111122223333", "organizations:Describe*"))

    stored = client.put_resource_policy(Content=content)["ResourcePolicy"]
    described = client.describe_resource_policy()["ResourcePolicy"]

    summary = stored["ResourcePolicySummary"]
    assert re.fullmatch(r"rp-[0-9a-zA-Z_]{4,128}", summary["Id"])
    assert summary["Arn"] == (
        f"arn:aws:organizations::{management.account_id}:resourcepolicy/{organization_id}/"
        f"{summary['Id']}"
    )
    assert stored["Content"] == content
    assert described == stored


def test_put_again_replaces_content_keeps_id(server: Server) -> None:
    _, client = new_organization(server)
    first = client.put_resource_policy(
        Content=_policy(_allow("111122223333", "organizations:List*"))
    )
    content = _policy(_allow("111122223333", "organizations:DescribePolicy"))

    second = client.put_resource_policy(Content=content)["ResourcePolicy"]

    assert second["ResourcePolicySummary"] == first["ResourcePolicy"]["ResourcePolicySummary"]
    assert client.describe_resource_policy()["ResourcePolicy"]["Content"] == content


def test_describe_without_policy_is_not_found(server: Server) -> None:
    _, client = new_organization(server)

    status, error, _ = failure(client.describe_resource_policy)

    assert status == 400
    assert error["Code"] == "ResourcePolicyNotFoundException"
    assert error["Message"] == NOT_FOUND


def test_delete_policy(server: Server) -> None:
    _, client = new_organization(server)
    client.put_resource_policy(Content=_policy(_allow("111122223333", "organizations:List*")))

    client.delete_resource_policy()

    _, described, _ = failure(client.describe_resource_policy)
    _, deleted_again, _ = failure(client.delete_resource_policy)
    assert described["Code"] == "ResourcePolicyNotFoundException"
    assert deleted_again["Code"] == "ResourcePolicyNotFoundException"
    assert deleted_again["Message"] == NOT_FOUND


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "INVALID_RESOURCE_POLICY_JSON"),
        (json.dumps({"Version": "2012-10-17"}), "INVALID_RESOURCE_POLICY_JSON"),
        (
            _policy({**_allow("111122223333", "organizations:ListAccounts"), "Effect": "Maybe"}),
            "INVALID_RESOURCE_POLICY_JSON",
        ),
        (
            _policy(
                {
                    **_allow("111122223333", "organizations:ListAccounts"),
                    "Principal": {"Service": "sso.amazonaws.com"},
                }
            ),
            "INVALID_PRINCIPAL",
        ),
        (
            _policy(
                {
                    **_allow("111122223333", "organizations:ListAccounts"),
                    "Principal": {"AWS": "someone"},
                }
            ),
            "INVALID_PRINCIPAL",
        ),
        (
            _policy({key: value for key, value in _allow("1", "x").items() if key != "Principal"}),
            "INVALID_PRINCIPAL",
        ),
        (
            _policy(_allow("111122223333", "organizations:CreateAccount")),
            "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY",
        ),
        (
            _policy(_allow("111122223333", "organizations:*")),
            "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY",
        ),
        (_policy(_allow("111122223333", "*")), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"),
        (
            _policy(_allow("111122223333", "s3:GetObject")),
            "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY",
        ),
        (
            _policy(_allow("111122223333", "organizations:NoSuchOperation")),
            "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY",
        ),
        (
            _policy(
                {
                    **_allow("111122223333", "organizations:ListAccounts"),
                    "Resource": "arn:aws:s3:::bucket",
                }
            ),
            "UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY",
        ),
        (
            _policy(
                _allow(
                    "111122223333",
                    "organizations:CreatePolicy",
                    Condition={"StringEquals": {"organizations:PolicyType": "NOT_A_TYPE"}},
                )
            ),
            "UNSUPPORTED_POLICY_TYPE_IN_RESOURCE_POLICY",
        ),
    ],
)
def test_invalid_policy_is_invalid_input(server: Server, content: str, reason: str) -> None:
    _, client = new_organization(server)

    status, error, got_reason = failure(client.put_resource_policy, Content=content)

    assert status == 400
    assert error["Code"] == "InvalidInputException"
    assert got_reason == reason


def test_policy_management_actions_are_accepted(server: Server) -> None:
    _, client = new_organization(server)
    actions = [
        "organizations:CreatePolicy",
        "organizations:UpdatePolicy",
        "organizations:DeletePolicy",
        "organizations:AttachPolicy",
        "organizations:DetachPolicy",
        "organizations:EnablePolicyType",
        "organizations:DisablePolicyType",
        "organizations:TagResource",
        "organizations:UntagResource",
        "organizations:List*",
        "organizations:describe*",
    ]
    condition = {"StringEquals": {"organizations:PolicyType": ["TAG_POLICY", "BACKUP_POLICY"]}}

    stored = client.put_resource_policy(
        Content=_policy(_allow("111122223333", actions, Condition=condition))
    )

    assert stored["ResourcePolicy"]["ResourcePolicySummary"]["Id"].startswith("rp-")


def test_member_cannot_put_or_delete(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    member_client = server.client("organizations", member)

    _, put, _ = failure(
        member_client.put_resource_policy,
        Content=_policy(_allow(member.account_id, "organizations:List*")),
    )
    _, deleted, _ = failure(member_client.delete_resource_policy)

    assert put["Code"] == "AccessDeniedException"
    assert put["Message"] == ACCESS_DENIED
    assert deleted["Code"] == "AccessDeniedException"


def test_member_reads_policy_only_when_allowed(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    other = invite_and_join(server, client)
    client.put_resource_policy(
        Content=_policy(_allow(member.account_id, "organizations:DescribeResourcePolicy"))
    )

    described = server.client("organizations", member).describe_resource_policy()
    _, denied, _ = failure(server.client("organizations", other).describe_resource_policy)

    assert described["ResourcePolicy"]["Content"].startswith("{")
    assert denied["Code"] == "AccessDeniedException"
    assert denied["Message"] == ACCESS_DENIED


def test_deny_statement_overrides_allow(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    deny = {**_allow(member.account_id, "organizations:Describe*"), "Effect": "Deny"}
    client.put_resource_policy(
        Content=_policy(_allow(member.account_id, "organizations:DescribeResourcePolicy"), deny)
    )

    _, error, _ = failure(server.client("organizations", member).describe_resource_policy)

    assert error["Code"] == "AccessDeniedException"


# Evaluation of the stored policy, as `access.resource_policy_view` applies it.

MEMBER = "222233334444"
POLICY_ARN = "arn:aws:organizations::111122223333:policy/o-abcdefghij/tag_policy/p-12345678"


def _request(action: str, **extra: Any) -> Request:
    return Request(MEMBER, f"arn:aws:iam::{MEMBER}:root", action, **extra)


@pytest.mark.parametrize(
    ("statement", "request_", "expected"),
    [
        (
            _allow(MEMBER, "organizations:ListAccounts"),
            _request("organizations:ListAccounts"),
            True,
        ),
        (_allow(MEMBER, "organizations:List*"), _request("organizations:listaccounts"), True),
        (_allow(MEMBER, "organizations:List*"), _request("organizations:CreatePolicy"), False),
        (_allow("999988887777", "organizations:List*"), _request("organizations:ListRoots"), False),
        (
            {**_allow(MEMBER, "organizations:ListRoots"), "Principal": {"AWS": MEMBER}},
            _request("organizations:ListRoots"),
            True,
        ),
        (
            {**_allow(MEMBER, "organizations:UpdatePolicy"), "Resource": POLICY_ARN},
            _request("organizations:UpdatePolicy", resource_arns=[POLICY_ARN]),
            True,
        ),
        (
            {
                **_allow(MEMBER, "organizations:UpdatePolicy"),
                "Resource": "arn:aws:organizations::111122223333:policy/o-abcdefghij/tag_policy/*",
            },
            _request("organizations:UpdatePolicy", resource_arns=[POLICY_ARN]),
            True,
        ),
        (
            {
                **_allow(MEMBER, "organizations:UpdatePolicy"),
                "Resource": POLICY_ARN.replace("tag_policy/p-12345678", "backup_policy/*"),
            },
            _request("organizations:UpdatePolicy", resource_arns=[POLICY_ARN]),
            False,
        ),
        (
            {**_allow(MEMBER, "organizations:ListRoots"), "Resource": POLICY_ARN},
            _request("organizations:ListRoots"),
            False,
        ),
        (
            _allow(
                MEMBER,
                "organizations:CreatePolicy",
                Condition={"StringEquals": {"organizations:PolicyType": "TAG_POLICY"}},
            ),
            _request("organizations:CreatePolicy", policy_type="TAG_POLICY"),
            True,
        ),
        (
            _allow(
                MEMBER,
                "organizations:CreatePolicy",
                Condition={"StringEquals": {"organizations:PolicyType": "TAG_POLICY"}},
            ),
            _request("organizations:CreatePolicy", policy_type="SERVICE_CONTROL_POLICY"),
            False,
        ),
        (
            _allow(
                MEMBER,
                "organizations:CreatePolicy",
                Condition={"StringNotEquals": {"organizations:PolicyType": "TAG_POLICY"}},
            ),
            _request("organizations:CreatePolicy", policy_type="BACKUP_POLICY"),
            True,
        ),
        (
            _allow(
                MEMBER,
                "organizations:ListRoots",
                Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            ),
            _request("organizations:ListRoots"),
            False,
        ),
    ],
)
def test_policy_evaluation(statement: dict[str, Any], request_: Request, expected: bool) -> None:
    assert allows(parse(_policy(statement)), request_) is expected


def test_unknown_condition_in_deny_still_denies() -> None:
    deny = {
        **_allow(MEMBER, "organizations:ListRoots"),
        "Effect": "Deny",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    }

    statements = parse(_policy(_allow(MEMBER, "organizations:ListRoots"), deny))

    assert allows(statements, _request("organizations:ListRoots")) is False


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("p-*", "p-12345678", True),
        ("p-1234567?", "p-12345678", True),
        ("p-1234567?", "p-123456789", False),
        ("a.b", "axb", False),
        ("a+b", "aab", False),
        ("a[0]", "a0", False),
        ("a$", "a$", True),
    ],
)
def test_wildcard_matches_only_star_and_question(pattern: str, text: str, expected: bool) -> None:
    assert (wildcard(pattern).fullmatch(text) is not None) is expected


def test_allowed_member_creates_policy_of_allowed_type(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    only_scps = {"StringEquals": {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}}
    client.put_resource_policy(
        Content=_policy(
            _allow(member.account_id, "organizations:CreatePolicy", Condition=only_scps)
        )
    )
    member_client = server.client("organizations", member)
    content = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
        }
    )

    created = member_client.create_policy(
        Name="no-s3", Description="", Type="SERVICE_CONTROL_POLICY", Content=content
    )
    _, denied, _ = failure(
        member_client.create_policy,
        Name="tags",
        Description="",
        Type="TAG_POLICY",
        Content=json.dumps({"tags": {}}),
    )

    assert created["Policy"]["PolicySummary"]["Name"] == "no-s3"
    assert denied["Code"] == "AccessDeniedException"
    assert denied["Message"] == ACCESS_DENIED


def test_allowed_member_lists_roots(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    other = invite_and_join(server, client)
    client.put_resource_policy(
        Content=_policy(_allow(member.account_id, ["organizations:ListRoots"]))
    )

    roots = server.client("organizations", member).list_roots()["Roots"]
    _, denied, _ = failure(server.client("organizations", other).list_roots)
    _, not_listed, _ = failure(server.client("organizations", member).list_accounts)

    assert roots == client.list_roots()["Roots"]
    assert denied["Code"] == "AccessDeniedException"
    assert not_listed["Code"] == "AccessDeniedException"
    assert not_listed["Message"] == ACCESS_DENIED


def test_put_policy_stores_tags(server: Server) -> None:
    _, client = new_organization(server)

    stored = client.put_resource_policy(
        Content=_policy(_allow("111122223333", "organizations:List*")),
        Tags=[{"Key": "owner", "Value": "security"}],
    )["ResourcePolicy"]

    assert stored_tags(server, stored["ResourcePolicySummary"]["Id"]) == {"owner": "security"}
