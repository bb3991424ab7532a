"""Responsibility (billing) transfers between two organizations through boto3."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.e2e.organization_helpers import (
    failure,
    invite_and_join,
    new_organization,
    stored_tags,
)
from tests.harness import Account, Server

TRANSFER_ARN = r"arn:aws:organizations::{account}:transfer/{organization}/billing/{direction}/{id}"


def _month_start(months_ahead: int) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    index = now.year * 12 + now.month - 1 + months_ahead
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def _invite(client: Any, target: Account, **extra: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "Type": "BILLING",
        "Target": {"Id": target.account_id, "Type": "ACCOUNT"},
        "StartTimestamp": _month_start(1),
        "SourceName": "Billing by partner",
        **extra,
    }
    return dict(client.invite_organization_to_transfer_responsibility(**arguments)["Handshake"])


def _transfer_id(handshake: dict[str, Any]) -> str:
    values = [
        item["Value"]
        for item in handshake["Resources"]
        if item["Type"] == "RESPONSIBILITY_TRANSFER"
    ]
    return str(values[0])


def _two_organizations(server: Server) -> tuple[Account, Any, Account, Any]:
    partner, partner_client = new_organization(server)
    customer, customer_client = new_organization(server)
    return partner, partner_client, customer, customer_client


def test_invite_creates_requested_transfer(server: Server) -> None:
    partner, partner_client, customer, customer_client = _two_organizations(server)
    partner_org = partner_client.describe_organization()["Organization"]["Id"]
    customer_org = customer_client.describe_organization()["Organization"]["Id"]

    handshake = _invite(partner_client, customer, Notes="Welcome")
    transfer_id = _transfer_id(handshake)
    inbound = partner_client.list_inbound_responsibility_transfers(Type="BILLING")
    outbound = customer_client.list_outbound_responsibility_transfers(Type="BILLING")

    assert handshake["Action"] == "TRANSFER_RESPONSIBILITY"
    assert handshake["State"] == "OPEN"
    assert handshake["Arn"].endswith(f"/transfer_responsibility/{handshake['Id']}")
    assert handshake["Parties"] == [
        {"Id": partner_org, "Type": "ORGANIZATION"},
        {"Id": customer.account_id, "Type": "ACCOUNT"},
    ]
    types = [item["Type"] for item in handshake["Resources"]]
    assert types == [
        "RESPONSIBILITY_TRANSFER",
        "TRANSFER_TYPE",
        "TRANSFER_START_TIMESTAMP",
        "MANAGEMENT_ACCOUNT",
        "MANAGEMENT_EMAIL",
        "MANAGEMENT_NAME",
        "ACCOUNT",
        "NOTES",
    ]
    assert re.fullmatch(r"rt-[0-9a-z]{8,32}", transfer_id)
    [seen_inbound] = inbound["ResponsibilityTransfers"]
    [seen_outbound] = outbound["ResponsibilityTransfers"]
    assert seen_inbound["Arn"] == TRANSFER_ARN.format(
        account=partner.account_id, organization=partner_org, direction="inbound", id=transfer_id
    )
    assert seen_outbound["Arn"] == TRANSFER_ARN.format(
        account=customer.account_id,
        organization=customer_org,
        direction="outbound",
        id=transfer_id,
    )
    assert seen_inbound["Status"] == "REQUESTED"
    assert seen_inbound["Name"] == "Billing by partner"
    assert seen_inbound["Type"] == "BILLING"
    assert seen_inbound["StartTimestamp"] == _month_start(1)
    assert seen_inbound["ActiveHandshakeId"] == handshake["Id"]
    assert seen_inbound["Target"] == {
        "ManagementAccountId": partner.account_id,
        "ManagementAccountEmail": partner.email,
    }
    assert seen_inbound["Source"] == {
        "ManagementAccountId": customer.account_id,
        "ManagementAccountEmail": customer.email,
    }


def test_accept_then_terminate(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)
    transfer_id = _transfer_id(handshake)

    accepted = customer_client.accept_handshake(HandshakeId=handshake["Id"])["Handshake"]
    described = customer_client.describe_responsibility_transfer(Id=transfer_id)
    ended = partner_client.terminate_responsibility_transfer(Id=transfer_id)

    assert accepted["State"] == "ACCEPTED"
    assert described["ResponsibilityTransfer"]["Status"] == "ACCEPTED"
    transfer = ended["ResponsibilityTransfer"]
    assert transfer["Status"] == "WITHDRAWN"
    # Without EndTimestamp the transfer ends with the last millisecond of its first month.
    assert transfer["EndTimestamp"] == _month_start(2) - dt.timedelta(milliseconds=1)
    _, again, _ = failure(customer_client.terminate_responsibility_transfer, Id=transfer_id)
    assert again["Code"] == "ResponsibilityTransferAlreadyInStatusException"
    assert again["Message"] == (
        "The responsibility transfer is already in the status that you specified."
    )


def test_terminate_with_end_of_month(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)
    customer_client.accept_handshake(HandshakeId=handshake["Id"])
    end = _month_start(4) - dt.timedelta(milliseconds=1)

    ended = customer_client.terminate_responsibility_transfer(
        Id=_transfer_id(handshake), EndTimestamp=end
    )

    assert ended["ResponsibilityTransfer"]["EndTimestamp"] == end


@pytest.mark.parametrize(
    ("end", "reason", "message"),
    [
        (
            _month_start(3),
            "END_DATE_NOT_END_OF_MONTH",
            "You provided an invalid end date. The end date must be the end of the last day of "
            "the month (23.59.59.999).",
        ),
        (
            _month_start(0) - dt.timedelta(milliseconds=1),
            "END_DATE_TOO_EARLY",
            "You provided an invalid end date. The end date is too early.",
        ),
    ],
)
def test_invalid_end_date(server: Server, end: dt.datetime, reason: str, message: str) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)
    customer_client.accept_handshake(HandshakeId=handshake["Id"])

    _, error, got_reason = failure(
        partner_client.terminate_responsibility_transfer,
        Id=_transfer_id(handshake),
        EndTimestamp=end,
    )

    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == message
    assert got_reason == reason


def test_terminate_requested_is_invalid_transition(server: Server) -> None:
    _, partner_client, customer, _ = _two_organizations(server)
    handshake = _invite(partner_client, customer)

    _, error, _ = failure(
        partner_client.terminate_responsibility_transfer, Id=_transfer_id(handshake)
    )

    assert error["Code"] == "InvalidResponsibilityTransferTransitionException"
    assert error["Message"] == (
        "The responsibility transfer can't transition to the requested state because it's not in "
        "a valid state for this operation."
    )


def test_decline_and_cancel_set_status(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    _, _, other, _ = _two_organizations(server)
    declined = _invite(partner_client, customer)
    canceled = _invite(partner_client, other)

    customer_client.decline_handshake(HandshakeId=declined["Id"])
    partner_client.cancel_handshake(HandshakeId=canceled["Id"])

    statuses = {
        item["Id"]: item["Status"]
        for item in partner_client.list_inbound_responsibility_transfers(Type="BILLING")[
            "ResponsibilityTransfers"
        ]
    }
    assert statuses == {_transfer_id(declined): "DECLINED", _transfer_id(canceled): "CANCELED"}


def test_update_renames_active_transfer(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)
    transfer_id = _transfer_id(handshake)

    renamed = partner_client.update_responsibility_transfer(Id=transfer_id, Name="Renamed")
    customer_client.decline_handshake(HandshakeId=handshake["Id"])
    _, error, reason = failure(
        partner_client.update_responsibility_transfer, Id=transfer_id, Name="Again"
    )

    assert renamed["ResponsibilityTransfer"]["Name"] == "Renamed"
    assert error["Code"] == "ConstraintViolationException"
    assert reason == "TRANSFER_RESPONSIBILITY_UPDATE_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("start", "reason", "message"),
    [
        (
            _month_start(1) + dt.timedelta(hours=3),
            "START_DATE_NOT_BEGINNING_OF_DAY",
            "You provided an invalid start date. The start date must be the beginning of the day "
            "(00:00:00.000).",
        ),
        (
            _month_start(1) + dt.timedelta(days=3),
            "START_DATE_NOT_BEGINNING_OF_MONTH",
            "You provided an invalid start date. The start date must be the first day of the "
            "month.",
        ),
        (
            _month_start(-1),
            "START_DATE_TOO_EARLY",
            "You provided an invalid start date. The start date is too early.",
        ),
        (
            _month_start(13),
            "START_DATE_TOO_LATE",
            "You provided an invalid start date. The start date is too late.",
        ),
    ],
)
def test_invalid_start_date(server: Server, start: dt.datetime, reason: str, message: str) -> None:
    _, partner_client, customer, _ = _two_organizations(server)

    _, error, got_reason = failure(
        partner_client.invite_organization_to_transfer_responsibility,
        Type="BILLING",
        Target={"Id": customer.account_id, "Type": "ACCOUNT"},
        StartTimestamp=start,
        SourceName="x",
    )

    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == message
    assert got_reason == reason


def test_invite_own_organization_is_rejected(server: Server) -> None:
    partner, partner_client = new_organization(server)

    _, error, reason = failure(lambda: _invite(partner_client, partner))

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert reason == "SOURCE_AND_TARGET_CANNOT_MATCH"


def test_second_pending_invite_is_duplicate(server: Server) -> None:
    _, partner_client, customer, _ = _two_organizations(server)
    _invite(partner_client, customer)

    _, error, _ = failure(lambda: _invite(partner_client, customer))

    assert error["Code"] == "DuplicateHandshakeException"


def test_organization_target_is_invalid_party(server: Server) -> None:
    _, partner_client, _, customer_client = _two_organizations(server)
    customer_org = customer_client.describe_organization()["Organization"]["Id"]

    _, error, reason = failure(
        partner_client.invite_organization_to_transfer_responsibility,
        Type="BILLING",
        Target={"Id": customer_org, "Type": "ORGANIZATION"},
        StartTimestamp=_month_start(1),
        SourceName="x",
    )

    assert error["Code"] == "InvalidInputException"
    assert reason == "INVALID_PARTY_TYPE_TARGET"


def test_source_accepts_one_transfer_at_a_time(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    _, rival_client = new_organization(server)
    first = _invite(partner_client, customer)
    second = _invite(rival_client, customer)
    customer_client.accept_handshake(HandshakeId=first["Id"])

    _, error, reason = failure(customer_client.accept_handshake, HandshakeId=second["Id"])

    assert error["Code"] == "HandshakeConstraintViolationException"
    assert error["Message"] == "You cannot perform this operation with the current transfer."
    assert reason == "RESPONSIBILITY_TRANSFER_ALREADY_EXISTS"


def test_member_account_cannot_accept_transfer(server: Server) -> None:
    _, partner_client = new_organization(server)
    _, customer_client = new_organization(server)
    member = invite_and_join(server, customer_client)
    handshake = _invite(partner_client, member)

    _, error, _ = failure(
        server.client("organizations", member).accept_handshake, HandshakeId=handshake["Id"]
    )

    assert error["Code"] == "AccessDeniedException"


def test_standalone_account_cannot_accept_transfer(server: Server) -> None:
    _, partner_client = new_organization(server)
    standalone = server.new_account()
    handshake = _invite(partner_client, standalone)

    _, error, _ = failure(
        server.client("organizations", standalone).accept_handshake, HandshakeId=handshake["Id"]
    )

    assert error["Code"] == "AWSOrganizationsNotInUseException"


def test_member_cannot_invite_or_list(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    member_client = server.client("organizations", member)
    customer = server.new_account()

    _, invited, _ = failure(lambda: _invite(member_client, customer))
    _, listed, _ = failure(member_client.list_inbound_responsibility_transfers, Type="BILLING")

    assert invited["Code"] == "AccessDeniedException"
    assert listed["Code"] == "AccessDeniedException"


def test_unknown_or_foreign_transfer_is_not_found(server: Server) -> None:
    _, partner_client, customer, _ = _two_organizations(server)
    _, stranger_client = new_organization(server)
    handshake = _invite(partner_client, customer)

    _, unknown, _ = failure(partner_client.describe_responsibility_transfer, Id="rt-0000000000")
    _, foreign, _ = failure(
        stranger_client.describe_responsibility_transfer, Id=_transfer_id(handshake)
    )
    _, listed, _ = failure(
        stranger_client.list_inbound_responsibility_transfers,
        Type="BILLING",
        Id=_transfer_id(handshake),
    )

    assert unknown["Code"] == "ResponsibilityTransferNotFoundException"
    assert unknown["Message"] == "We can't find a transfer that you specified."
    assert foreign["Code"] == "ResponsibilityTransferNotFoundException"
    assert listed["Code"] == "ResponsibilityTransferNotFoundException"


def test_inbound_list_filters_by_id_and_pages(server: Server) -> None:
    _, partner_client = new_organization(server)
    customers = [new_organization(server)[0] for _ in range(3)]
    transfer_ids = sorted(_transfer_id(_invite(partner_client, customer)) for customer in customers)

    first = partner_client.list_inbound_responsibility_transfers(Type="BILLING", MaxResults=2)
    second = partner_client.list_inbound_responsibility_transfers(
        Type="BILLING", MaxResults=2, NextToken=first["NextToken"]
    )
    one = partner_client.list_inbound_responsibility_transfers(Type="BILLING", Id=transfer_ids[1])

    pages = first["ResponsibilityTransfers"] + second["ResponsibilityTransfers"]
    assert [item["Id"] for item in pages] == transfer_ids
    assert "NextToken" not in second
    assert [item["Id"] for item in one["ResponsibilityTransfers"]] == [transfer_ids[1]]


def test_source_renames_accepted_transfer(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)
    customer_client.accept_handshake(HandshakeId=handshake["Id"])

    renamed = customer_client.update_responsibility_transfer(
        Id=_transfer_id(handshake), Name="Our partner"
    )

    assert renamed["ResponsibilityTransfer"]["Name"] == "Our partner"
    assert renamed["ResponsibilityTransfer"]["Status"] == "ACCEPTED"
    assert "/billing/outbound/" in renamed["ResponsibilityTransfer"]["Arn"]


def test_tags_attach_to_transfer_on_accept(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer, Tags=[{"Key": "contract", "Value": "42"}])
    transfer_id = _transfer_id(handshake)
    before = stored_tags(server, transfer_id)

    customer_client.accept_handshake(HandshakeId=handshake["Id"])

    assert before == {}
    assert stored_tags(server, transfer_id) == {"contract": "42"}


ACTIVE_TRANSFER_MESSAGE = (
    "You cannot delete organization due to an ongoing responsibility transfer process. For "
    "example, a pending invitation or an in-progress transfer. To delete the organization, you "
    "must resolve the current transfer process."
)


def _delete_is_blocked(client: Any) -> None:
    status, error, reason = failure(client.delete_organization)
    assert status == 400
    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == ACTIVE_TRANSFER_MESSAGE
    assert reason == "ACTIVE_RESPONSIBILITY_TRANSFER_PROCESS"


def test_pending_transfer_blocks_delete_organization(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)

    _delete_is_blocked(partner_client)
    _delete_is_blocked(customer_client)

    partner_client.cancel_handshake(HandshakeId=handshake["Id"])
    partner_client.delete_organization()
    customer_client.delete_organization()


def test_accepted_transfer_blocks_until_terminated(server: Server) -> None:
    _, partner_client, customer, customer_client = _two_organizations(server)
    handshake = _invite(partner_client, customer)
    customer_client.accept_handshake(HandshakeId=handshake["Id"])

    _delete_is_blocked(partner_client)
    _delete_is_blocked(customer_client)

    partner_client.terminate_responsibility_transfer(Id=_transfer_id(handshake))
    partner_client.delete_organization()
    customer_client.delete_organization()
