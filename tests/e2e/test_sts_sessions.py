"""Session credentials: session policies and tags, GetSessionToken, GetAccessKeyInfo,
DecodeAuthorizationMessage and expiry on the server's clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from tests.e2e.sts_helpers import (
    allow,
    assume,
    assumed_role_arn,
    denial,
    new_organization,
    put_role,
    role_arn,
    session_client,
    trust,
)
from tests.harness import Server, create_member_account, fresh_database_url, start_server


def test_session_policy_narrows_role_permissions(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    narrow = json.dumps(allow(["organizations:DescribeOrganization"]))
    reply = assume(server, organization.management, role_arn(member), "narrow", Policy=narrow)
    orgs = session_client(server, "organizations", reply["Credentials"])
    sts = session_client(server, "sts", reply["Credentials"])

    described = orgs.describe_organization()["Organization"]
    refused = denial(sts.decode_authorization_message, EncodedMessage="anything")

    assert described["MasterAccountId"] == organization.management.account_id
    assert refused.status == 403
    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: {assumed_role_arn(member, 'narrow')} is not authorized to perform: "
        "sts:DecodeAuthorizationMessage because no session policy allows the "
        "sts:DecodeAuthorizationMessage action"
    )


def test_session_policy_cannot_widen_role(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    arn = put_role(
        server,
        member,
        "ReadOrg",
        trust(organization.management.account_id),
        inline={"read": allow(["organizations:DescribeOrganization"])},
    )
    wide = json.dumps(allow(["*"]))
    reply = assume(server, organization.management, arn, "wide", Policy=wide)

    refused = denial(
        session_client(server, "sts", reply["Credentials"]).decode_authorization_message,
        EncodedMessage="anything",
    )

    assert refused.message == (
        f"User: {assumed_role_arn(member, 'wide', 'ReadOrg')} is not authorized to perform: "
        "sts:DecodeAuthorizationMessage because no identity-based policy allows the "
        "sts:DecodeAuthorizationMessage action"
    )


def test_malformed_session_policy(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)

    refused = denial(
        server.client("sts", organization.management).assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="broken",
        Policy='{"Version": "2012-10-17", "Statement": [',
    )

    assert refused.status == 400
    assert refused.code == "MalformedPolicyDocument"
    assert refused.message == "Syntax errors in policy."


def test_session_tags_become_principal_tags(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    management_id = organization.management.account_id
    arn = put_role(
        server,
        member,
        "Tagged",
        trust(management_id, ["sts:AssumeRole", "sts:TagSession"]),
        inline={
            "blue-only": allow(
                ["organizations:DescribeOrganization"],
                StringEquals={"aws:PrincipalTag/team": "blue"},
            )
        },
    )
    blue = assume(
        server, organization.management, arn, "blue", Tags=[{"Key": "team", "Value": "blue"}]
    )
    red = assume(
        server, organization.management, arn, "red", Tags=[{"Key": "team", "Value": "red"}]
    )

    allowed = session_client(server, "organizations", blue["Credentials"]).describe_organization()
    refused = denial(
        session_client(server, "organizations", red["Credentials"]).describe_organization
    )

    assert allowed["Organization"]["MasterAccountId"] == management_id
    assert refused.status == 400
    assert refused.code == "AccessDeniedException"
    assert refused.message == (
        f"User: {assumed_role_arn(member, 'red', 'Tagged')} is not authorized to perform: "
        "organizations:DescribeOrganization because no identity-based policy allows the "
        "organizations:DescribeOrganization action"
    )


def test_session_tags_need_tag_session_permission(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)

    refused = denial(
        server.client("sts", organization.management).assume_role,
        RoleArn=role_arn(member),
        RoleSessionName="tagged",
        Tags=[{"Key": "team", "Value": "blue"}],
    )

    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: arn:aws:iam::{organization.management.account_id}:root is not authorized to "
        f"perform: sts:TagSession on resource: {role_arn(member)}"
    )


def test_transitive_tags_carry_into_chained_session(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    tag_trust = ["sts:AssumeRole", "sts:TagSession"]
    first = put_role(
        server,
        member,
        "First",
        trust(organization.management.account_id, tag_trust),
        inline={"assume": allow(["sts:AssumeRole", "sts:TagSession"])},
    )
    second = put_role(
        server,
        member,
        "Second",
        trust(member, tag_trust),
        inline={
            "blue-only": allow(
                ["organizations:DescribeOrganization"],
                StringEquals={"aws:PrincipalTag/team": "blue"},
            )
        },
    )
    tagged = assume(
        server,
        organization.management,
        first,
        "first",
        Tags=[{"Key": "team", "Value": "blue"}],
        TransitiveTagKeys=["team"],
    )
    sts = session_client(server, "sts", tagged["Credentials"])

    chained = sts.assume_role(RoleArn=second, RoleSessionName="second")
    override = denial(
        sts.assume_role,
        RoleArn=second,
        RoleSessionName="second",
        Tags=[{"Key": "Team", "Value": "red"}],
    )
    orgs = session_client(server, "organizations", chained["Credentials"])

    assert orgs.describe_organization()["Organization"]["Id"]
    assert override.code == "InvalidParameterValue"
    assert override.message == (
        "Session tag team is a transitive tag inherited from the calling session and cannot be "
        "set again."
    )


def test_duplicate_session_tag_keys(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    arn = put_role(
        server,
        member,
        "TagMe",
        trust(organization.management.account_id, ["sts:AssumeRole", "sts:TagSession"]),
    )

    refused = denial(
        server.client("sts", organization.management).assume_role,
        RoleArn=arn,
        RoleSessionName="dup",
        Tags=[{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}],
    )

    assert refused.code == "ValidationError"
    assert refused.message == (
        "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    )


def test_get_session_token_for_root(server: Server) -> None:
    account = server.new_account()
    sts = server.client("sts", account)

    shortest = sts.get_session_token(DurationSeconds=900)["Credentials"]
    credentials = sts.get_session_token(DurationSeconds=43200)["Credentials"]
    identity = session_client(server, "sts", credentials).get_caller_identity()

    assert credentials["AccessKeyId"].startswith("ASIA")
    # A root user's session lasts at most one hour, whatever duration the request names. Other
    # tests move this server's clock, so the lifetime is measured against a 900-second session.
    longer_by = credentials["Expiration"] - shortest["Expiration"]
    assert dt.timedelta(seconds=2695) <= longer_by <= dt.timedelta(seconds=2705)
    assert identity["Arn"] == f"arn:aws:iam::{account.account_id}:root"
    assert identity["Account"] == account.account_id


def test_get_session_token_rejects_session_credentials(server: Server) -> None:
    account = server.new_account()
    credentials = server.client("sts", account).get_session_token()["Credentials"]

    refused = denial(session_client(server, "sts", credentials).get_session_token)

    assert refused.status == 403
    assert refused.code == "AccessDenied"
    assert refused.message == "Cannot call GetSessionToken with session credentials"


def test_get_access_key_info(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    key_id = assume(server, organization.management, role_arn(member))["Credentials"]["AccessKeyId"]

    sts = server.client("sts", organization.management)

    assert sts.get_access_key_info(AccessKeyId=key_id)["Account"] == member
    assert (
        sts.get_access_key_info(AccessKeyId=organization.management.access_key_id)["Account"]
        == organization.management.account_id
    )


def test_decode_authorization_message(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    narrow = json.dumps(allow(["organizations:DescribeOrganization"]))
    reply = assume(server, organization.management, role_arn(member), "decoder", Policy=narrow)
    refused = denial(
        session_client(server, "sts", reply["Credentials"]).decode_authorization_message,
        EncodedMessage="x",
    )
    assert refused.encoded_message is not None
    admin = assume(server, organization.management, role_arn(member), "admin")["Credentials"]

    decoded = session_client(server, "sts", admin).decode_authorization_message(
        EncodedMessage=refused.encoded_message
    )

    document = json.loads(decoded["DecodedMessage"])
    assert document["allowed"] is False
    assert document["explicitDeny"] is False
    assert document["context"]["action"] == "sts:DecodeAuthorizationMessage"
    assert document["context"]["principal"]["arn"] == assumed_role_arn(member, "decoder")
    assert "Session policy: no matching Allow" in document["explanation"]


def test_decode_authorization_message_of_other_account(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    narrow = json.dumps(allow(["organizations:DescribeOrganization"]))
    reply = assume(server, organization.management, role_arn(member), "decoder", Policy=narrow)
    refused = denial(
        session_client(server, "sts", reply["Credentials"]).decode_authorization_message,
        EncodedMessage="x",
    )
    outsider = server.client("sts", server.new_account())

    foreign = denial(outsider.decode_authorization_message, EncodedMessage=refused.encoded_message)
    garbage = denial(outsider.decode_authorization_message, EncodedMessage="not-a-message")

    for rejected in (foreign, garbage):
        assert rejected.status == 400
        assert rejected.code == "InvalidAuthorizationMessageException"


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, because these tests move its clock."""
    data_dir = tmp_path_factory.mktemp("sts-clock")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--max-accounts", "1000"))
        try:
            yield running
        finally:
            running.stop()


def test_expired_role_session_rejected(clock_server: Server) -> None:
    organization = new_organization(clock_server)
    member = create_member_account(clock_server, organization.client)
    reply = assume(
        clock_server, organization.management, role_arn(member), "brief", DurationSeconds=900
    )
    sts = session_client(clock_server, "sts", reply["Credentials"])
    orgs = session_client(clock_server, "organizations", reply["Credentials"])
    assert sts.get_caller_identity()["Account"] == member

    clock_server.advance_clock(901)
    expired_query = denial(sts.get_caller_identity)
    expired_json = denial(orgs.describe_organization)

    assert expired_query.status == 403
    assert expired_query.code == "ExpiredToken"
    assert expired_query.message == "The security token included in the request is expired"
    assert expired_json.status == 400
    assert expired_json.code == "ExpiredTokenException"
    assert expired_json.message == "The security token included in the request is expired"


def test_session_valid_until_expiry(clock_server: Server) -> None:
    account = clock_server.new_account()
    credentials = clock_server.client("sts", account).get_session_token(DurationSeconds=900)[
        "Credentials"
    ]
    sts = session_client(clock_server, "sts", credentials)

    clock_server.advance_clock(850)
    still_valid = sts.get_caller_identity()
    clock_server.advance_clock(60)
    expired = denial(sts.get_caller_identity)

    assert still_valid["Account"] == account.account_id
    assert expired.code == "ExpiredToken"
