"""CreateToken: exchange a device code, an authorization code or a refresh token for tokens.

SSO OIDC API reference, CreateToken; RFC 8628 section 3.5 for the device code errors, RFC 7636
for PKCE, RFC 6749 section 6 and the OAuth 2.0 Security BCP (RFC 9700 section 4.14) for refresh
token rotation: a rotated refresh token presented again ends the whole sign-in session.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.services.identitystore import user_store
from orgstack.services.registry import NONE, Params, RequestContext, Result, operation
from orgstack.services.sso_oidc import authorization, clients, device, grant_store, tokens
from orgstack.services.sso_oidc.clients import Client
from orgstack.services.sso_oidc.errors import (
    AccessDeniedException,
    AuthorizationPendingException,
    ExpiredTokenException,
    InvalidGrantException,
    InvalidRequestException,
    SlowDownException,
    UnauthorizedClientException,
    UnsupportedGrantTypeException,
)
from orgstack.services.sso_oidc.grant_store import (
    ACTIVE,
    APPROVED,
    AUTHORIZATION_CODE,
    DENIED,
    DEVICE_CODE,
    REFRESH_TOKEN,
    USED,
    Grant,
)

log = logging.getLogger("orgstack.sso_oidc")


@operation("sso-oidc", "CreateToken", read_only=False, auth=NONE, not_honoured=("scope",))
def create_token(context: RequestContext, params: Params) -> Result:
    """Issue an access token (and a refresh token for clients with scopes)."""
    now = context.now()
    client = clients.authenticate(context.db, params["clientId"], params["clientSecret"], now)
    grant_type = params["grantType"]
    if grant_type not in clients.REGISTRABLE_GRANTS:
        raise UnsupportedGrantTypeException(f"Unsupported grant type `{grant_type}`.")
    if not client.allows(grant_type):
        raise UnauthorizedClientException(
            f"The client is not registered for the `{grant_type}` grant type."
        )

    if grant_type == clients.DEVICE_CODE_GRANT:
        issued = _device_code(context.db, client, _required(params, "deviceCode"), now)
    elif grant_type == clients.AUTHORIZATION_CODE_GRANT:
        issued = _authorization_code(context.db, client, params, now)
    else:
        issued = _refresh(context.db, client, _required(params, "refreshToken"), now)

    # CloudTrail records the sign-in in the account that owns the user's instance.
    instance = identity_center.find_by_arn(context.db, issued.instance_arn)
    if instance is not None:
        context.audit.recipient_account_id = instance.owner_account_id
    return issued.as_result()


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise InvalidRequestException(f"{name} is required for this grant type.")
    return str(value)


def _with_refresh(client: Client) -> bool:
    # AWS issues refresh tokens only to clients registered with scopes (an sso-session of the
    # AWS CLI registers `sso:account:access`); legacy registrations without scopes get none.
    return bool(client.scopes) and client.allows(clients.REFRESH_TOKEN_GRANT)


def _device_code(
    connection: Connection, client: Client, device_code: str, now: dt.datetime
) -> tokens.IssuedTokens:
    """Handle one poll of the device flow (RFC 8628 section 3.5)."""
    grant = grant_store.find(connection, DEVICE_CODE, device_code, lock=True)
    if grant is None or grant.client_id != client.client_id or grant.status == USED:
        raise InvalidGrantException("Invalid device code provided.")
    if grant.is_expired(now):
        raise ExpiredTokenException("The device code has expired.")
    if grant.status == DENIED:
        raise AccessDeniedException("The user denied the authorization request.")
    if grant.status == APPROVED:
        grant_store.set_status(connection, grant.token_hash, USED)
        return _issue(connection, client, grant, now, _with_refresh(client))
    _poll_pending(connection, grant, now)
    raise AssertionError("unreachable: a pending poll always raises")


def _poll_pending(connection: Connection, grant: Grant, now: dt.datetime) -> None:
    """Record the poll, then raise slow_down for a poll inside the interval, else pending."""
    record = dict(grant.record)
    interval = int(record.get("interval", device.INTERVAL_SECONDS))
    too_soon = grant.last_polled_at is not None and now - grant.last_polled_at < dt.timedelta(
        seconds=interval
    )
    if too_soon:
        record["interval"] = interval + device.SLOW_DOWN_STEP_SECONDS
    grant_store.record_poll(connection, grant.token_hash, now, record)
    if too_soon:
        raise SlowDownException("Client is polling too fast.")
    raise AuthorizationPendingException("Authorization is pending.")


def _authorization_code(
    connection: Connection, client: Client, params: Params, now: dt.datetime
) -> tokens.IssuedTokens:
    code = _required(params, "code")
    redirect_uri = _required(params, "redirectUri")
    verifier = _required(params, "codeVerifier")

    grant = grant_store.find(connection, AUTHORIZATION_CODE, code, lock=True)
    if grant is None or grant.client_id != client.client_id:
        raise InvalidGrantException("Invalid authorization code provided.")
    if grant.status == USED:
        # RFC 6749 section 4.1.2: a code used twice revokes what it was exchanged for.
        tokens.revoke_session(connection, grant)
        raise InvalidGrantException("Invalid authorization code provided.", keeps_changes=True)
    if grant.is_expired(now):
        raise ExpiredTokenException("The authorization code has expired.")
    if redirect_uri != grant.record.get("redirect_uri"):
        raise InvalidGrantException("redirectUri does not match the authorization request.")
    if not authorization.verifier_matches(verifier, str(grant.record.get("code_challenge"))):
        raise InvalidGrantException("Code verifier does not match the code challenge.")

    issued = _issue(connection, client, grant, now, client.allows(clients.REFRESH_TOKEN_GRANT))
    # The code's record keeps the token family, so that a replayed code can revoke it.
    grant_store.set_status(connection, grant.token_hash, USED)
    record = {**grant.record, "family": issued.family}
    grant_store.record_poll(connection, grant.token_hash, now, record)
    return issued


def _refresh(
    connection: Connection, client: Client, refresh_token: str, now: dt.datetime
) -> tokens.IssuedTokens:
    grant = grant_store.find(connection, REFRESH_TOKEN, refresh_token, lock=True)
    if grant is None or grant.client_id != client.client_id:
        raise InvalidGrantException("Invalid refresh token provided.")
    if grant.status == USED:
        log.warning("rotated refresh token presented again client_id=%s", client.client_id)
        tokens.revoke_session(connection, grant)
        raise InvalidGrantException("Invalid refresh token provided.", keeps_changes=True)
    if grant.status != ACTIVE or grant.is_expired(now):
        raise InvalidGrantException("Invalid refresh token provided.")

    subject = tokens.subject_of(grant)
    user = user_store.find(connection, subject.identity_store_id, subject.user_id)
    if user is None or user.attributes.other.get("UserStatus") == "DISABLED":
        raise InvalidGrantException("Invalid refresh token provided.")

    grant_store.set_status(connection, grant.token_hash, USED)
    family = grant.record.get("family")
    return tokens.issue(
        connection,
        client.client_id,
        subject,
        list(grant.record.get("scopes") or []),
        now,
        with_refresh=True,
        family=family if isinstance(family, str) else None,
    )


def _issue(
    connection: Connection, client: Client, grant: Grant, now: dt.datetime, with_refresh: bool
) -> tokens.IssuedTokens:
    """Issue tokens to the user who approved a device code or authorization code."""
    if grant.identity_store_id is None or grant.user_id is None:
        raise InvalidGrantException("The grant names no user.")
    instance_arn = grant.record.get("instance_arn") or _instance_of(
        connection, grant.identity_store_id
    )
    subject = tokens.Subject(grant.identity_store_id, grant.user_id, str(instance_arn))
    scopes = list(grant.record.get("scopes") or client.scopes)
    return tokens.issue(connection, client.client_id, subject, scopes, now, with_refresh)


def _instance_of(connection: Connection, identity_store_id: str) -> str:
    instance = identity_center.find_by_store(connection, identity_store_id)
    if instance is None:
        raise InvalidGrantException("The grant's identity store no longer exists.")
    return instance.instance_arn
