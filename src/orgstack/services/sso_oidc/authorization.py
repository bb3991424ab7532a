"""The server side of the authorization endpoint (`GET /authorize`) and PKCE checks.

The AWS CLI's authorization code flow (RFC 6749 section 4.1 with PKCE, RFC 7636) opens
`/authorize?response_type=code&client_id=…&redirect_uri=http://127.0.0.1:<port>/oauth/callback
&state=…&code_challenge_method=S256&scopes=…&code_challenge=…` in the browser. The portal's page
calls `begin_authorization` with that query, signs the user in, then calls
`complete_authorization`, and redirects the browser to the URL it returns.

A customer managed application takes the same path with its ARN as `client_id`. Its redirect URIs
are those of its AuthorizationCode grant (PutApplicationGrant), PKCE is optional because the
application proves itself with IAM credentials when it calls CreateTokenWithIAM, and a user must
be assigned to it when it requires assignments.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.services.identitystore import user_store
from orgstack.services.sso_oidc import application_clients, clients, grant_store
from orgstack.services.sso_oidc.grant_store import APPROVED, AUTHORIZATION_CODE, Grant

CODE_LIFETIME = dt.timedelta(minutes=5)
S256 = "S256"
AUTHORIZATION_CODE_GRANT = clients.AUTHORIZATION_CODE_GRANT
# RFC 7636 section 4.1: 43 to 128 unreserved characters; a challenge is 43 base64url characters.
VERIFIER_PATTERN = re.compile(r"[A-Za-z0-9._~-]{43,128}")
CHALLENGE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class AuthorizationRequestError(Exception):
    """An authorization request that cannot proceed.

    `redirect_url` is None when the client or redirect URI is invalid: the page must then show
    the error itself and never redirect (RFC 6749 section 4.1.2.1). Otherwise it is the client's
    redirect URI carrying `error`, `error_description` and `state`.
    """

    def __init__(self, error: str, description: str, redirect_url: str | None = None) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect_url = redirect_url


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request, for the page to carry through sign-in."""

    client_id: str
    client_name: str
    redirect_uri: str
    state: str
    code_challenge: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class _Requester:
    """The facts about a client, registered or application, that the endpoint checks."""

    client_id: str
    client_name: str
    redirect_uris: tuple[str, ...]
    allows_code: bool
    # The scopes the client may request. Empty means that any scope may be requested.
    scopes: tuple[str, ...]
    default_scopes: tuple[str, ...]
    pkce_required: bool


def begin_authorization(
    connection: Connection, query: Mapping[str, str], now: dt.datetime
) -> AuthorizationRequest:
    """Validate the query of `GET /authorize`; raise AuthorizationRequestError when invalid."""
    requester = _requester(connection, query.get("client_id", ""), now)
    redirect_uri = query.get("redirect_uri", "")
    if not any(
        redirect_matches(registered, redirect_uri) for registered in requester.redirect_uris
    ):
        raise AuthorizationRequestError(
            "invalid_request", "redirect_uri is not registered for this client."
        )

    state = query.get("state", "")

    def fail(error: str, description: str) -> AuthorizationRequestError:
        return AuthorizationRequestError(
            error, description, error_redirect(redirect_uri, error, description, state)
        )

    if query.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code.")
    if not requester.allows_code:
        raise fail("unauthorized_client", "The client may not use the authorization_code grant.")
    if not state:
        raise fail("invalid_request", "state is required.")
    challenge = query.get("code_challenge", "")
    if requester.pkce_required or challenge or query.get("code_challenge_method"):
        if query.get("code_challenge_method") != S256:
            raise fail("invalid_request", "code_challenge_method must be S256.")
        if not CHALLENGE_PATTERN.fullmatch(challenge):
            raise fail("invalid_request", "code_challenge must be 43 base64url characters.")
    scopes = _scopes(query)
    if requester.scopes and not set(scopes) <= set(requester.scopes):
        raise fail("invalid_scope", "The requested scopes were not registered for the client.")

    return AuthorizationRequest(
        client_id=requester.client_id,
        client_name=requester.client_name,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=challenge,
        scopes=scopes or requester.default_scopes,
    )


def _requester(connection: Connection, client_id: str, now: dt.datetime) -> _Requester:
    if application_clients.is_application_arn(client_id):
        application = application_clients.find(connection, client_id)
        if application is None or application.status != application_clients.ENABLED:
            raise AuthorizationRequestError("invalid_client", "Unknown or disabled application.")
        code_grant = application.grant(AUTHORIZATION_CODE_GRANT)
        return _Requester(
            client_id=application.arn,
            client_name=application.name,
            redirect_uris=tuple(code_grant.get("RedirectUris") or ()),
            allows_code=application.allows(AUTHORIZATION_CODE_GRANT),
            scopes=application.available_scopes,
            default_scopes=application.available_scopes,
            pkce_required=False,
        )

    client = clients.find(connection, client_id)
    if client is None or now >= client.expires_at:
        raise AuthorizationRequestError("invalid_client", "Unknown or expired client_id.")
    return _Requester(
        client_id=client.client_id,
        client_name=client.client_name,
        redirect_uris=client.redirect_uris,
        allows_code=client.allows(AUTHORIZATION_CODE_GRANT),
        scopes=client.scopes,
        default_scopes=client.scopes,
        pkce_required=True,
    )


def _scopes(query: Mapping[str, str]) -> tuple[str, ...]:
    # The AWS CLI sends `scopes`; OAuth clients send `scope`. Both are space-separated.
    text = query.get("scopes") or query.get("scope") or ""
    return tuple(dict.fromkeys(text.split()))


def complete_authorization(
    connection: Connection,
    request: AuthorizationRequest,
    identity_store_id: str,
    user_id: str,
    now: dt.datetime,
) -> str:
    """Issue an authorization code for the signed-in user; return the redirect URL.

    The URL is the request's redirect URI with `code` and `state`. The code is single use, lives
    5 minutes and is bound to the client, the redirect URI and the code challenge. Raises
    AuthorizationRequestError when the user or the store's instance no longer exists.
    """
    instance = identity_center.find_by_store(connection, identity_store_id)
    if instance is None or user_store.find(connection, identity_store_id, user_id) is None:
        raise AuthorizationRequestError("access_denied", "The user cannot be signed in.")
    stored_client_id = _stored_client_id(connection, request, instance.instance_arn, user_id)

    code = secrets.token_urlsafe(32)
    grant_store.insert(
        connection,
        Grant(
            token_hash=grant_store.hash_secret(code),
            kind=AUTHORIZATION_CODE,
            client_id=stored_client_id,
            identity_store_id=identity_store_id,
            user_id=user_id,
            user_code=None,
            status=APPROVED,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
            last_polled_at=None,
            record={
                "redirect_uri": request.redirect_uri,
                "code_challenge": request.code_challenge,
                "scopes": list(request.scopes),
                "instance_arn": instance.instance_arn,
            },
        ),
    )
    return _with_query(request.redirect_uri, {"code": code, "state": request.state})


def _stored_client_id(
    connection: Connection, request: AuthorizationRequest, instance_arn: str, user_id: str
) -> str:
    """Return the client id a code is stored under; check the user may use an application."""
    if not application_clients.is_application_arn(request.client_id):
        return request.client_id
    application = application_clients.find(connection, request.client_id)
    if application is None or application.instance.instance_arn != instance_arn:
        raise AuthorizationRequestError(
            "access_denied", "The application does not belong to the user's instance."
        )
    if not application_clients.is_assigned(connection, application, user_id):
        description = "The user is not assigned to the application."
        redirect_url = error_redirect(
            request.redirect_uri, "access_denied", description, request.state
        )
        raise AuthorizationRequestError("access_denied", description, redirect_url)
    return application.client_id


def deny_authorization(request: AuthorizationRequest) -> str:
    """Return the redirect URL that reports the user's refusal (`error=access_denied`)."""
    return error_redirect(
        request.redirect_uri, "access_denied", "The user denied the request.", request.state
    )


def error_redirect(redirect_uri: str, error: str, description: str, state: str) -> str:
    values = {"error": error, "error_description": description}
    if state:
        values["state"] = state
    return _with_query(redirect_uri, values)


def _with_query(uri: str, values: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(item for item in (parts.query, urlencode(values)) if item)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def redirect_matches(registered: str, presented: str) -> bool:
    """Compare redirect URIs exactly, except that a loopback URI may use any port.

    RFC 8252 section 7.3: native clients listen on an ephemeral port, so the AWS CLI registers
    `http://127.0.0.1/oauth/callback` and sends `http://127.0.0.1:<port>/oauth/callback`.
    """
    if registered == presented:
        return True
    try:
        want, got = urlsplit(registered), urlsplit(presented)
        got_port = got.port
    except ValueError:
        return False
    if want.scheme != "http" or want.hostname not in clients.LOOPBACK_HOSTS:
        return False
    return (
        got.scheme == "http"
        and got.hostname == want.hostname
        and got_port is not None
        and got.path == want.path
        and got.query == want.query
        and not got.fragment
    )


def verifier_matches(verifier: str, challenge: str) -> bool:
    """Tell whether BASE64URL(SHA256(verifier)) equals the challenge (RFC 7636 section 4.6)."""
    if not VERIFIER_PATTERN.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(computed, challenge)
