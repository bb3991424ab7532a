"""Policy management delegated to a member account by the organization's resource policy."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.e2e.policy_helpers import (
    ACCESS_DENIED_MESSAGE,
    DENY_S3,
    SCP,
    TAG,
    Organization,
    create_policy,
    error_of,
    join_by_invitation,
    new_organization,
    tag_policy,
)
from tests.harness import Account, Server

TAG_POLICY_ONLY = {"StringEquals": {"organizations:PolicyType": TAG}}


def _delegate(organization: Organization, member: Account, *statements: dict[str, Any]) -> None:
    """Store a resource policy whose statements all name `member` as principal."""
    principal = {"AWS": f"arn:aws:iam::{member.account_id}:root"}
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": principal, "Resource": "*", **statement}
            for statement in statements
        ],
    }
    organization.client.put_resource_policy(Content=json.dumps(document))


@pytest.fixture
def organization(server: Server, management: Account) -> Organization:
    organization = new_organization(server, management)
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    return organization


@pytest.fixture
def member(server: Server, organization: Organization) -> Account:
    return join_by_invitation(server, organization)


def test_delegate_creates_allowed_type(
    server: Server, organization: Organization, member: Account
) -> None:
    _delegate(organization, member, {"Action": "organizations:CreatePolicy"})
    client = server.client("organizations", member)

    created = client.create_policy(
        Content=tag_policy("Owner"), Description="", Name="by-delegate", Type=TAG
    )["Policy"]["PolicySummary"]

    assert created["Arn"].startswith(
        f"arn:aws:organizations::{organization.management.account_id}:policy/{organization.id}/"
    )
    described = organization.client.describe_policy(PolicyId=created["Id"])["Policy"]
    assert described["PolicySummary"] == created


def test_policy_type_condition_limits_delegate(
    server: Server, organization: Organization, member: Account
) -> None:
    _delegate(
        organization, member, {"Action": "organizations:CreatePolicy", "Condition": TAG_POLICY_ONLY}
    )
    client = server.client("organizations", member)
    client.create_policy(Content=tag_policy("Owner"), Description="", Name="tags", Type=TAG)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_policy(Content=DENY_S3, Description="", Name="scp", Type=SCP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED_MESSAGE


def test_delegate_lists_allowed_type_only(
    server: Server, organization: Organization, member: Account
) -> None:
    _delegate(
        organization, member, {"Action": "organizations:ListPolicies", "Condition": TAG_POLICY_ONLY}
    )
    tag = create_policy(organization, tag_policy("Owner"), TAG)
    client = server.client("organizations", member)

    listed = client.list_policies(Filter=TAG)["Policies"]

    assert [policy["Id"] for policy in listed] == [tag["Id"]]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.list_policies(Filter=SCP)
    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


def test_delegate_attaches_and_detaches(
    server: Server, organization: Organization, member: Account
) -> None:
    _delegate(
        organization,
        member,
        {
            "Action": ["organizations:AttachPolicy", "organizations:DetachPolicy"],
            "Condition": TAG_POLICY_ONLY,
        },
    )
    tag = create_policy(organization, tag_policy("Owner"), TAG)
    client = server.client("organizations", member)

    client.attach_policy(PolicyId=tag["Id"], TargetId=organization.root_id)
    attached = organization.client.list_targets_for_policy(PolicyId=tag["Id"])["Targets"]
    client.detach_policy(PolicyId=tag["Id"], TargetId=organization.root_id)

    assert [target["TargetId"] for target in attached] == [organization.root_id]
    assert organization.client.list_targets_for_policy(PolicyId=tag["Id"])["Targets"] == []


def test_resource_arn_limits_delegate(
    server: Server, organization: Organization, member: Account
) -> None:
    allowed = create_policy(organization, tag_policy("Owner"), TAG)
    other = create_policy(organization, tag_policy("Team"), TAG)
    _delegate(
        organization, member, {"Action": "organizations:UpdatePolicy", "Resource": allowed["Arn"]}
    )
    client = server.client("organizations", member)

    updated = client.update_policy(PolicyId=allowed["Id"], Description="changed")["Policy"]

    assert updated["PolicySummary"]["Description"] == "changed"
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.update_policy(PolicyId=other["Id"], Description="changed")
    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


def test_delegate_enables_policy_type(
    server: Server, organization: Organization, member: Account
) -> None:
    backup = "BACKUP_POLICY"
    _delegate(organization, member, {"Action": "organizations:EnablePolicyType"})

    root = server.client("organizations", member).enable_policy_type(
        RootId=organization.root_id, PolicyType=backup
    )["Root"]

    assert {"Type": backup, "Status": "ENABLED"} in root["PolicyTypes"]


def test_delegate_unknown_policy_is_not_found(
    server: Server, organization: Organization, member: Account
) -> None:
    _delegate(organization, member, {"Action": "organizations:DeletePolicy"})

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).delete_policy(PolicyId="p-00000000")

    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_delegate_reads_other_effective_policy(
    server: Server, organization: Organization, member: Account
) -> None:
    _delegate(organization, member, {"Action": "organizations:DescribeEffectivePolicy"})
    tag = create_policy(organization, tag_policy("Owner"), TAG)
    organization.client.attach_policy(PolicyId=tag["Id"], TargetId=organization.root_id)

    reply = server.client("organizations", member).describe_effective_policy(
        PolicyType=TAG, TargetId=organization.management.account_id
    )["EffectivePolicy"]

    assert reply["TargetId"] == organization.management.account_id
    assert json.loads(reply["PolicyContent"]) == {"tags": {"owner": {"tag_key": "Owner"}}}


def test_statement_for_another_account_grants_nothing(
    server: Server, organization: Organization, member: Account
) -> None:
    bystander = join_by_invitation(server, organization)
    _delegate(organization, bystander, {"Action": "organizations:CreatePolicy"})

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).create_policy(
            Content=tag_policy("Owner"), Description="", Name="not-mine", Type=TAG
        )

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"
