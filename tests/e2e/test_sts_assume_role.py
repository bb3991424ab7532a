"""AssumeRole and GetCallerIdentity with role sessions, through real boto3 clients."""

from __future__ import annotations

import datetime as dt
import re

from tests.e2e.sts_helpers import (
    ACCESS_ROLE,
    allow,
    assume,
    assumed_role_arn,
    denial,
    new_organization,
    put_role,
    role_arn,
    session_client,
    trust,
    unvalidated_client,
)
from tests.harness import Server, create_member_account


def test_assume_organization_access_role(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    shortest = assume(
        server, organization.management, role_arn(member), "short", DurationSeconds=900
    )

    reply = assume(server, organization.management, role_arn(member), "admin")

    credentials = reply["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretAccessKey"]) == 40
    assert len(credentials["SessionToken"]) >= 300
    # The default session lasts one hour. Other tests move this server's clock, so the lifetime
    # is measured against a 900-second session.
    longer_by = credentials["Expiration"] - shortest["Credentials"]["Expiration"]
    assert dt.timedelta(seconds=2695) <= longer_by <= dt.timedelta(seconds=2705)
    user = reply["AssumedRoleUser"]
    assert user["Arn"] == assumed_role_arn(member, "admin")
    assert re.fullmatch(r"AROA[A-Z0-9]{17}:admin", user["AssumedRoleId"])


def test_caller_identity_of_role_session(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    reply = assume(server, organization.management, role_arn(member), "ops-session")
    sts = session_client(server, "sts", reply["Credentials"])

    identity = sts.get_caller_identity()

    assert identity["Account"] == member
    assert identity["Arn"] == f"arn:aws:sts::{member}:assumed-role/{ACCESS_ROLE}/ops-session"
    assert identity["UserId"] == reply["AssumedRoleUser"]["AssumedRoleId"]


def test_assume_role_unknown_role(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    missing = role_arn(member, "NoSuchRole")

    refused = denial(
        server.client("sts", organization.management).assume_role,
        RoleArn=missing,
        RoleSessionName="s1",
    )

    assert refused.status == 403
    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: arn:aws:iam::{organization.management.account_id}:root is not authorized to "
        f"perform: sts:AssumeRole on resource: {missing}"
    )


def test_assume_role_refused_by_trust_policy(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    outsider = server.new_account()

    refused = denial(
        server.client("sts", outsider).assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="intruder",
    )

    assert refused.status == 403
    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: arn:aws:iam::{outsider.account_id}:root is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn(member)}"
    )


def test_same_account_identity_policy_alone_cannot_assume(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    # The target role trusts only the management account, so a session in the member account
    # whose own policy allows sts:AssumeRole on it is still refused.
    target = put_role(server, member, "Locked", trust(organization.management.account_id))
    caller = put_role(
        server,
        member,
        "Hopper",
        trust(organization.management.account_id),
        inline={"assume": allow(["sts:AssumeRole"])},
    )
    hopper = assume(server, organization.management, caller, "hop")["Credentials"]

    refused = denial(
        session_client(server, "sts", hopper).assume_role, RoleArn=target, RoleSessionName="x1"
    )

    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: {assumed_role_arn(member, 'hop', 'Hopper')} is not authorized to perform: "
        f"sts:AssumeRole on resource: {target}"
    )


def test_assume_role_external_id(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    management_id = organization.management.account_id
    arn = put_role(
        server,
        member,
        "Vendor",
        trust(management_id, StringEquals={"sts:ExternalId": "c0ffee-42"}),
        inline={"all": allow(["*"])},
    )
    sts = server.client("sts", organization.management)
    expected = (
        f"User: arn:aws:iam::{management_id}:root is not authorized to perform: "
        f"sts:AssumeRole on resource: {arn}"
    )

    without = denial(sts.assume_role, RoleArn=arn, RoleSessionName="v1")
    wrong = denial(sts.assume_role, RoleArn=arn, RoleSessionName="v1", ExternalId="wrong-id")
    reply = sts.assume_role(RoleArn=arn, RoleSessionName="v1", ExternalId="c0ffee-42")

    assert without.message == expected
    assert wrong.message == expected
    assert reply["AssumedRoleUser"]["Arn"] == assumed_role_arn(member, "v1", "Vendor")


def test_trust_policy_names_account_delegates_to_identity_policy(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    # Both roles trust the member account itself, by bare account id.
    target = put_role(server, member, "Target", trust(member), inline={"all": allow(["*"])})
    allowed = put_role(
        server,
        member,
        "Allowed",
        trust(organization.management.account_id),
        inline={"assume": allow(["sts:AssumeRole"], resource=target)},
    )
    refused = put_role(
        server,
        member,
        "Refused",
        trust(organization.management.account_id),
        inline={"other": allow(["organizations:DescribeOrganization"])},
    )
    management = organization.management
    allowed_sts = session_client(
        server, "sts", assume(server, management, allowed, "a1")["Credentials"]
    )
    refused_sts = session_client(
        server, "sts", assume(server, management, refused, "r1")["Credentials"]
    )

    chained = allowed_sts.assume_role(RoleArn=target, RoleSessionName="chained")
    refusal = denial(refused_sts.assume_role, RoleArn=target, RoleSessionName="chained")

    assert chained["AssumedRoleUser"]["Arn"] == assumed_role_arn(member, "chained", "Target")
    assert refusal.message == (
        f"User: {assumed_role_arn(member, 'r1', 'Refused')} is not authorized to perform: "
        f"sts:AssumeRole on resource: {target}"
    )


def test_duration_above_role_maximum(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)

    refused = denial(
        server.client("sts", organization.management).assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="long",
        DurationSeconds=7200,
    )

    assert refused.status == 400
    assert refused.code == "ValidationError"
    assert refused.message == (
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    )


def test_role_chaining_limited_to_one_hour(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    target = put_role(server, member, "LongRole", trust(member), max_session_duration=43200)
    first = assume(server, organization.management, role_arn(member), "first")
    sts = session_client(server, "sts", first["Credentials"])

    refused = denial(
        sts.assume_role, RoleArn=target, RoleSessionName="second", DurationSeconds=3601
    )
    chained = sts.assume_role(RoleArn=target, RoleSessionName="second", DurationSeconds=3600)

    assert refused.code == "ValidationError"
    assert refused.message == (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining."
    )
    assert chained["AssumedRoleUser"]["Arn"] == assumed_role_arn(member, "second", "LongRole")


def test_duration_below_minimum(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)

    # botocore checks the minimum itself, so this client skips its own validation.
    unchecked = unvalidated_client(server, "sts", organization.management)

    refused = denial(
        unchecked.assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="short",
        DurationSeconds=899,
    )

    assert refused.code == "ValidationError"
    assert refused.message == (
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900"
    )


def test_role_session_name_pattern(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)

    refused = denial(
        server.client("sts", organization.management).assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="bad name!",
    )

    assert refused.code == "ValidationError"
    assert refused.message == (
        "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    )


def test_source_identity_needs_permission_and_is_returned(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    management_id = organization.management.account_id
    plain = put_role(server, member, "Plain", trust(management_id))
    traced = put_role(
        server, member, "Traced", trust(management_id, ["sts:AssumeRole", "sts:SetSourceIdentity"])
    )
    sts = server.client("sts", organization.management)

    refused = denial(sts.assume_role, RoleArn=plain, RoleSessionName="s1", SourceIdentity="alice")
    reply = sts.assume_role(RoleArn=traced, RoleSessionName="s1", SourceIdentity="alice")

    assert refused.message == (
        f"User: arn:aws:iam::{management_id}:root is not authorized to perform: "
        f"sts:SetSourceIdentity on resource: {plain}"
    )
    assert reply["SourceIdentity"] == "alice"
