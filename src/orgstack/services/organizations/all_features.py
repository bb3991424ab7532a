"""EnableAllFeatures: moving a consolidated-billing organization to all features.

The flow follows the Organizations API reference and User Guide:

1. EnableAllFeatures returns the request, an ENABLE_ALL_FEATURES handshake whose only party is the
   organization, in state REQUESTED. Every member account that joined by invitation (accounts that
   Organizations created need not approve) receives its own ENABLE_ALL_FEATURES handshake whose
   PARENT_HANDSHAKE resource names the request.
2. When every such account has accepted (at once when there is none), the request becomes OPEN and
   the management account receives an APPROVE_ALL_FEATURES handshake.
3. The management account accepts the APPROVE_ALL_FEATURES handshake (or the request itself) to
   finalize: the feature set becomes ALL, SCPs are enabled on the root and FullAWSAccess is
   attached to the root, every OU and every account.

Canceling the request cancels the approvals it asked for, after which it may be sent again.

NOTE: accounts invited while a request is pending join without being asked to approve, so they do
not hold up the request.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, select, update

from orgstack.services.organizations import access
from orgstack.services.organizations import handshake_store as store
from orgstack.services.organizations.attachments import (
    ENABLED,
    FULL_AWS_ACCESS_ID,
    SERVICE_CONTROL_POLICY,
    attach,
    enabled_policy_types,
    ensure_managed_policies,
)
from orgstack.services.organizations.errors import (
    HandshakeConstraintViolationException,
    InvalidHandshakeTransitionException,
)
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import (
    accounts,
    organizational_units,
    organizations,
    policy_attachments,
    root_policy_types,
)

log = logging.getLogger("orgstack.organizations")

ALL = "ALL"


def _pending_request(context: RequestContext, organization_id: str) -> store.Handshake | None:
    now = context.now()
    for handshake in store.handshakes_of_organization(context.db, organization_id):
        is_request = handshake.action == store.ENABLE_ALL_FEATURES and handshake.parent_id is None
        if is_request and handshake.effective_state(now) in store.PENDING_STATES:
            return handshake
    return None


def _invited_members(connection: Connection, view: access.OrganizationView) -> list[str]:
    rows = connection.execute(
        select(accounts.c.id)
        .where(accounts.c.organization_id == view.id)
        .where(accounts.c.joined_method == "INVITED")
        .where(accounts.c.id != view.management_account_id)
        .order_by(accounts.c.id)
    ).all()
    return [row.id for row in rows]


@operation("organizations", "EnableAllFeatures", read_only=False)
def enable_all_features(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    store.lock_organization(context.db, view.id)
    if view.all_features:
        raise HandshakeConstraintViolationException(
            "The handshake request is invalid because the organization has already enabled all "
            "features.",
            Reason="ORGANIZATION_ALREADY_HAS_ALL_FEATURES",
        )
    if _pending_request(context, view.id) is not None:
        raise HandshakeConstraintViolationException(
            "The handshake request is invalid because the organization has already started the "
            "process to enable all features.",
            Reason="ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION",
        )

    now = context.now()
    request = store.new_handshake(
        view.id,
        view.management_account_id,
        store.ENABLE_ALL_FEATURES,
        now,
        [{"Id": view.id, "Type": store.ORGANIZATION_PARTY}],
        [store.resource("ORGANIZATION", view.id)],
        state=store.REQUESTED,
    )
    store.insert_handshake(context.db, request)
    for account_id in _invited_members(context.db, view):
        _ask_approval(context, view, request, account_id)
    _open_when_approved(context, view, request)

    log.info("requested all features organization_id=%s handshake_id=%s", view.id, request.id)
    context.audit.resources.append(("AWS::Organizations::Handshake", request.arn))
    return {"Handshake": request.record(now)}


def _ask_approval(
    context: RequestContext,
    view: access.OrganizationView,
    request: store.Handshake,
    account_id: str,
) -> None:
    resources = [
        store.organization_resource(
            context.db, view.id, view.management_account_id, view.feature_set
        ),
        store.resource("ACCOUNT", account_id),
        store.resource("PARENT_HANDSHAKE", request.id),
    ]
    parties = [
        {"Id": view.id, "Type": store.ORGANIZATION_PARTY},
        {"Id": account_id, "Type": store.ACCOUNT_PARTY},
    ]
    approval = store.new_handshake(
        view.id,
        view.management_account_id,
        store.ENABLE_ALL_FEATURES,
        context.now(),
        parties,
        resources,
    )
    approval.target_account_id = account_id
    approval.parent_id = request.id
    store.insert_handshake(context.db, approval)


def _members_still_to_approve(
    context: RequestContext, view: access.OrganizationView, request: store.Handshake
) -> list[store.Handshake]:
    """Return the approvals not yet accepted whose account is still in the organization."""
    members = set(
        row.id
        for row in context.db.execute(
            select(accounts.c.id).where(accounts.c.organization_id == view.id)
        ).all()
    )
    return [
        child
        for child in store.children_of(context.db, view.id, request.id)
        if child.action == store.ENABLE_ALL_FEATURES
        and child.state != store.ACCEPTED
        and child.target_account_id in members
    ]


def _open_when_approved(
    context: RequestContext, view: access.OrganizationView, request: store.Handshake
) -> None:
    """Open the request and ask the management account to finalize once all members approved."""
    if request.state != store.REQUESTED or _members_still_to_approve(context, view, request):
        return
    store.set_state(context.db, request, store.OPEN)

    parties = [
        {"Id": view.id, "Type": store.ORGANIZATION_PARTY},
        {"Id": view.management_account_id, "Type": store.ACCOUNT_PARTY},
    ]
    resources = [
        store.resource("ORGANIZATION", view.id),
        store.resource("PARENT_HANDSHAKE", request.id),
    ]
    final = store.new_handshake(
        view.id,
        view.management_account_id,
        store.APPROVE_ALL_FEATURES,
        context.now(),
        parties,
        resources,
    )
    final.target_account_id = view.management_account_id
    final.parent_id = request.id
    store.insert_handshake(context.db, final)


@store.on_accept(store.ENABLE_ALL_FEATURES)
def accept_enable_all_features(
    context: RequestContext, handshake: store.Handshake, caller: store.Caller
) -> None:
    view = _sender_view(context, handshake)
    if handshake.parent_id is None:
        _finalize(context, view, handshake)
        return

    # A member's approval: record it, then see whether it was the last one.
    store.set_state(context.db, handshake, store.ACCEPTED)
    request = store.find_handshake(context.db, handshake.parent_id)
    if request is not None:
        _open_when_approved(context, view, request)


@store.on_accept(store.APPROVE_ALL_FEATURES)
def accept_approve_all_features(
    context: RequestContext, handshake: store.Handshake, caller: store.Caller
) -> None:
    view = _sender_view(context, handshake)
    request = store.find_handshake(context.db, handshake.parent_id or "")
    if request is None:
        raise InvalidHandshakeTransitionException()
    _finalize(context, view, request)


def _sender_view(context: RequestContext, handshake: store.Handshake) -> access.OrganizationView:
    view = access.organization_of_account(
        context.db, store.sender_management(context.db, handshake)
    )
    if view is None:
        raise InvalidHandshakeTransitionException()
    return view


def _finalize(
    context: RequestContext, view: access.OrganizationView, request: store.Handshake
) -> None:
    now = context.now()
    if request.effective_state(now) not in store.PENDING_STATES:
        raise InvalidHandshakeTransitionException()
    if _members_still_to_approve(context, view, request):
        raise InvalidHandshakeTransitionException()

    context.db.execute(
        update(organizations).where(organizations.c.id == view.id).values(feature_set=ALL)
    )
    _enable_service_control_policies(context, view)
    store.set_state(context.db, request, store.ACCEPTED)
    for child in store.children_of(context.db, view.id, request.id):
        if child.effective_state(now) in store.PENDING_STATES:
            store.set_state(context.db, child, store.ACCEPTED)
    log.info("enabled all features organization_id=%s", view.id)


def _enable_service_control_policies(
    context: RequestContext, view: access.OrganizationView
) -> None:
    """Enable SCPs on the root and attach FullAWSAccess everywhere, as CreateOrganization does."""
    now = context.now()
    ensure_managed_policies(context.db, now)
    if SERVICE_CONTROL_POLICY not in enabled_policy_types(context.db, view.root_id):
        context.db.execute(
            root_policy_types.delete()
            .where(root_policy_types.c.root_id == view.root_id)
            .where(root_policy_types.c.policy_type == SERVICE_CONTROL_POLICY)
        )
        context.db.execute(
            root_policy_types.insert().values(
                root_id=view.root_id, policy_type=SERVICE_CONTROL_POLICY, status=ENABLED
            )
        )

    targets: list[tuple[str, str]] = [(view.root_id, "ROOT")]
    for row in context.db.execute(
        select(organizational_units.c.id).where(organizational_units.c.organization_id == view.id)
    ).all():
        targets.append((row.id, "ORGANIZATIONAL_UNIT"))
    for row in context.db.execute(
        select(accounts.c.id).where(accounts.c.organization_id == view.id)
    ).all():
        targets.append((row.id, "ACCOUNT"))

    attached = set(
        row.target_id
        for row in context.db.execute(
            select(policy_attachments.c.target_id).where(
                policy_attachments.c.policy_id == FULL_AWS_ACCESS_ID
            )
        ).all()
    )
    for target_id, target_type in targets:
        if target_id not in attached:
            attach(context.db, FULL_AWS_ACCESS_ID, target_id, target_type, view.id, now)
