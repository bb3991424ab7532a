"""Tree and SCP changes reach callers whose policy layers the server already has cached.

The server keeps each caller's SCP levels between calls and drops, after each change, only the
accounts the change can affect. These tests warm that cache with a call and then check that the
next call, right after the change, is decided on the new tree. Creating an account drops every
cached layer, so each test creates its accounts before it warms the cache.
"""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.sts_helpers import (
    Organization,
    assume,
    denial,
    deny,
    new_organization,
    role_arn,
    session_client,
)
from tests.harness import Server, create_member_account

SCP = "SERVICE_CONTROL_POLICY"
TAG_POLICY = "TAG_POLICY"
# The message ends with the denying SCP's ARN, which differs between the tests' policies.
DENIED_BY_SCP = "with an explicit deny in a service control policy: arn:aws:organizations::"


def _root_id(organization: Organization) -> str:
    return str(organization.client.list_roots()["Roots"][0]["Id"])


def _unit(organization: Organization, parent_id: str, name: str) -> str:
    created = organization.client.create_organizational_unit(ParentId=parent_id, Name=name)
    return str(created["OrganizationalUnit"]["Id"])


def _deny_policy(organization: Organization, name: str) -> str:
    created = organization.client.create_policy(
        Content=json.dumps(deny(["organizations:Describe*"])),
        Description=name,
        Name=name,
        Type=SCP,
    )
    return str(created["Policy"]["PolicySummary"]["Id"])


def _member(organization: Organization, server: Server, parent_id: str) -> str:
    member = create_member_account(server, organization.client)
    organization.client.move_account(
        AccountId=member, SourceParentId=_root_id(organization), DestinationParentId=parent_id
    )
    return member


def _warm_client(server: Server, organization: Organization, member: str) -> Any:
    """Return an Organizations client of a role session in `member`, after one allowed call."""
    credentials = assume(server, organization.management, role_arn(member), "cached")
    client = session_client(server, "organizations", credentials["Credentials"])
    assert client.describe_organization()["Organization"]["MasterAccountId"]
    return client


def _is_denied(client: Any) -> bool:
    denied = denial(client.describe_organization)
    assert denied.code == "AccessDeniedException"
    assert DENIED_BY_SCP in denied.message
    return True


def test_attach_reaches_only_accounts_below(server: Server) -> None:
    organization = new_organization(server)
    root_id = _root_id(organization)
    restricted = _unit(organization, root_id, "Restricted")
    nested = _unit(organization, restricted, "Nested")
    other = _unit(organization, root_id, "Other")
    nested_member = _member(organization, server, nested)
    other_member = _member(organization, server, other)
    policy_id = _deny_policy(organization, "DenyDescribe")
    in_nested = _warm_client(server, organization, nested_member)
    in_other = _warm_client(server, organization, other_member)

    organization.client.attach_policy(PolicyId=policy_id, TargetId=restricted)

    assert _is_denied(in_nested)
    assert in_other.describe_organization()["Organization"]["Id"]
    assert organization.client.describe_organization()["Organization"]["Id"]


def test_detach_restores_warm_session(server: Server) -> None:
    organization = new_organization(server)
    unit = _unit(organization, _root_id(organization), "Temporary")
    client = _warm_client(server, organization, _member(organization, server, unit))
    policy_id = _deny_policy(organization, "DenyDescribe")
    organization.client.attach_policy(PolicyId=policy_id, TargetId=unit)
    assert _is_denied(client)

    organization.client.detach_policy(PolicyId=policy_id, TargetId=unit)

    assert client.describe_organization()["Organization"]["Id"]


def test_move_account_applies_new_levels(server: Server) -> None:
    organization = new_organization(server)
    root_id = _root_id(organization)
    restricted = _unit(organization, root_id, "Restricted")
    open_unit = _unit(organization, root_id, "Open")
    policy_id = _deny_policy(organization, "DenyDescribe")
    organization.client.attach_policy(PolicyId=policy_id, TargetId=restricted)
    member = _member(organization, server, open_unit)
    client = _warm_client(server, organization, member)

    organization.client.move_account(
        AccountId=member, SourceParentId=open_unit, DestinationParentId=restricted
    )
    assert _is_denied(client)
    organization.client.move_account(
        AccountId=member, SourceParentId=restricted, DestinationParentId=open_unit
    )

    assert client.describe_organization()["Organization"]["Id"]


def test_attach_at_root_reaches_every_member(server: Server) -> None:
    organization = new_organization(server)
    root_id = _root_id(organization)
    unit = _unit(organization, root_id, "Unit")
    unit_member = _member(organization, server, unit)
    root_member = create_member_account(server, organization.client)
    policy_id = _deny_policy(organization, "DenyDescribe")
    in_unit = _warm_client(server, organization, unit_member)
    at_root = _warm_client(server, organization, root_member)

    organization.client.attach_policy(PolicyId=policy_id, TargetId=root_id)

    assert _is_denied(in_unit)
    assert _is_denied(at_root)
    assert organization.client.describe_organization()["Organization"]["Id"]


def test_policy_content_update_applies(server: Server) -> None:
    organization = new_organization(server)
    unit = _unit(organization, _root_id(organization), "Unit")
    client = _warm_client(server, organization, _member(organization, server, unit))
    created = organization.client.create_policy(
        Content=json.dumps(deny(["ec2:*"])), Description="d", Name="Narrow", Type=SCP
    )
    policy_id = created["Policy"]["PolicySummary"]["Id"]
    organization.client.attach_policy(PolicyId=policy_id, TargetId=unit)
    assert client.describe_organization()["Organization"]["Id"]

    organization.client.update_policy(
        PolicyId=policy_id, Content=json.dumps(deny(["organizations:Describe*"]))
    )

    assert _is_denied(client)


def test_tag_policy_attach_keeps_access(server: Server) -> None:
    organization = new_organization(server)
    root_id = _root_id(organization)
    organization.client.enable_policy_type(RootId=root_id, PolicyType=TAG_POLICY)
    unit = _unit(organization, root_id, "Unit")
    client = _warm_client(server, organization, _member(organization, server, unit))
    document = {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}
    created = organization.client.create_policy(
        Content=json.dumps(document), Description="d", Name="Tags", Type=TAG_POLICY
    )

    organization.client.attach_policy(
        PolicyId=created["Policy"]["PolicySummary"]["Id"], TargetId=unit
    )

    assert client.describe_organization()["Organization"]["Id"]
