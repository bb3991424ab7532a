"""Storage and wire form of Organizations handshakes, shared by every operation that sends one.

A handshake row stores its parties and resources as AWS returns them. The `resources_json` column
holds an object: `Resources` (the wire list), `Tags` (applied when an invitation is accepted) and
`ParentHandshakeId` (for the approvals of an enable-all-features request).

The state column is the state last written. A REQUESTED or OPEN handshake whose expiry has passed is
EXPIRED, which `effective_state` computes, so that read-only calls need not write.

NOTE: AWS deletes handshakes 30 days after they are accepted, declined, canceled or expired.
orgstack keeps them until their organization is deleted, so lists show them longer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, update

from orgstack import ids
from orgstack.services.organizations.access import is_delegated_administrator
from orgstack.services.organizations.errors import (
    HandshakeAlreadyInStateException,
    HandshakeNotFoundException,
    InvalidHandshakeTransitionException,
)
from orgstack.services.organizations.locks import lock_organization as lock_organization
from orgstack.services.registry import RequestContext
from orgstack.store.schema import accounts, handshakes, organizations

INVITE = "INVITE"
ENABLE_ALL_FEATURES = "ENABLE_ALL_FEATURES"
APPROVE_ALL_FEATURES = "APPROVE_ALL_FEATURES"
TRANSFER_RESPONSIBILITY = "TRANSFER_RESPONSIBILITY"

REQUESTED = "REQUESTED"
OPEN = "OPEN"
CANCELED = "CANCELED"
ACCEPTED = "ACCEPTED"
DECLINED = "DECLINED"
EXPIRED = "EXPIRED"
PENDING_STATES = (REQUESTED, OPEN)

# Every handshake expires 15 days after it is sent (the requested and expiration timestamps of the
# examples in the AWS Organizations API reference are 15 days apart).
LIFETIME = dt.timedelta(days=15)

ACCOUNT_PARTY = "ACCOUNT"
EMAIL_PARTY = "EMAIL"
ORGANIZATION_PARTY = "ORGANIZATION"


@dataclass
class Handshake:
    """One stored handshake and the extra data the wire form does not show."""

    id: str
    organization_id: str
    arn: str
    action: str
    state: str
    parties: list[dict[str, str]]
    resources: list[dict[str, Any]]
    target_account_id: str | None
    target_email: str | None
    requested_at: dt.datetime
    expires_at: dt.datetime
    tags: list[dict[str, str]] = field(default_factory=list)
    parent_id: str | None = None

    def effective_state(self, now: dt.datetime) -> str:
        if self.state in PENDING_STATES and now >= self.expires_at:
            return EXPIRED
        return self.state

    def record(self, now: dt.datetime) -> dict[str, Any]:
        """Return the `Handshake` structure of the wire."""
        return {
            "Id": self.id,
            "Arn": self.arn,
            "Parties": self.parties,
            "State": self.effective_state(now),
            "RequestedTimestamp": self.requested_at,
            "ExpirationTimestamp": self.expires_at,
            "Action": self.action,
            "Resources": self.resources,
        }


def new_handshake(
    organization_id: str,
    management_account_id: str,
    action: str,
    now: dt.datetime,
    parties: list[dict[str, str]],
    resources: list[dict[str, Any]],
    state: str = OPEN,
) -> Handshake:
    handshake_id = ids.handshake_id()
    return Handshake(
        id=handshake_id,
        organization_id=organization_id,
        arn=ids.handshake_arn(management_account_id, organization_id, action, handshake_id),
        action=action,
        state=state,
        parties=parties,
        resources=resources,
        target_account_id=None,
        target_email=None,
        requested_at=now,
        expires_at=now + LIFETIME,
    )


def insert_handshake(connection: Connection, handshake: Handshake) -> None:
    extra = {
        "Resources": handshake.resources,
        "Tags": handshake.tags,
        "ParentHandshakeId": handshake.parent_id,
    }
    connection.execute(
        insert(handshakes).values(
            id=handshake.id,
            organization_id=handshake.organization_id,
            arn=handshake.arn,
            action=handshake.action,
            state=handshake.state,
            parties_json=orjson.dumps(handshake.parties).decode(),
            resources_json=orjson.dumps(extra).decode(),
            target_account_id=handshake.target_account_id,
            target_email=handshake.target_email,
            requested_at=handshake.requested_at,
            expires_at=handshake.expires_at,
        )
    )


def set_state(connection: Connection, handshake: Handshake, state: str) -> None:
    connection.execute(
        update(handshakes).where(handshakes.c.id == handshake.id).values(state=state)
    )
    handshake.state = state


def _from_row(row: Any) -> Handshake:
    extra = orjson.loads(row.resources_json)
    return Handshake(
        id=row.id,
        organization_id=row.organization_id,
        arn=row.arn,
        action=row.action,
        state=row.state,
        parties=orjson.loads(row.parties_json),
        resources=extra["Resources"],
        target_account_id=row.target_account_id,
        target_email=row.target_email,
        requested_at=row.requested_at,
        expires_at=row.expires_at,
        tags=extra.get("Tags") or [],
        parent_id=extra.get("ParentHandshakeId"),
    )


def find_handshake(connection: Connection, handshake_id: str) -> Handshake | None:
    row = connection.execute(select(handshakes).where(handshakes.c.id == handshake_id)).first()
    return None if row is None else _from_row(row)


def _ordered(statement: Any) -> Any:
    return statement.order_by(handshakes.c.requested_at, handshakes.c.id)


def handshakes_of_organization(connection: Connection, organization_id: str) -> list[Handshake]:
    rows = connection.execute(
        _ordered(select(handshakes).where(handshakes.c.organization_id == organization_id))
    ).all()
    return [_from_row(row) for row in rows]


def handshakes_for_recipient(
    connection: Connection, account_id: str, email: str
) -> list[Handshake]:
    """Return the handshakes addressed to the account, by its id or by its email address."""
    rows = connection.execute(
        _ordered(
            select(handshakes).where(
                (handshakes.c.target_account_id == account_id)
                | (func.lower(handshakes.c.target_email) == email.strip().lower())
            )
        )
    ).all()
    return [_from_row(row) for row in rows]


def children_of(connection: Connection, organization_id: str, parent_id: str) -> list[Handshake]:
    return [
        handshake
        for handshake in handshakes_of_organization(connection, organization_id)
        if handshake.parent_id == parent_id
    ]


def count_sent_since(
    connection: Connection, organization_id: str, action: str, since: dt.datetime
) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(handshakes)
            .where(handshakes.c.organization_id == organization_id)
            .where(handshakes.c.action == action)
            .where(handshakes.c.requested_at > since)
        ).scalar_one()
    )


@dataclass(frozen=True)
class Caller:
    """The calling account as a handshake party: its id, email and organization (if any)."""

    account_id: str
    email: str
    organization_id: str | None
    is_management: bool


def caller_party(context: RequestContext) -> Caller:
    principal = context.require_caller()
    row = context.db.execute(
        select(accounts.c.email, accounts.c.organization_id, organizations.c.management_account_id)
        .select_from(accounts)
        .outerjoin(organizations, organizations.c.id == accounts.c.organization_id)
        .where(accounts.c.id == principal.account_id)
    ).one()
    return Caller(
        account_id=principal.account_id,
        email=row.email,
        organization_id=row.organization_id,
        is_management=row.management_account_id == principal.account_id,
    )


def sender_management(connection: Connection, handshake: Handshake) -> str:
    """Return the management account of the organization that sent the handshake."""
    return str(
        connection.execute(
            select(organizations.c.management_account_id).where(
                organizations.c.id == handshake.organization_id
            )
        ).scalar_one()
    )


def is_recipient(handshake: Handshake, caller: Caller) -> bool:
    if handshake.target_account_id is not None:
        return handshake.target_account_id == caller.account_id
    target = (handshake.target_email or "").strip().lower()
    return target == caller.email.strip().lower()


def is_sender(handshake: Handshake, caller: Caller) -> bool:
    return caller.is_management and caller.organization_id == handshake.organization_id


def _reads_for_sender(connection: Connection, handshake: Handshake, caller: Caller) -> bool:
    # A delegated administrator may list the organization's handshakes, so it may describe them.
    if caller.organization_id != handshake.organization_id:
        return False
    return caller.is_management or is_delegated_administrator(connection, caller.account_id)


def visible_handshake(context: RequestContext, handshake_id: str, caller: Caller) -> Handshake:
    """Return the handshake when the caller received it or may read the sender's handshakes.

    Raises HandshakeNotFoundException otherwise, so that other accounts learn nothing about it.
    """
    handshake = find_handshake(context.db, handshake_id)
    if handshake is None:
        raise HandshakeNotFoundException()
    if not (is_recipient(handshake, caller) or _reads_for_sender(context.db, handshake, caller)):
        raise HandshakeNotFoundException()
    return handshake


def locked_handshake(context: RequestContext, handshake_id: str, caller: Caller) -> Handshake:
    """Return the visible handshake, read again under its organization's lock."""
    handshake = visible_handshake(context, handshake_id, caller)
    lock_organization(context.db, handshake.organization_id)
    return visible_handshake(context, handshake_id, caller)


def check_transition(handshake: Handshake, target_state: str, now: dt.datetime) -> None:
    """Raise unless a pending handshake may move to `target_state`."""
    current = handshake.effective_state(now)
    if current == target_state:
        raise HandshakeAlreadyInStateException()
    if current not in PENDING_STATES:
        raise InvalidHandshakeTransitionException()


def resource(kind: str, value: str, children: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    item: dict[str, Any] = {"Type": kind, "Value": value}
    if children:
        item["Resources"] = list(children)
    return item


def organization_resource(
    connection: Connection, organization_id: str, management_account_id: str, feature_set: str
) -> dict[str, Any]:
    """Return the ORGANIZATION resource with the management account's email, name and features."""
    row = connection.execute(
        select(accounts.c.email, accounts.c.name).where(accounts.c.id == management_account_id)
    ).one()
    return resource(
        "ORGANIZATION",
        organization_id,
        [
            resource("MASTER_EMAIL", row.email),
            resource("MASTER_NAME", row.name),
            resource("ORGANIZATION_FEATURE_SET", feature_set),
        ],
    )


# What AcceptHandshake does for each action, registered by the module that owns the action.
AcceptHook = Callable[[RequestContext, Handshake, Caller], None]
ACCEPT_HOOKS: dict[str, AcceptHook] = {}


def on_accept(action: str) -> Callable[[AcceptHook], AcceptHook]:
    def register(hook: AcceptHook) -> AcceptHook:
        ACCEPT_HOOKS[action] = hook
        return hook

    return register
