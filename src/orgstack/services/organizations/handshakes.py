"""Handshakes: AcceptHandshake, DeclineHandshake, CancelHandshake, DescribeHandshake,
ListHandshakesForAccount and ListHandshakesForOrganization.

The recipient accepts or declines, the sending organization's management account cancels. What
an accepted handshake does depends on its action and lives with the operation that sent it
(invitations, enable-all-features, responsibility transfers).
"""

from __future__ import annotations

import logging
from typing import Any

from orgstack.services.organizations import access
from orgstack.services.organizations import handshake_store as store
from orgstack.services.organizations.errors import (
    AccessDeniedException,
    InvalidInputException,
)
from orgstack.services.organizations.pagination import page
from orgstack.services.registry import Params, RequestContext, Result, operation

log = logging.getLogger("orgstack.organizations")

AUDIT_TYPE = "AWS::Organizations::Handshake"


def _reply(context: RequestContext, handshake: store.Handshake) -> Result:
    context.audit.resources.append((AUDIT_TYPE, handshake.arn))
    return {"Handshake": handshake.record(context.now())}


def _may_accept(handshake: store.Handshake, caller: store.Caller) -> bool:
    # The enable-all-features request and its final APPROVE_ALL_FEATURES handshake are the
    # management account's to accept. Every other handshake is accepted by its recipient.
    is_request = handshake.action == store.ENABLE_ALL_FEATURES and handshake.parent_id is None
    if is_request or handshake.action == store.APPROVE_ALL_FEATURES:
        return store.is_sender(handshake, caller)
    return store.is_recipient(handshake, caller)


@operation("organizations", "AcceptHandshake", read_only=False)
def accept_handshake(context: RequestContext, params: Params) -> Result:
    caller = store.caller_party(context)
    handshake = store.locked_handshake(context, params["HandshakeId"], caller)
    if not _may_accept(handshake, caller):
        raise AccessDeniedException(access.ACCESS_DENIED_MESSAGE)
    store.check_transition(handshake, store.ACCEPTED, context.now())

    hook = store.ACCEPT_HOOKS.get(handshake.action)
    if hook is not None:
        hook(context, handshake, caller)
    store.set_state(context.db, handshake, store.ACCEPTED)

    log.info(
        "accepted handshake handshake_id=%s action=%s account_id=%s",
        handshake.id,
        handshake.action,
        caller.account_id,
    )
    return _reply(context, handshake)


@operation("organizations", "DeclineHandshake", read_only=False)
def decline_handshake(context: RequestContext, params: Params) -> Result:
    caller = store.caller_party(context)
    handshake = store.locked_handshake(context, params["HandshakeId"], caller)
    if not store.is_recipient(handshake, caller):
        raise AccessDeniedException(access.ACCESS_DENIED_MESSAGE)
    store.check_transition(handshake, store.DECLINED, context.now())

    store.set_state(context.db, handshake, store.DECLINED)
    log.info("declined handshake handshake_id=%s account_id=%s", handshake.id, caller.account_id)
    return _reply(context, handshake)


@operation("organizations", "CancelHandshake", read_only=False)
def cancel_handshake(context: RequestContext, params: Params) -> Result:
    caller = store.caller_party(context)
    handshake = store.locked_handshake(context, params["HandshakeId"], caller)
    if not store.is_sender(handshake, caller):
        raise AccessDeniedException(access.ACCESS_DENIED_MESSAGE)
    now = context.now()
    store.check_transition(handshake, store.CANCELED, now)

    store.set_state(context.db, handshake, store.CANCELED)
    # Canceling an enable-all-features request also withdraws the approvals it asked for.
    for child in store.children_of(context.db, handshake.organization_id, handshake.id):
        if child.effective_state(now) in store.PENDING_STATES:
            store.set_state(context.db, child, store.CANCELED)

    log.info("canceled handshake handshake_id=%s", handshake.id)
    return _reply(context, handshake)


@operation("organizations", "DescribeHandshake", read_only=True)
def describe_handshake(context: RequestContext, params: Params) -> Result:
    caller = store.caller_party(context)
    handshake = store.visible_handshake(context, params["HandshakeId"], caller)
    return _reply(context, handshake)


def _filtered(handshakes: list[store.Handshake], params: Params) -> list[store.Handshake]:
    """Apply `Filter`: ActionType or ParentHandshakeId, never both."""
    handshake_filter: dict[str, Any] = params.get("Filter") or {}
    action = handshake_filter.get("ActionType")
    parent = handshake_filter.get("ParentHandshakeId")
    if action is not None and parent is not None:
        raise InvalidInputException(
            "You can specify only one filter parameter for the operation.",
            Reason="MAX_LIMIT_EXCEEDED_FILTER",
        )
    if action is not None:
        return [handshake for handshake in handshakes if handshake.action == action]
    if parent is not None:
        return [handshake for handshake in handshakes if handshake.parent_id == parent]
    return handshakes


def _page(context: RequestContext, handshakes: list[store.Handshake], params: Params) -> Result:
    now = context.now()
    selected = _filtered(handshakes, params)
    handshake_filter = params.get("Filter") or {}
    scope = (
        f"handshakes:{context.operation}:{handshake_filter.get('ActionType')}:"
        f"{handshake_filter.get('ParentHandshakeId')}"
    )
    keys = [[handshake.requested_at.isoformat(), handshake.id] for handshake in selected]
    items, token = page(
        context, [handshake.record(now) for handshake in selected], keys, params, scope
    )
    return {"Handshakes": items, "NextToken": token}


@operation("organizations", "ListHandshakesForAccount", read_only=True)
def list_handshakes_for_account(context: RequestContext, params: Params) -> Result:
    # The recipient's view: a standalone account may call it to find its invitations.
    caller = store.caller_party(context)
    received = store.handshakes_for_recipient(context.db, caller.account_id, caller.email)
    return _page(context, received, params)


@operation("organizations", "ListHandshakesForOrganization", read_only=True)
def list_handshakes_for_organization(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    sent = store.handshakes_of_organization(context.db, view.id)
    return _page(context, sent, params)
