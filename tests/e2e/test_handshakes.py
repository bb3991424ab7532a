"""Invitations and handshakes through boto3, with the invited account's own credentials."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.e2e.organization_helpers import (
    attached_policies,
    failure,
    invite_and_join,
    new_organization,
    stored_tags,
)
from tests.harness import Server, fresh_database_url, start_server

ACCESS_DENIED = "You don't have permissions to access this resource."
ALREADY_IN_ORGANIZATION = (
    "The handshake request is invalid because the invited account is already a member of an "
    "organization."
)


def test_invite_by_account_returns_open_handshake(server: Server) -> None:
    management, client = new_organization(server)
    invited = server.new_account()
    organization = client.describe_organization()["Organization"]

    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}, Notes="Please join"
    )["Handshake"]

    assert re.fullmatch(r"h-[0-9a-z]{8,32}", handshake["Id"])
    assert handshake["Arn"] == (
        f"arn:aws:organizations::{management.account_id}:handshake/{organization['Id']}/invite/"
        f"{handshake['Id']}"
    )
    assert handshake["Action"] == "INVITE"
    assert handshake["State"] == "OPEN"
    assert handshake["Parties"] == [
        {"Id": organization["Id"], "Type": "ORGANIZATION"},
        {"Id": invited.account_id, "Type": "ACCOUNT"},
    ]
    assert handshake["Resources"] == [
        {
            "Type": "ORGANIZATION",
            "Value": organization["Id"],
            "Resources": [
                {"Type": "MASTER_EMAIL", "Value": management.email},
                {"Type": "MASTER_NAME", "Value": management.name},
                {"Type": "ORGANIZATION_FEATURE_SET", "Value": "ALL"},
            ],
        },
        {"Type": "ACCOUNT", "Value": invited.account_id},
        {"Type": "NOTES", "Value": "Please join"},
    ]
    lifetime = handshake["ExpirationTimestamp"] - handshake["RequestedTimestamp"]
    assert lifetime == dt.timedelta(days=15)


def test_accept_joins_root_with_defaults_and_tags(server: Server) -> None:
    management, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"},
        Tags=[{"Key": "team", "Value": "blue"}],
    )["Handshake"]
    invited_client = server.client("organizations", invited)

    accepted = invited_client.accept_handshake(HandshakeId=handshake["Id"])["Handshake"]

    assert accepted["State"] == "ACCEPTED"
    organization = invited_client.describe_organization()["Organization"]
    assert organization["MasterAccountId"] == management.account_id
    account = client.describe_account(AccountId=invited.account_id)["Account"]
    assert account["JoinedMethod"] == "INVITED"
    root_id = client.list_roots()["Roots"][0]["Id"]
    parents = client.list_parents(ChildId=invited.account_id)["Parents"]
    assert parents == [{"Id": root_id, "Type": "ROOT"}]
    assert attached_policies(server, invited.account_id) == {"p-FullAWSAccess"}
    assert stored_tags(server, invited.account_id) == {"team": "blue"}


def test_invite_by_email_accepted_by_owner(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.email.upper(), "Type": "EMAIL"}
    )["Handshake"]
    invited_client = server.client("organizations", invited)

    listed = invited_client.list_handshakes_for_account()["Handshakes"]
    accepted = invited_client.accept_handshake(HandshakeId=handshake["Id"])["Handshake"]

    assert [item["Id"] for item in listed] == [handshake["Id"]]
    assert handshake["Parties"][1] == {"Id": invited.email.upper(), "Type": "EMAIL"}
    assert accepted["State"] == "ACCEPTED"


def test_decline_keeps_account_standalone(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    invited_client = server.client("organizations", invited)

    declined = invited_client.decline_handshake(HandshakeId=handshake["Id"])["Handshake"]

    assert declined["State"] == "DECLINED"
    _, error, _ = failure(invited_client.describe_organization)
    assert error["Code"] == "AWSOrganizationsNotInUseException"
    assert client.describe_handshake(HandshakeId=handshake["Id"])["Handshake"]["State"] == (
        "DECLINED"
    )


def test_cancel_then_accept_is_invalid_transition(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    invited_client = server.client("organizations", invited)

    canceled = client.cancel_handshake(HandshakeId=handshake["Id"])["Handshake"]
    status, error, _ = failure(invited_client.accept_handshake, HandshakeId=handshake["Id"])

    assert canceled["State"] == "CANCELED"
    assert status == 400
    assert error["Code"] == "InvalidHandshakeTransitionException"
    assert error["Message"] == (
        "You can't perform the operation on the handshake in its current state."
    )


def test_cancel_twice_is_already_in_state(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    client.cancel_handshake(HandshakeId=handshake["Id"])

    _, error, _ = failure(client.cancel_handshake, HandshakeId=handshake["Id"])

    assert error["Code"] == "HandshakeAlreadyInStateException"
    assert error["Message"] == "The specified handshake is already in the requested state."


def test_accept_twice_is_already_in_state(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    invited_client = server.client("organizations", invited)
    invited_client.accept_handshake(HandshakeId=handshake["Id"])

    _, error, _ = failure(invited_client.accept_handshake, HandshakeId=handshake["Id"])

    assert error["Code"] == "HandshakeAlreadyInStateException"


def test_decline_after_accept_is_invalid_transition(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    invited_client = server.client("organizations", invited)
    invited_client.accept_handshake(HandshakeId=handshake["Id"])

    _, error, _ = failure(invited_client.decline_handshake, HandshakeId=handshake["Id"])

    assert error["Code"] == "InvalidHandshakeTransitionException"


def test_member_of_other_organization_fails_on_accept(server: Server) -> None:
    _, client = new_organization(server)
    elsewhere, _ = new_organization(server)
    handshake = client.invite_account_to_organization(
        Target={"Id": elsewhere.account_id, "Type": "ACCOUNT"}
    )["Handshake"]

    _, error, reason = failure(
        server.client("organizations", elsewhere).accept_handshake, HandshakeId=handshake["Id"]
    )

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert error["Message"] == ALREADY_IN_ORGANIZATION
    assert reason == "ALREADY_IN_AN_ORGANIZATION"
    assert client.describe_handshake(HandshakeId=handshake["Id"])["Handshake"]["State"] == "OPEN"


def test_invite_own_member_is_already_in_organization(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)

    _, error, reason = failure(
        client.invite_account_to_organization,
        Target={"Id": member.account_id, "Type": "ACCOUNT"},
    )

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert reason == "ALREADY_IN_AN_ORGANIZATION"


def test_second_open_invite_is_duplicate(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    first = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]

    _, by_id, _ = failure(
        client.invite_account_to_organization,
        Target={"Id": invited.account_id, "Type": "ACCOUNT"},
    )
    _, by_email, _ = failure(
        client.invite_account_to_organization, Target={"Id": invited.email, "Type": "EMAIL"}
    )
    client.cancel_handshake(HandshakeId=first["Id"])
    again = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]

    assert by_id["Code"] == "DuplicateHandshakeException"
    assert by_id["Message"] == "A handshake with the same action and target already exists."
    assert by_email["Code"] == "DuplicateHandshakeException"
    assert again["State"] == "OPEN"


@pytest.mark.parametrize(
    ("target", "reason", "message"),
    [
        (
            {"Id": "o-abcdefghij", "Type": "ORGANIZATION"},
            "INVALID_PARTY_TYPE_TARGET",
            "You specified the wrong type of entity (account, organization, or email) as a party.",
        ),
        (
            {"Id": "not-an-address", "Type": "EMAIL"},
            "INVALID_EMAIL_ADDRESS_TARGET",
            "You specified an invalid email address for the invited account owner.",
        ),
        (
            {"Id": "12345", "Type": "ACCOUNT"},
            "INVALID_PATTERN",
            "You provided a value that does not match the required pattern.",
        ),
    ],
)
def test_invalid_target_is_invalid_input(
    server: Server, target: dict[str, str], reason: str, message: str
) -> None:
    _, client = new_organization(server)

    status, error, got_reason = failure(client.invite_account_to_organization, Target=target)

    assert status == 400
    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == message
    assert got_reason == reason


def test_duplicate_tag_keys_are_invalid_input(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()

    _, error, reason = failure(
        client.invite_account_to_organization,
        Target={"Id": invited.account_id, "Type": "ACCOUNT"},
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}],
    )

    assert error["Code"] == "InvalidInputException"
    assert reason == "DUPLICATE_TAG_KEY"


def test_member_cannot_invite(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    other = server.new_account()

    status, error, _ = failure(
        server.client("organizations", member).invite_account_to_organization,
        Target={"Id": other.account_id, "Type": "ACCOUNT"},
    )

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED


def test_only_recipient_accepts_and_only_sender_cancels(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    invited_client = server.client("organizations", invited)

    _, by_sender, _ = failure(client.accept_handshake, HandshakeId=handshake["Id"])
    _, by_recipient, _ = failure(invited_client.cancel_handshake, HandshakeId=handshake["Id"])

    assert by_sender["Code"] == "AccessDeniedException"
    assert by_recipient["Code"] == "AccessDeniedException"
    assert by_recipient["Message"] == ACCESS_DENIED


def test_stranger_cannot_see_handshake(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    stranger = server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]

    _, error, _ = failure(
        server.client("organizations", stranger).describe_handshake, HandshakeId=handshake["Id"]
    )
    seen_by_invited = server.client("organizations", invited).describe_handshake(
        HandshakeId=handshake["Id"]
    )["Handshake"]

    assert error["Code"] == "HandshakeNotFoundException"
    assert error["Message"] == "We can't find a handshake with the HandshakeId that you specified."
    assert seen_by_invited == handshake


def test_unknown_handshake_is_not_found(server: Server) -> None:
    _, client = new_organization(server)

    _, error, _ = failure(client.accept_handshake, HandshakeId="h-0000000000")

    assert error["Code"] == "HandshakeNotFoundException"


def test_list_for_organization_filters_and_pages(server: Server) -> None:
    _, client = new_organization(server)
    sent = [
        client.invite_account_to_organization(
            Target={"Id": f"person{index}@example.com", "Type": "EMAIL"}
        )["Handshake"]["Id"]
        for index in range(3)
    ]

    first = client.list_handshakes_for_organization(MaxResults=2)
    second = client.list_handshakes_for_organization(MaxResults=2, NextToken=first["NextToken"])
    invites = client.list_handshakes_for_organization(Filter={"ActionType": "INVITE"})
    transfers = client.list_handshakes_for_organization(
        Filter={"ActionType": "TRANSFER_RESPONSIBILITY"}
    )

    assert [item["Id"] for item in first["Handshakes"] + second["Handshakes"]] == sent
    assert "NextToken" not in second
    assert [item["Id"] for item in invites["Handshakes"]] == sent
    assert transfers["Handshakes"] == []


def test_list_with_both_filters_is_invalid_input(server: Server) -> None:
    _, client = new_organization(server)

    _, error, reason = failure(
        client.list_handshakes_for_organization,
        Filter={"ActionType": "INVITE", "ParentHandshakeId": "h-0000000000"},
    )

    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == "You can specify only one filter parameter for the operation."
    assert reason == "MAX_LIMIT_EXCEEDED_FILTER"


def test_member_cannot_list_for_organization(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)

    _, error, _ = failure(server.client("organizations", member).list_handshakes_for_organization)

    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED


def test_twenty_invitations_a_day(server: Server) -> None:
    _, client = new_organization(server)
    for index in range(20):
        client.invite_account_to_organization(
            Target={"Id": f"daily{index}@example.com", "Type": "EMAIL"}
        )

    _, error, reason = failure(
        client.invite_account_to_organization,
        Target={"Id": "daily20@example.com", "Type": "EMAIL"},
    )

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert error["Message"] == (
        "You attempted to exceed the number of handshakes that you can send in one day."
    )
    assert reason == "HANDSHAKE_RATE_LIMIT_EXCEEDED"


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: these tests move its clock and need a quota of three accounts."""
    data_dir: Path = tmp_path_factory.mktemp("orgstack-handshakes")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--max-accounts", "3"))
        try:
            yield running
        finally:
            running.stop()


def test_open_invitations_count_against_quota(small_server: Server) -> None:
    _, client = new_organization(small_server)
    invite_and_join(small_server, client)
    client.invite_account_to_organization(Target={"Id": "third@example.com", "Type": "EMAIL"})

    _, error, reason = failure(
        client.invite_account_to_organization,
        Target={"Id": "fourth@example.com", "Type": "EMAIL"},
    )

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert error["Message"] == "You have exceeded the allowed number of AWS accounts."
    assert reason == "ACCOUNT_NUMBER_LIMIT_EXCEEDED"


def test_handshake_expires_after_fifteen_days(small_server: Server) -> None:
    _, client = new_organization(small_server)
    invited = small_server.new_account()
    handshake = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    invited_client = small_server.client("organizations", invited)

    small_server.advance_clock(15 * 86400 + 1)

    described = client.describe_handshake(HandshakeId=handshake["Id"])["Handshake"]
    _, error, _ = failure(invited_client.accept_handshake, HandshakeId=handshake["Id"])
    again = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    assert described["State"] == "EXPIRED"
    assert error["Code"] == "InvalidHandshakeTransitionException"
    assert again["State"] == "OPEN"


# EnableAllFeatures


def _approvals_for(server: Server, account: Any, action: str) -> list[dict[str, Any]]:
    client = server.client("organizations", account)
    return client.list_handshakes_for_account(Filter={"ActionType": action})["Handshakes"]


def test_enable_all_features_with_invited_member(server: Server) -> None:
    management, client = new_organization(server, "CONSOLIDATED_BILLING")
    member = invite_and_join(server, client)
    organization_id = client.describe_organization()["Organization"]["Id"]

    request = client.enable_all_features()["Handshake"]
    approvals = _approvals_for(server, member, "ENABLE_ALL_FEATURES")
    children = client.list_handshakes_for_organization(Filter={"ParentHandshakeId": request["Id"]})[
        "Handshakes"
    ]
    _, early, _ = failure(client.accept_handshake, HandshakeId=request["Id"])

    assert request["Action"] == "ENABLE_ALL_FEATURES"
    assert request["State"] == "REQUESTED"
    assert request["Parties"] == [{"Id": organization_id, "Type": "ORGANIZATION"}]
    assert request["Resources"] == [{"Type": "ORGANIZATION", "Value": organization_id}]
    assert len(approvals) == 1
    assert approvals[0]["State"] == "OPEN"
    assert {"Type": "PARENT_HANDSHAKE", "Value": request["Id"]} in approvals[0]["Resources"]
    assert [child["Id"] for child in children] == [approvals[0]["Id"]]
    assert early["Code"] == "InvalidHandshakeTransitionException"

    server.client("organizations", member).accept_handshake(HandshakeId=approvals[0]["Id"])
    opened = client.describe_handshake(HandshakeId=request["Id"])["Handshake"]
    finals = _approvals_for(server, management, "APPROVE_ALL_FEATURES")
    assert opened["State"] == "OPEN"
    assert len(finals) == 1
    assert client.describe_organization()["Organization"]["FeatureSet"] == "CONSOLIDATED_BILLING"

    client.accept_handshake(HandshakeId=finals[0]["Id"])
    organization = client.describe_organization()["Organization"]
    roots = client.list_roots()["Roots"]
    assert organization["FeatureSet"] == "ALL"
    assert roots[0]["PolicyTypes"] == [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
    assert attached_policies(server, member.account_id) == {"p-FullAWSAccess"}
    assert attached_policies(server, management.account_id) == {"p-FullAWSAccess"}
    assert attached_policies(server, roots[0]["Id"]) == {"p-FullAWSAccess"}
    assert client.describe_handshake(HandshakeId=request["Id"])["Handshake"]["State"] == (
        "ACCEPTED"
    )


def test_enable_all_features_alone_opens_at_once(server: Server) -> None:
    management, client = new_organization(server, "CONSOLIDATED_BILLING")
    unit = client.create_organizational_unit(
        ParentId=client.list_roots()["Roots"][0]["Id"], Name="workloads"
    )["OrganizationalUnit"]

    request = client.enable_all_features()["Handshake"]
    client.accept_handshake(HandshakeId=request["Id"])

    assert request["State"] == "OPEN"
    assert client.describe_organization()["Organization"]["FeatureSet"] == "ALL"
    assert attached_policies(server, unit["Id"]) == {"p-FullAWSAccess"}
    finals = _approvals_for(server, management, "APPROVE_ALL_FEATURES")
    assert [final["State"] for final in finals] == ["ACCEPTED"]


def test_enable_all_features_on_all_features_org(server: Server) -> None:
    _, client = new_organization(server)

    _, error, reason = failure(client.enable_all_features)

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert error["Message"] == (
        "The handshake request is invalid because the organization has already enabled all "
        "features."
    )
    assert reason == "ORGANIZATION_ALREADY_HAS_ALL_FEATURES"


def test_enable_all_features_twice_is_pending(server: Server) -> None:
    _, client = new_organization(server, "CONSOLIDATED_BILLING")
    member = invite_and_join(server, client)
    request = client.enable_all_features()["Handshake"]

    _, error, reason = failure(client.enable_all_features)
    client.cancel_handshake(HandshakeId=request["Id"])
    approvals = _approvals_for(server, member, "ENABLE_ALL_FEATURES")
    again = client.enable_all_features()["Handshake"]

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert reason == "ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION"
    assert [approval["State"] for approval in approvals] == ["CANCELED"]
    assert again["State"] == "REQUESTED"


def test_member_cannot_finalize_all_features(server: Server) -> None:
    _, client = new_organization(server, "CONSOLIDATED_BILLING")
    member = invite_and_join(server, client)
    request = client.enable_all_features()["Handshake"]

    _, error, _ = failure(
        server.client("organizations", member).accept_handshake, HandshakeId=request["Id"]
    )

    assert error["Code"] == "HandshakeNotFoundException"


def test_invitation_shows_consolidated_billing(server: Server) -> None:
    _, client = new_organization(server, "CONSOLIDATED_BILLING")

    handshake = client.invite_account_to_organization(
        Target={"Id": "billing-only@example.com", "Type": "EMAIL"}
    )["Handshake"]

    features = handshake["Resources"][0]["Resources"][2]
    assert features == {"Type": "ORGANIZATION_FEATURE_SET", "Value": "CONSOLIDATED_BILLING"}


def test_concurrent_invites_make_one_handshake(server: Server) -> None:
    management, _ = new_organization(server)
    invited = server.new_account()

    def invite(_: int) -> str:
        client = server.client("organizations", management)
        try:
            client.invite_account_to_organization(
                Target={"Id": invited.account_id, "Type": "ACCOUNT"}
            )
        except botocore.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        return "OK"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(invite, range(8)))

    assert outcomes == ["DuplicateHandshakeException"] * 7 + ["OK"]


def test_declined_approval_blocks_finalizing(server: Server) -> None:
    _, client = new_organization(server, "CONSOLIDATED_BILLING")
    member = invite_and_join(server, client)
    request = client.enable_all_features()["Handshake"]
    member_client = server.client("organizations", member)
    approvals = member_client.list_handshakes_for_account(
        Filter={"ParentHandshakeId": request["Id"]}
    )["Handshakes"]

    member_client.decline_handshake(HandshakeId=approvals[0]["Id"])
    _, error, _ = failure(client.accept_handshake, HandshakeId=request["Id"])

    assert [approval["Action"] for approval in approvals] == ["ENABLE_ALL_FEATURES"]
    assert error["Code"] == "InvalidHandshakeTransitionException"
    assert client.describe_handshake(HandshakeId=request["Id"])["Handshake"]["State"] == (
        "REQUESTED"
    )
    assert client.describe_organization()["Organization"]["FeatureSet"] == "CONSOLIDATED_BILLING"


def test_deleting_organization_removes_invitations(server: Server) -> None:
    _, client = new_organization(server)
    invited = server.new_account()
    client.invite_account_to_organization(Target={"Id": invited.account_id, "Type": "ACCOUNT"})

    client.delete_organization()

    listed = server.client("organizations", invited).list_handshakes_for_account()
    assert listed["Handshakes"] == []


def test_delegated_administrator_describes_sent_handshake(server: Server) -> None:
    _, client = new_organization(server)
    administrator = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    client.register_delegated_administrator(
        AccountId=administrator.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    handshake = client.invite_account_to_organization(
        Target={"Id": "later@example.com", "Type": "EMAIL"}
    )["Handshake"]
    administrator_client = server.client("organizations", administrator)

    described = administrator_client.describe_handshake(HandshakeId=handshake["Id"])
    _, canceled, _ = failure(administrator_client.cancel_handshake, HandshakeId=handshake["Id"])

    assert described["Handshake"] == handshake
    assert canceled["Code"] == "AccessDeniedException"


# Every answer to an invitation in every state, as a table: the resulting state or the error.
TRANSITIONS = [
    ("OPEN", "accept", "ACCEPTED"),
    ("OPEN", "decline", "DECLINED"),
    ("OPEN", "cancel", "CANCELED"),
    ("ACCEPTED", "accept", "HandshakeAlreadyInStateException"),
    ("ACCEPTED", "decline", "InvalidHandshakeTransitionException"),
    ("ACCEPTED", "cancel", "InvalidHandshakeTransitionException"),
    ("DECLINED", "accept", "InvalidHandshakeTransitionException"),
    ("DECLINED", "decline", "HandshakeAlreadyInStateException"),
    ("DECLINED", "cancel", "InvalidHandshakeTransitionException"),
    ("CANCELED", "accept", "InvalidHandshakeTransitionException"),
    ("CANCELED", "decline", "InvalidHandshakeTransitionException"),
    ("CANCELED", "cancel", "HandshakeAlreadyInStateException"),
    ("EXPIRED", "accept", "InvalidHandshakeTransitionException"),
    ("EXPIRED", "decline", "InvalidHandshakeTransitionException"),
    ("EXPIRED", "cancel", "InvalidHandshakeTransitionException"),
]


@pytest.mark.parametrize(("start", "answer", "expected"), TRANSITIONS)
def test_invitation_state_table(
    small_server: Server, start: str, answer: str, expected: str
) -> None:
    _, client = new_organization(small_server)
    invited = small_server.new_account()
    handshake_id = client.invite_account_to_organization(
        Target={"Id": invited.account_id, "Type": "ACCOUNT"}
    )["Handshake"]["Id"]
    invited_client = small_server.client("organizations", invited)
    calls = {
        "accept": invited_client.accept_handshake,
        "decline": invited_client.decline_handshake,
        "cancel": client.cancel_handshake,
    }
    if start == "EXPIRED":
        small_server.advance_clock(15 * 86400 + 1)
    elif start != "OPEN":
        calls[{"ACCEPTED": "accept", "DECLINED": "decline", "CANCELED": "cancel"}[start]](
            HandshakeId=handshake_id
        )

    if expected.endswith("Exception"):
        _, error, _ = failure(calls[answer], HandshakeId=handshake_id)
        assert error["Code"] == expected
        assert client.describe_handshake(HandshakeId=handshake_id)["Handshake"]["State"] == start
    else:
        answered = calls[answer](HandshakeId=handshake_id)["Handshake"]
        assert answered["State"] == expected
