"""Service control policies enforced on signed calls: a deny SCP on an OU, the exempt management
account, an allow-list tree as in the AWS Organizations documentation, and the audit record."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from orgstack.store.schema import audit_events
from tests.e2e.sts_helpers import (
    Organization,
    allow,
    assume,
    assumed_role_arn,
    denial,
    deny,
    new_organization,
    role_arn,
    root_key,
    session_client,
)
from tests.harness import Server, create_member_account

SCP = "SERVICE_CONTROL_POLICY"


def _root_id(organization: Organization) -> str:
    return str(organization.client.list_roots()["Roots"][0]["Id"])


def _unit(organization: Organization, parent_id: str, name: str) -> str:
    created = organization.client.create_organizational_unit(ParentId=parent_id, Name=name)
    return str(created["OrganizationalUnit"]["Id"])


def _policy(organization: Organization, name: str, document: dict[str, Any]) -> str:
    created = organization.client.create_policy(
        Content=json.dumps(document), Description=name, Name=name, Type=SCP
    )
    return str(created["Policy"]["PolicySummary"]["Id"])


def _policy_arn(organization: Organization, policy_id: str) -> str:
    """Build the SCP's ARN as AWS writes it, independently of what the server reports."""
    organization_id = organization.client.describe_organization()["Organization"]["Id"]
    return (
        f"arn:aws:organizations::{organization.management.account_id}:policy/{organization_id}/"
        f"service_control_policy/{policy_id}"
    )


def _member_in(organization: Organization, server: Server, parent_id: str) -> str:
    member = create_member_account(server, organization.client)
    root_id = _root_id(organization)
    organization.client.move_account(
        AccountId=member, SourceParentId=root_id, DestinationParentId=parent_id
    )
    return member


def _session(server: Server, organization: Organization, member: str, name: str) -> Any:
    return assume(server, organization.management, role_arn(member), name)["Credentials"]


def test_deny_scp_on_ou_refuses_role_session(server: Server) -> None:
    organization = new_organization(server)
    unit = _unit(organization, _root_id(organization), "Restricted")
    member = _member_in(organization, server, unit)
    policy_id = _policy(organization, "DenyOrgsAndIam", deny(["organizations:*", "iam:*"]))
    credentials = _session(server, organization, member, "ops")
    orgs = session_client(server, "organizations", credentials)
    iam = session_client(server, "iam", credentials)
    assert orgs.describe_organization()["Organization"]["Id"]
    assert iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]["Arn"] == role_arn(member)

    organization.client.attach_policy(PolicyId=policy_id, TargetId=unit)
    described = denial(orgs.describe_organization)
    account = denial(orgs.describe_account, AccountId=member)
    role = denial(iam.get_role, RoleName="OrganizationAccountAccessRole")
    roles = denial(iam.list_roles)

    session_arn = assumed_role_arn(member, "ops")
    scp_arn = _policy_arn(organization, policy_id)
    assert described.status == 400
    assert described.code == "AccessDeniedException"
    assert described.message == (
        f"User: {session_arn} is not authorized to perform: organizations:DescribeOrganization "
        f"with an explicit deny in a service control policy: {scp_arn}"
    )
    organization_id = organization.client.describe_organization()["Organization"]["Id"]
    account_arn = (
        f"arn:aws:organizations::{organization.management.account_id}:account/"
        f"{organization_id}/{member}"
    )
    assert account.message == (
        f"User: {session_arn} is not authorized to perform: organizations:DescribeAccount on "
        f"resource: {account_arn} with an explicit deny in a service control policy: {scp_arn}"
    )
    assert role.status == 403
    assert role.code == "AccessDenied"
    assert role.message == (
        f"User: {session_arn} is not authorized to perform: iam:GetRole on resource: "
        f"{role_arn(member)} with an explicit deny in a service control policy: {scp_arn}"
    )
    assert roles.code == "AccessDenied"
    assert roles.message == (
        f"User: {session_arn} is not authorized to perform: iam:ListRoles "
        f"with an explicit deny in a service control policy: {scp_arn}"
    )


def test_deny_scp_does_not_refuse_management_account(server: Server) -> None:
    organization = new_organization(server)
    root_id = _root_id(organization)
    policy_id = _policy(organization, "DenyOrgs", deny(["organizations:*"]))
    organization.client.attach_policy(PolicyId=policy_id, TargetId=root_id)

    accounts = organization.client.list_accounts()["Accounts"]
    described = organization.client.describe_organization()["Organization"]

    assert [a["Id"] for a in accounts] == [organization.management.account_id]
    assert described["MasterAccountId"] == organization.management.account_id


def test_deny_scp_applies_to_member_root_user(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    policy_id = _policy(organization, "DenyDescribe", deny(["organizations:Describe*"]))
    organization.client.attach_policy(PolicyId=policy_id, TargetId=member)
    orgs = server.client("organizations", root_key(server, member))

    refused = denial(orgs.describe_organization)

    assert refused.message == (
        f"User: arn:aws:iam::{member}:root is not authorized to perform: "
        "organizations:DescribeOrganization with an explicit deny in a service control policy: "
        f"{_policy_arn(organization, policy_id)}"
    )


def test_detaching_deny_scp_restores_access(server: Server) -> None:
    organization = new_organization(server)
    unit = _unit(organization, _root_id(organization), "Temporary")
    member = _member_in(organization, server, unit)
    policy_id = _policy(organization, "DenyAllOrgs", deny(["organizations:*"]))
    organization.client.attach_policy(PolicyId=policy_id, TargetId=unit)
    orgs = session_client(server, "organizations", _session(server, organization, member, "s1"))
    assert denial(orgs.describe_organization).code == "AccessDeniedException"

    organization.client.detach_policy(PolicyId=policy_id, TargetId=unit)

    assert orgs.describe_organization()["Organization"]["Id"]


def test_allow_list_scp_tree(server: Server) -> None:
    organization = new_organization(server)
    root_id = _root_id(organization)
    # The allow-list strategy of the AWS Organizations user guide: replace FullAWSAccess on an OU
    # with a policy that allows only the listed actions.
    allow_list = _unit(organization, root_id, "AllowList")
    nested = _unit(organization, allow_list, "Nested")
    policy_id = _policy(
        organization, "AllowDescribeOrganization", allow(["organizations:DescribeOrganization"])
    )
    organization.client.attach_policy(PolicyId=policy_id, TargetId=allow_list)
    organization.client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=allow_list)
    member = _member_in(organization, server, nested)
    credentials = _session(server, organization, member, "listed")
    orgs = session_client(server, "organizations", credentials)
    sts = session_client(server, "sts", credentials)

    described = orgs.describe_organization()["Organization"]
    # FullAWSAccess stays attached to the nested OU and the account, but a lower level cannot
    # restore what the allow-list OU does not allow.
    refused = denial(sts.decode_authorization_message, EncodedMessage="x")

    assert described["MasterAccountId"] == organization.management.account_id
    assert refused.status == 403
    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: {assumed_role_arn(member, 'listed')} is not authorized to perform: "
        "sts:DecodeAuthorizationMessage because no service control policy allows the "
        "sts:DecodeAuthorizationMessage action"
    )


def test_allow_list_scp_blocks_assume_role_chain(server: Server) -> None:
    organization = new_organization(server)
    unit = _unit(organization, _root_id(organization), "NoChaining")
    policy_id = _policy(organization, "OnlyOrgs", allow(["organizations:*"]))
    organization.client.attach_policy(PolicyId=policy_id, TargetId=unit)
    organization.client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=unit)
    member = _member_in(organization, server, unit)
    sts = session_client(server, "sts", _session(server, organization, member, "first"))

    refused = denial(sts.assume_role, RoleArn=role_arn(member), RoleSessionName="second")

    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: {assumed_role_arn(member, 'first')} is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn(member)}"
    )


def test_denial_recorded_in_audit_event(server: Server) -> None:
    organization = new_organization(server)
    unit = _unit(organization, _root_id(organization), "Audited")
    member = _member_in(organization, server, unit)
    policy_id = _policy(organization, "DenyOrgsAudited", deny(["organizations:*"]))
    organization.client.attach_policy(PolicyId=policy_id, TargetId=unit)
    orgs = session_client(server, "organizations", _session(server, organization, member, "aud"))

    refused = denial(orgs.describe_organization)
    record = _wait_for_event(server, "DescribeOrganization", assumed_role_arn(member, "aud"))

    assert record["errorCode"] == "AccessDeniedException"
    assert record["errorMessage"] == refused.message
    decision = record["additionalEventData"]["authorizationDecision"]
    assert decision["decision"] == "ExplicitDeny"
    assert decision["policyType"] == "service control policy"
    assert decision["statements"] == [f"scp {policy_id} at {unit}, statement 0: Deny"]


def _wait_for_event(server: Server, name: str, arn: str) -> dict[str, Any]:
    """Return the newest event of `name` by `arn`, waiting for the background audit writer."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with server.database().transaction(write=False) as connection:
            rows = connection.execute(
                select(audit_events.c.record_json)
                .where(audit_events.c.event_name == name)
                .order_by(audit_events.c.event_time.desc())
            ).all()
        for row in rows:
            record: dict[str, Any] = json.loads(row.record_json)
            if record["userIdentity"].get("arn") == arn:
                return record
        time.sleep(0.05)
    raise AssertionError(f"no {name} event by {arn}")


def _deny_organizations_inline(server: Server, name: str) -> tuple[str, Any]:
    """Return a member role session's organizations client after an inline Deny is added to its
    role while the session is open."""
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    credentials = _session(server, organization, member, name)
    orgs = session_client(server, "organizations", credentials)
    assert orgs.describe_organization()["Organization"]["Id"]

    session_client(server, "iam", credentials).put_role_policy(
        RoleName="OrganizationAccountAccessRole",
        PolicyName="NoOrganizations",
        PolicyDocument=json.dumps(deny(["organizations:*"])),
    )
    return assumed_role_arn(member, name), orgs


def test_role_policy_change_applies_to_open_session(server: Server) -> None:
    _, orgs = _deny_organizations_inline(server, "admin")

    refused = denial(orgs.describe_organization)

    assert refused.code == "AccessDeniedException"
    assert refused.message.endswith("identity-based policy")


def test_identity_policy_explicit_deny_message(server: Server) -> None:
    session_arn, orgs = _deny_organizations_inline(server, "admin")

    refused = denial(orgs.describe_organization)

    assert refused.message == (
        f"User: {session_arn} is not authorized to perform: "
        "organizations:DescribeOrganization with an explicit deny in an identity-based policy"
    )
