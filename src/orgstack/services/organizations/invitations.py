"""InviteAccountToOrganization and what accepting an invitation does.

An invitation to an account id that no account has, or to an account of another organization, is
sent anyway, so that the sender learns nothing about other accounts. The invited account learns
on AcceptHandshake that it must first leave its organization (`ALREADY_IN_AN_ORGANIZATION`).
Only accounts already in the sender's own organization are rejected when the invitation is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from orgstack.services.organizations import access
from orgstack.services.organizations import handshake_store as store
from orgstack.services.organizations.attachments import attach_defaults
from orgstack.services.organizations.errors import (
    DuplicateHandshakeException,
    HandshakeConstraintViolationException,
    HandshakeNotFoundException,
    InvalidInputException,
)
from orgstack.services.organizations.tagging import validate_tags
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts, tags

log = logging.getLogger("orgstack.organizations")

EMAIL_PATTERN = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
ACCOUNT_ID_PATTERN = re.compile(r"\d{12}")

# AWS Organizations quota: 20 invitations sent per organization per day.
INVITATIONS_PER_DAY = 20

ALREADY_IN_AN_ORGANIZATION_MESSAGE = (
    "The handshake request is invalid because the invited account is already a member of an "
    "organization."
)
ACCOUNT_LIMIT_MESSAGE = "You have exceeded the allowed number of AWS accounts."


def already_in_organization() -> HandshakeConstraintViolationException:
    return HandshakeConstraintViolationException(
        ALREADY_IN_AN_ORGANIZATION_MESSAGE, Reason="ALREADY_IN_AN_ORGANIZATION"
    )


def account_limit_exceeded() -> HandshakeConstraintViolationException:
    return HandshakeConstraintViolationException(
        ACCOUNT_LIMIT_MESSAGE, Reason="ACCOUNT_NUMBER_LIMIT_EXCEEDED"
    )


def validate_target(target: dict[str, str]) -> tuple[str, str]:
    """Return the target's party type and id, checked as AWS checks them.

    Raises InvalidInputException for an ORGANIZATION target, a malformed account id or an
    invalid email address.
    """
    party_type, party_id = target["Type"], target["Id"]
    if party_type == store.ORGANIZATION_PARTY:
        raise InvalidInputException(
            "You specified the wrong type of entity (account, organization, or email) as a party.",
            Reason="INVALID_PARTY_TYPE_TARGET",
        )
    if party_type == store.ACCOUNT_PARTY and not ACCOUNT_ID_PATTERN.fullmatch(party_id):
        raise InvalidInputException(
            "You provided a value that does not match the required pattern.",
            Reason="INVALID_PATTERN",
        )
    if party_type == store.EMAIL_PARTY and not EMAIL_PATTERN.fullmatch(party_id):
        raise InvalidInputException(
            "You specified an invalid email address for the invited account owner.",
            Reason="INVALID_EMAIL_ADDRESS_TARGET",
        )
    return party_type, party_id


def resolve_account(connection: Connection, party_type: str, party_id: str) -> Any:
    """Return the stored account the target names (id, email, organization), or None."""
    column = accounts.c.id if party_type == store.ACCOUNT_PARTY else accounts.c.email_normalized
    value = party_id if party_type == store.ACCOUNT_PARTY else party_id.strip().lower()
    return connection.execute(
        select(accounts.c.id, accounts.c.email, accounts.c.organization_id).where(column == value)
    ).first()


def _pending_invites(context: RequestContext, organization_id: str) -> list[store.Handshake]:
    now = context.now()
    return [
        handshake
        for handshake in store.handshakes_of_organization(context.db, organization_id)
        if handshake.action == store.INVITE
        and handshake.effective_state(now) in store.PENDING_STATES
    ]


def member_count(connection: Connection, organization_id: str) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(accounts)
            .where(accounts.c.organization_id == organization_id)
        ).scalar_one()
    )


def _check_limits(
    context: RequestContext, view: access.OrganizationView, pending: list[store.Handshake]
) -> None:
    # Open invitations count against the account quota, as AWS counts them.
    if member_count(context.db, view.id) + len(pending) >= context.settings.max_accounts:
        raise account_limit_exceeded()

    since = context.now() - dt.timedelta(days=1)
    if store.count_sent_since(context.db, view.id, store.INVITE, since) >= INVITATIONS_PER_DAY:
        raise HandshakeConstraintViolationException(
            "You attempted to exceed the number of handshakes that you can send in one day.",
            Reason="HANDSHAKE_RATE_LIMIT_EXCEEDED",
        )


def _is_duplicate(handshake: store.Handshake, account_id: str | None, email: str | None) -> bool:
    if account_id is not None and handshake.target_account_id == account_id:
        return True
    target_email = (handshake.target_email or "").lower()
    return email is not None and target_email == email.lower()


@operation("organizations", "InviteAccountToOrganization", read_only=False)
def invite_account_to_organization(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    party_type, party_id = validate_target(params["Target"])
    tag_list = params.get("Tags") or []
    validate_tags(tag_list)
    store.lock_organization(context.db, view.id)

    invited = resolve_account(context.db, party_type, party_id)
    if invited is not None and invited.organization_id == view.id:
        raise already_in_organization()
    account_id = invited.id if invited is not None else None
    if party_type == store.ACCOUNT_PARTY:
        account_id = party_id
    email = party_id if party_type == store.EMAIL_PARTY else None

    pending = _pending_invites(context, view.id)
    if any(_is_duplicate(handshake, account_id, email) for handshake in pending):
        raise DuplicateHandshakeException()
    _check_limits(context, view, pending)

    handshake = _invitation(context, view, party_type, party_id, params.get("Notes"))
    handshake.target_account_id = account_id
    handshake.target_email = email
    handshake.tags = tag_list
    store.insert_handshake(context.db, handshake)

    log.info(
        "sent invitation handshake_id=%s organization_id=%s target_type=%s",
        handshake.id,
        view.id,
        party_type,
    )
    context.audit.resources.append(("AWS::Organizations::Handshake", handshake.arn))
    return {"Handshake": handshake.record(context.now())}


def _invitation(
    context: RequestContext,
    view: access.OrganizationView,
    party_type: str,
    party_id: str,
    notes: str | None,
) -> store.Handshake:
    resources = [
        store.organization_resource(
            context.db, view.id, view.management_account_id, view.feature_set
        ),
        store.resource(party_type, party_id),
    ]
    if notes:
        resources.append(store.resource("NOTES", notes))
    parties = [
        {"Id": view.id, "Type": store.ORGANIZATION_PARTY},
        {"Id": party_id, "Type": party_type},
    ]
    return store.new_handshake(
        view.id, view.management_account_id, store.INVITE, context.now(), parties, resources
    )


@store.on_accept(store.INVITE)
def join_organization(
    context: RequestContext, handshake: store.Handshake, caller: store.Caller
) -> None:
    """Move the invited account into the root of the sending organization."""
    if caller.organization_id is not None:
        raise already_in_organization()
    view = access.organization_of_account(
        context.db, store.sender_management(context.db, handshake)
    )
    if view is None:
        raise HandshakeNotFoundException()
    if member_count(context.db, view.id) >= context.settings.max_accounts:
        raise account_limit_exceeded()

    now = context.now()
    context.db.execute(
        update(accounts)
        .where(accounts.c.id == caller.account_id)
        .values(
            organization_id=view.id, parent_id=view.root_id, joined_method="INVITED", joined_at=now
        )
    )
    attach_defaults(context.db, view.root_id, caller.account_id, "ACCOUNT", view.id, now)
    apply_tags(context.db, caller.account_id, handshake.tags)
    context.audit.recipient_account_id = view.management_account_id
    log.info(
        "account joined organization account_id=%s organization_id=%s", caller.account_id, view.id
    )


def apply_tags(connection: Connection, resource_id: str, tag_list: list[dict[str, str]]) -> None:
    """Set the tags on the resource, replacing the values of keys it already has."""
    for tag in tag_list:
        connection.execute(
            delete(tags).where(tags.c.resource_id == resource_id).where(tags.c.key == tag["Key"])
        )
        connection.execute(
            insert(tags).values(resource_id=resource_id, key=tag["Key"], value=tag["Value"])
        )
