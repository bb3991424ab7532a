"""Responsibility (billing) transfers: InviteOrganizationToTransferResponsibility,
DescribeResponsibilityTransfer, ListInboundResponsibilityTransfers,
ListOutboundResponsibilityTransfers, UpdateResponsibilityTransfer and
TerminateResponsibilityTransfer.

The inviting management account asks another organization's management account to make it
responsible for that organization's billing. In AWS's terms the inviter is the transfer's Target
(it sees the transfer as inbound) and the invited organization is its Source (outbound). The
invitation is a TRANSFER_RESPONSIBILITY handshake; until it is answered, the transfer's status
follows the handshake's state.

NOTE: only the agreement is stored. Billing effects (whose invoice pays for the source
organization's usage between StartTimestamp and EndTimestamp) are out of orgstack's scope.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from orgstack import ids
from orgstack.protocol.validate import parse_timestamp
from orgstack.services.organizations import access
from orgstack.services.organizations import handshake_store as store
from orgstack.services.organizations.errors import (
    AccessDeniedException,
    AWSOrganizationsNotInUseException,
    ConstraintViolationException,
    DuplicateHandshakeException,
    HandshakeConstraintViolationException,
    InvalidInputException,
    InvalidResponsibilityTransferTransitionException,
    ResponsibilityTransferAlreadyInStatusException,
    ResponsibilityTransferNotFoundException,
)
from orgstack.services.organizations.invitations import (
    apply_tags,
    resolve_account,
    validate_target,
)
from orgstack.services.organizations.pagination import page
from orgstack.services.organizations.tagging import validate_tags
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts, responsibility_transfers

log = logging.getLogger("orgstack.organizations")

BILLING = "BILLING"
REQUESTED = "REQUESTED"
ACCEPTED = "ACCEPTED"
WITHDRAWN = "WITHDRAWN"
# Statuses in which the transfer still exists as an agreement or an open invitation.
ACTIVE_STATUSES = (REQUESTED, ACCEPTED)

# NOTE: AWS documents START_DATE_TOO_LATE without the limit; orgstack accepts start dates up to
# twelve months ahead.
MAX_START_MONTHS_AHEAD = 12

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

SAME_PARTY_MESSAGE = (
    "An account can't accept a transfer invitation if it is both the sender and recipient of the "
    "invitation."
)


def _month_start(moment: dt.datetime, months_ahead: int = 0) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 + months_ahead
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def _timestamp(value: Any) -> dt.datetime:
    parsed = value if isinstance(value, dt.datetime) else parse_timestamp(value)
    # The model check before the handler accepted the value as a timestamp.
    assert parsed is not None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    # Clients send epoch seconds as floats; round to milliseconds, the precision AWS keeps.
    milliseconds = round(parsed.timestamp() * 1000)
    return EPOCH + dt.timedelta(milliseconds=milliseconds)


def _invalid_date(reason: str, message: str) -> InvalidInputException:
    return InvalidInputException(message, Reason=reason)


def validate_start(start: dt.datetime, now: dt.datetime) -> None:
    """Check that a transfer starts at the beginning of this month or a later one."""
    if (start.hour, start.minute, start.second, start.microsecond) != (0, 0, 0, 0):
        raise _invalid_date(
            "START_DATE_NOT_BEGINNING_OF_DAY",
            "You provided an invalid start date. The start date must be the beginning of the day "
            "(00:00:00.000).",
        )
    if start.day != 1:
        raise _invalid_date(
            "START_DATE_NOT_BEGINNING_OF_MONTH",
            "You provided an invalid start date. The start date must be the first day of the "
            "month.",
        )
    if start < _month_start(now):
        raise _invalid_date(
            "START_DATE_TOO_EARLY",
            "You provided an invalid start date. The start date is too early.",
        )
    if start > _month_start(now, MAX_START_MONTHS_AHEAD):
        raise _invalid_date(
            "START_DATE_TOO_LATE", "You provided an invalid start date. The start date is too late."
        )


def validate_end(end: dt.datetime, start: dt.datetime, now: dt.datetime) -> None:
    """Check that a transfer ends at the last millisecond of a month not yet over."""
    following = end + dt.timedelta(milliseconds=1)
    if following != _month_start(following):
        raise _invalid_date(
            "END_DATE_NOT_END_OF_MONTH",
            "You provided an invalid end date. The end date must be the end of the last day of "
            "the month (23.59.59.999).",
        )
    if end < start or following <= _month_start(now):
        raise _invalid_date(
            "END_DATE_TOO_EARLY", "You provided an invalid end date. The end date is too early."
        )


# Storage


def _insert(
    connection: Connection,
    transfer_id: str,
    target_org: str,
    handshake_id: str,
    record: dict[str, Any],
    now: dt.datetime,
) -> None:
    connection.execute(
        insert(responsibility_transfers).values(
            id=transfer_id,
            source_organization_id=record["SourceOrganizationId"],
            target_organization_id=target_org,
            handshake_id=handshake_id,
            status=REQUESTED,
            record_json=orjson.dumps(record).decode(),
            created_at=now,
        )
    )


def _save(connection: Connection, row: Any, status: str, record: dict[str, Any]) -> None:
    connection.execute(
        update(responsibility_transfers)
        .where(responsibility_transfers.c.id == row.id)
        .values(
            status=status,
            source_organization_id=record["SourceOrganizationId"],
            record_json=orjson.dumps(record).decode(),
        )
    )


def _find(connection: Connection, transfer_id: str) -> Any:
    return connection.execute(
        select(responsibility_transfers).where(responsibility_transfers.c.id == transfer_id)
    ).first()


def _status(connection: Connection, row: Any, now: dt.datetime) -> str:
    """Return the transfer's status: the stored one, or its invitation's state while it is open."""
    if row.status != REQUESTED:
        return str(row.status)
    handshake = store.find_handshake(connection, row.handshake_id)
    if handshake is None:
        return REQUESTED
    state = handshake.effective_state(now)
    return REQUESTED if state in store.PENDING_STATES else state


def has_active_transfer(connection: Connection, organization_id: str, now: dt.datetime) -> bool:
    """Tell whether the organization is the source or target of a transfer still REQUESTED or
    ACCEPTED."""
    table = responsibility_transfers
    rows = connection.execute(
        select(table).where(
            (table.c.source_organization_id == organization_id)
            | (table.c.target_organization_id == organization_id),
            table.c.status.in_(ACTIVE_STATUSES),
        )
    )
    return any(_status(connection, row, now) in ACTIVE_STATUSES for row in rows)


def _participant(account_id: str | None, email: str | None) -> dict[str, str]:
    participant: dict[str, str] = {}
    if account_id is not None:
        participant["ManagementAccountId"] = account_id
    if email is not None:
        participant["ManagementAccountEmail"] = email
    return participant


def _record(context: RequestContext, row: Any, view: access.OrganizationView) -> dict[str, Any]:
    stored = orjson.loads(row.record_json)
    direction = "inbound" if row.target_organization_id == view.id else "outbound"
    record: dict[str, Any] = {
        "Arn": (
            f"arn:aws:organizations::{view.management_account_id}:transfer/{view.id}/billing/"
            f"{direction}/{row.id}"
        ),
        "Name": stored["Name"],
        "Id": row.id,
        "Type": stored["Type"],
        "Status": _status(context.db, row, context.now()),
        "Source": stored["Source"],
        "Target": stored["Target"],
        "StartTimestamp": dt.datetime.fromisoformat(stored["StartTimestamp"]),
        "ActiveHandshakeId": row.handshake_id,
    }
    if stored.get("EndTimestamp"):
        record["EndTimestamp"] = dt.datetime.fromisoformat(stored["EndTimestamp"])
    return record


def _visible(context: RequestContext, view: access.OrganizationView, transfer_id: str) -> Any:
    row = _find(context.db, transfer_id)
    if row is None or view.id not in (row.source_organization_id, row.target_organization_id):
        raise ResponsibilityTransferNotFoundException()
    return row


# Operations


@operation("organizations", "InviteOrganizationToTransferResponsibility", read_only=False)
def invite_organization(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    party_type, party_id = validate_target(params["Target"])
    now = context.now()
    start = _timestamp(params["StartTimestamp"])
    validate_start(start, now)
    tag_list = params.get("Tags") or []
    validate_tags(tag_list)
    store.lock_organization(context.db, view.id)

    invited = resolve_account(context.db, party_type, party_id)
    invited_id = (
        party_id if party_type == store.ACCOUNT_PARTY else (invited.id if invited else None)
    )
    if invited_id is not None and _organization_of(context.db, invited_id) == view.id:
        raise HandshakeConstraintViolationException(
            SAME_PARTY_MESSAGE, Reason="SOURCE_AND_TARGET_CANNOT_MATCH"
        )
    _reject_duplicate(
        context, view, invited_id, party_id if party_type == store.EMAIL_PARTY else None
    )

    transfer_id = ids.responsibility_transfer_id()
    handshake = _invitation(
        context, view, party_type, party_id, transfer_id, start, params.get("Notes")
    )
    handshake.target_account_id = invited_id
    handshake.target_email = party_id if party_type == store.EMAIL_PARTY else None
    store.insert_handshake(context.db, handshake)

    record = {
        "Name": params["SourceName"],
        "Type": params["Type"],
        "Source": _participant(invited_id, invited.email if invited else handshake.target_email),
        "Target": _participant(
            view.management_account_id, _email_of(context.db, view.management_account_id)
        ),
        "StartTimestamp": start.isoformat(),
        "EndTimestamp": None,
        "Tags": tag_list,
        "SourceOrganizationId": _organization_of(context.db, invited_id) if invited_id else None,
    }
    _insert(context.db, transfer_id, view.id, handshake.id, record, now)

    log.info(
        "sent responsibility transfer transfer_id=%s handshake_id=%s", transfer_id, handshake.id
    )
    context.audit.resources.append(("AWS::Organizations::Handshake", handshake.arn))
    return {"Handshake": handshake.record(now)}


def _organization_of(connection: Connection, account_id: str) -> str | None:
    value = connection.execute(
        select(accounts.c.organization_id).where(accounts.c.id == account_id)
    ).scalar()
    return None if value is None else str(value)


def _email_of(connection: Connection, account_id: str) -> str:
    return str(
        connection.execute(select(accounts.c.email).where(accounts.c.id == account_id)).scalar_one()
    )


def _reject_duplicate(
    context: RequestContext,
    view: access.OrganizationView,
    account_id: str | None,
    email: str | None,
) -> None:
    now = context.now()
    for handshake in store.handshakes_of_organization(context.db, view.id):
        if handshake.action != store.TRANSFER_RESPONSIBILITY:
            continue
        if handshake.effective_state(now) not in store.PENDING_STATES:
            continue
        same_account = account_id is not None and handshake.target_account_id == account_id
        same_email = email is not None and (handshake.target_email or "").lower() == email.lower()
        if same_account or same_email:
            raise DuplicateHandshakeException()


def _invitation(
    context: RequestContext,
    view: access.OrganizationView,
    party_type: str,
    party_id: str,
    transfer_id: str,
    start: dt.datetime,
    notes: str | None,
) -> store.Handshake:
    management = context.db.execute(
        select(accounts.c.email, accounts.c.name).where(accounts.c.id == view.management_account_id)
    ).one()
    resources = [
        store.resource("RESPONSIBILITY_TRANSFER", transfer_id),
        store.resource("TRANSFER_TYPE", BILLING),
        store.resource("TRANSFER_START_TIMESTAMP", start.isoformat().replace("+00:00", "Z")),
        store.resource("MANAGEMENT_ACCOUNT", view.management_account_id),
        store.resource("MANAGEMENT_EMAIL", management.email),
        store.resource("MANAGEMENT_NAME", management.name),
        store.resource(party_type, party_id),
    ]
    if notes:
        resources.append(store.resource("NOTES", notes))
    parties = [
        {"Id": view.id, "Type": store.ORGANIZATION_PARTY},
        {"Id": party_id, "Type": party_type},
    ]
    return store.new_handshake(
        view.id,
        view.management_account_id,
        store.TRANSFER_RESPONSIBILITY,
        context.now(),
        parties,
        resources,
    )


@store.on_accept(store.TRANSFER_RESPONSIBILITY)
def accept_transfer(
    context: RequestContext, handshake: store.Handshake, caller: store.Caller
) -> None:
    """Make the recipient's organization the transfer's source."""
    if caller.organization_id is None:
        raise AWSOrganizationsNotInUseException()
    if not caller.is_management:
        raise AccessDeniedException(access.ACCESS_DENIED_MESSAGE)
    if caller.organization_id == handshake.organization_id:
        raise HandshakeConstraintViolationException(
            SAME_PARTY_MESSAGE, Reason="SOURCE_AND_TARGET_CANNOT_MATCH"
        )
    store.lock_organization(context.db, caller.organization_id)
    row = context.db.execute(
        select(responsibility_transfers).where(
            responsibility_transfers.c.handshake_id == handshake.id
        )
    ).one()
    _reject_second_transfer(context, caller.organization_id)

    record = orjson.loads(row.record_json)
    record["Source"] = _participant(caller.account_id, caller.email)
    record["SourceOrganizationId"] = caller.organization_id
    _save(context.db, row, ACCEPTED, record)
    # The invitation's tags are attached to the transfer when it is accepted.
    apply_tags(context.db, row.id, record["Tags"])
    log.info("accepted responsibility transfer transfer_id=%s", row.id)


def _reject_second_transfer(context: RequestContext, source_organization_id: str) -> None:
    # An organization's billing can be transferred to one organization at a time.
    active = context.db.execute(
        select(responsibility_transfers.c.id)
        .where(responsibility_transfers.c.source_organization_id == source_organization_id)
        .where(responsibility_transfers.c.status == ACCEPTED)
    ).first()
    if active is not None:
        raise HandshakeConstraintViolationException(
            "You cannot perform this operation with the current transfer.",
            Reason="RESPONSIBILITY_TRANSFER_ALREADY_EXISTS",
        )


@operation("organizations", "DescribeResponsibilityTransfer", read_only=True)
def describe_responsibility_transfer(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    row = _visible(context, view, params["Id"])
    return {"ResponsibilityTransfer": _record(context, row, view)}


def _list(context: RequestContext, params: Params, inbound: bool) -> Result:
    view = access.management_view(context)
    column = (
        responsibility_transfers.c.target_organization_id
        if inbound
        else responsibility_transfers.c.source_organization_id
    )
    query = select(responsibility_transfers).where(column == view.id)
    if params.get("Id") is not None:
        query = query.where(responsibility_transfers.c.id == params["Id"])
    rows = context.db.execute(query.order_by(responsibility_transfers.c.id)).all()
    if params.get("Id") is not None and not rows:
        raise ResponsibilityTransferNotFoundException()

    items = [
        _record(context, row, view)
        for row in rows
        if orjson.loads(row.record_json)["Type"] == params["Type"]
    ]
    keys = [[item["Id"]] for item in items]
    scope = f"transfers:{'inbound' if inbound else 'outbound'}:{params.get('Id')}"
    chunk, token = page(context, items, keys, params, scope)
    return {"ResponsibilityTransfers": chunk, "NextToken": token}


@operation("organizations", "ListInboundResponsibilityTransfers", read_only=True)
def list_inbound(context: RequestContext, params: Params) -> Result:
    return _list(context, params, inbound=True)


@operation("organizations", "ListOutboundResponsibilityTransfers", read_only=True)
def list_outbound(context: RequestContext, params: Params) -> Result:
    return _list(context, params, inbound=False)


@operation("organizations", "UpdateResponsibilityTransfer", read_only=False)
def update_responsibility_transfer(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    row = _visible(context, view, params["Id"])
    if _status(context.db, row, context.now()) not in ACTIVE_STATUSES:
        raise ConstraintViolationException(
            "You cannot update this transfer because it is no longer active. Transfers that have "
            "been withdrawn, declined, expired, or cancelled cannot be modified.",
            Reason="TRANSFER_RESPONSIBILITY_UPDATE_NOT_ALLOWED",
        )

    record = orjson.loads(row.record_json)
    record["Name"] = params["Name"]
    _save(context.db, row, row.status, record)
    log.info("renamed responsibility transfer transfer_id=%s", row.id)
    return {"ResponsibilityTransfer": _record(context, _find(context.db, row.id), view)}


@operation("organizations", "TerminateResponsibilityTransfer", read_only=False)
def terminate_responsibility_transfer(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    row = _visible(context, view, params["Id"])
    now = context.now()
    status = _status(context.db, row, now)
    if status == WITHDRAWN:
        raise ResponsibilityTransferAlreadyInStatusException()
    if status != ACCEPTED:
        # An invitation not yet accepted is withdrawn with CancelHandshake, not terminated.
        raise InvalidResponsibilityTransferTransitionException()

    record = orjson.loads(row.record_json)
    start = dt.datetime.fromisoformat(record["StartTimestamp"])
    if params.get("EndTimestamp") is not None:
        end = _timestamp(params["EndTimestamp"])
        validate_end(end, start, now)
    else:
        # Without an end date the transfer ends with the current month.
        end = _month_start(max(now, start), 1) - dt.timedelta(milliseconds=1)
    record["EndTimestamp"] = end.isoformat()
    _save(context.db, row, WITHDRAWN, record)

    log.info("terminated responsibility transfer transfer_id=%s", row.id)
    return {"ResponsibilityTransfer": _record(context, _find(context.db, row.id), view)}
