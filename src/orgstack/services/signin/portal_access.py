"""The portal pages' use of the access portal API: accounts, roles and role credentials.

At sign-in the web session receives an sso-oidc access token, as AWS's own portal does, kept
encrypted in the session state. The pages then call the same functions as the `sso` API
(ListAccounts, ListAccountRoles, GetRoleCredentials) with that token, and record the same
CloudTrail events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orgstack import ids
from orgstack.audit.events import CallFacts, api_call_event
from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.identity_center import Instance
from orgstack.services.registry import RequestContext
from orgstack.services.signin.context import StepContext
from orgstack.services.signin.session_store import PortalSession
from orgstack.services.sso_oidc import tokens
from orgstack.services.sso_portal import bearer, credentials, directory
from orgstack.services.sso_portal.errors import ForbiddenException, UnauthorizedException

# The client id recorded on tokens that the portal's own web pages hold.
PORTAL_CLIENT_ID = "orgstack-access-portal"
REGION = "us-east-1"


@dataclass(frozen=True)
class Role:
    name: str


@dataclass(frozen=True)
class AccountEntry:
    account_id: str
    name: str
    email: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration_ms: int


def attach_token(context: StepContext, instance: Instance, session: PortalSession) -> None:
    """Issue the session's portal access token and keep it encrypted in the session state."""
    subject = tokens.Subject(
        instance.identity_store_id, str(session.user_id), instance.instance_arn
    )
    issued = tokens.issue(
        context.connection, PORTAL_CLIENT_ID, subject, ["sso:account:access"], context.now, False
    )
    session.state["token"] = context.box.encrypt(issued.access_token)
    session.state["token_family"] = issued.family


def _token(context: StepContext, session: PortalSession) -> str | None:
    encrypted = session.state.get("token")
    return context.box.decrypt(encrypted) if isinstance(encrypted, str) else None


def accounts(context: StepContext, session: PortalSession, query: str) -> list[AccountEntry]:
    """Return the user's accounts whose name, id or email contains `query`, each with its roles.

    Raises UnauthorizedException when the session's token no longer works (revoked or expired).
    """
    portal = bearer.authenticate(context.connection, _token(context, session), context.now)
    needle = query.strip().lower()
    found: list[AccountEntry] = []
    for view in directory.accounts_of(context.connection, portal):
        haystack = f"{view.name}\n{view.account_id}\n{view.email}".lower()
        if needle and needle not in haystack:
            continue
        sets = directory.permission_sets_in(context.connection, portal, view.account_id)
        roles = tuple(Role(item.name) for item in sets)
        found.append(AccountEntry(view.account_id, view.name, view.email, roles))

    principal = bearer.principal(portal)
    facts = _facts(context, "ListAccounts", True, principal, portal.instance.owner_account_id)
    context.record(api_call_event(facts, {"maxResults": len(found)}, None))
    return found


def has_role(context: StepContext, session: PortalSession, account_id: str, role: str) -> bool:
    portal = bearer.authenticate(context.connection, _token(context, session), context.now)
    sets = directory.permission_sets_in(context.connection, portal, account_id)
    return any(item.name == role for item in sets)


def role_credentials(
    context: StepContext,
    session: PortalSession,
    settings: Settings,
    clock: Clock,
    account_id: str,
    role_name: str,
) -> RoleCredentials | None:
    """Issue credentials of the role through GetRoleCredentials; None when not assigned."""
    token = _token(context, session)
    portal = bearer.authenticate(context.connection, token, context.now)
    request = RequestContext(
        request_id=ids.request_id(),
        service="sso",
        operation="GetRoleCredentials",
        caller=bearer.principal(portal),
        db=context.connection,
        clock=clock,
        settings=settings,
        box=context.box,
        region=REGION,
        source_ip=context.source_ip,
        user_agent=context.user_agent,
    )
    params: dict[str, Any] = {"accessToken": token, "accountId": account_id, "roleName": role_name}
    try:
        result = credentials.get_role_credentials(request, params)
    except ForbiddenException:
        return None

    facts = _facts(
        context, "GetRoleCredentials", False, request.caller, portal.instance.owner_account_id
    )
    context.record(
        api_call_event(
            facts,
            {"accountId": account_id, "roleName": role_name},
            None,
            resources=request.audit.resources,
        )
    )
    issued = result["roleCredentials"]
    return RoleCredentials(
        issued["accessKeyId"],
        issued["secretAccessKey"],
        issued["sessionToken"],
        issued["expiration"],
    )


def revoke_token(context: StepContext, session: PortalSession) -> None:
    """End the session's portal token (sign-out); a token that already ended is ignored."""
    try:
        portal = bearer.authenticate(context.connection, _token(context, session), context.now)
    except UnauthorizedException:
        return
    tokens.revoke_session(context.connection, portal.grant)


def _facts(
    context: StepContext,
    operation: str,
    read_only: bool,
    caller: Any,
    recipient: str,
) -> CallFacts:
    return CallFacts(
        service="sso",
        operation=operation,
        region=REGION,
        source_ip=context.source_ip,
        user_agent=context.user_agent,
        request_id=ids.request_id(),
        read_only=read_only,
        caller=caller,
        event_time=context.now,
        recipient_account_id=recipient,
    )
