"""Approval or denial of device authorizations (RFC 8628) and PKCE requests by the signed-in user.

User codes have about 35 bits, so failed lookups are limited per address and per user.
"""

from __future__ import annotations

from collections.abc import Mapping

from orgstack.identity_center import Instance
from orgstack.services.signin import events, rate_limits
from orgstack.services.signin.context import StepContext, enabled_user, user_name_of
from orgstack.services.signin.session_store import PortalSession
from orgstack.services.sso_oidc import authorization, device
from orgstack.services.sso_oidc.authorization import AuthorizationRequest
from orgstack.services.sso_oidc.device import DeviceAuthorization
from orgstack.services.sso_oidc.grant_store import PENDING

INVALID_CODE = "The code is not valid or has expired. Check the code and try again."
ALREADY_ANSWERED = "This code was already used. Start the sign-in on your device again."
TOO_MANY_CODES = "Too many wrong codes. Try again in {minutes} minutes."


def _user_key(session: PortalSession) -> str:
    return f"{session.identity_store_id}:{session.user_id}"


def look_up_code(
    context: StepContext, session: PortalSession, user_code: str
) -> tuple[DeviceAuthorization | None, str | None]:
    """Return the pending authorization of the code, or None with the message to show."""
    for key in (context.source_ip, _user_key(session)):
        if rate_limits.is_blocked(context.connection, rate_limits.IP_USER_CODE, key, context.now):
            minutes = max(1, rate_limits.retry_after(context.now) // 60)
            return None, TOO_MANY_CODES.format(minutes=minutes)

    found = device.find_device_authorization(context.connection, user_code, context.now)
    if found is None:
        for key in (context.source_ip, _user_key(session)):
            rate_limits.record_failure(
                context.connection, rate_limits.IP_USER_CODE, key, context.now
            )
        return None, INVALID_CODE
    if found.status != PENDING:
        return None, ALREADY_ANSWERED
    return found, None


def answer_device(
    context: StepContext, instance: Instance, session: PortalSession, user_code: str, allow: bool
) -> str | None:
    """Approve or deny the device authorization; return a message when the code is unusable."""
    found, problem = look_up_code(context, session, user_code)
    if found is None:
        return problem
    store_id, user_id = session.identity_store_id, str(session.user_id)
    if allow:
        done = device.approve_device_authorization(
            context.connection, user_code, store_id, user_id, context.now
        )
    else:
        done = device.deny_device_authorization(
            context.connection, user_code, store_id, user_id, context.now
        )
    if not done:
        return INVALID_CODE
    name = "ApproveDeviceAuthorization" if allow else "DenyDeviceAuthorization"
    _record(context, instance, session, name, {"clientId": found.client_id})
    return None


def begin_pkce(context: StepContext, query: Mapping[str, str]) -> AuthorizationRequest:
    """Validate an authorization request; raises AuthorizationRequestError when invalid."""
    return authorization.begin_authorization(context.connection, query, context.now)


def answer_pkce(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    query: Mapping[str, str],
    allow: bool,
) -> str:
    """Return the redirect URL that carries the code, or the refusal, back to the client."""
    request = begin_pkce(context, query)
    if not allow:
        _record(context, instance, session, "DenyAuthorization", {"clientId": request.client_id})
        return authorization.deny_authorization(request)
    url = authorization.complete_authorization(
        context.connection, request, session.identity_store_id, str(session.user_id), context.now
    )
    _record(context, instance, session, "ApproveAuthorization", {"clientId": request.client_id})
    return url


def _record(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    name: str,
    details: dict[str, str],
) -> None:
    user = enabled_user(context.connection, instance.identity_store_id, session.user_id)
    actor = context.actor(instance, session.user_id, user_name_of(user) if user else "")
    context.record(events.record(events.SSO_SOURCE, name, actor, context.now, None, details))
