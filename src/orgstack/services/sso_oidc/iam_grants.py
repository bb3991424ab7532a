"""The four grants of CreateTokenWithIAM, each turning its input into tokens of the application.

- `authorization_code`: a code from `/authorize` for the application (see `authorization`),
  bound to its redirect URI and, when the request had one, its PKCE code challenge.
- `refresh_token`: a refresh token of the application. It is rotated, and a rotated token
  presented again revokes every token of that sign-in (RFC 9700 section 4.14).
- JWT bearer: an assertion of a trusted token issuer (see `jwt_bearer`).
- token exchange (RFC 8693): an access token issued to another application, whose access scope
  (PutApplicationAccessScope) lists the calling application among its AuthorizedTargets.

Every grant requires the user to be enabled and, when the application requires assignments,
assigned to it. `scope` may narrow the scopes a token gets but never widen them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orgstack.services.identitystore import user_store
from orgstack.services.registry import Params, RequestContext
from orgstack.services.sso_oidc import (
    application_clients,
    authorization,
    grant_store,
    jwt_bearer,
    tokens,
)
from orgstack.services.sso_oidc.application_clients import DEFAULT_SCOPES, ApplicationClient
from orgstack.services.sso_oidc.errors import (
    AccessDeniedException,
    ExpiredTokenException,
    InvalidGrantException,
    InvalidRequestException,
    InvalidRequestRegionException,
    InvalidScopeException,
    UnauthorizedClientException,
)
from orgstack.services.sso_oidc.grant_store import (
    ACCESS_TOKEN,
    ACTIVE,
    AUTHORIZATION_CODE,
    REFRESH_TOKEN,
    USED,
    Grant,
)

JWT_BEARER = jwt_bearer.GRANT_TYPE
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 (a grant type)
REFRESH_TOKEN_GRANT = "refresh_token"  # noqa: S105 (a grant type name)
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 (a type URI)
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"  # noqa: S105 (a type URI)
# The access token lifetime of CreateTokenWithIAM (`expiresIn` in the IAM Identity Center user
# guide's trusted identity propagation example).
ACCESS_TOKEN_SECONDS = 3600

# AWS does not document these descriptions, so each states the rule that failed.
REQUIRED = "{name} is required for the {grant_type} grant type."
INVALID_CODE = "Invalid authorization code provided."
CODE_EXPIRED = "The authorization code has expired."
REDIRECT_MISMATCH = "redirectUri does not match the authorization request."
VERIFIER_MISMATCH = "Code verifier does not match the code challenge."
INVALID_REFRESH = "Invalid refresh token provided."
REFRESH_EXPIRED = "The refresh token has expired."
INVALID_SUBJECT = "Invalid subject token provided."
SUBJECT_EXPIRED = "The subject token has expired."
SUBJECT_TYPE = "subjectTokenType must be " + ACCESS_TOKEN_TYPE + "."
REQUESTED_TYPE = (
    "requestedTokenType must be " + ACCESS_TOKEN_TYPE + " or " + REFRESH_TOKEN_TYPE + "."
)
SAME_APPLICATION = "The subject token was issued to this application."
NOT_TARGETED = "The subject token has no scope that authorizes this application as a target."
NO_REFRESH_GRANT = "The application does not have the refresh_token grant."
OTHER_REGION = "The token was issued in {region}; call IAM Identity Center in that Region."
USER_UNAVAILABLE = "The token's user no longer exists or is disabled."
NOT_ASSIGNED = "The user is not assigned to the application."
SCOPE_NOT_GRANTED = "The requested scope {scope} is not granted to the application."


@dataclass(frozen=True)
class Issued:
    """Tokens issued by a grant, with what the reply and the ID token state about them."""

    tokens: tokens.IssuedTokens
    scopes: tuple[str, ...]
    user_id: str
    auth_time: dt.datetime
    trusted_token_issuer_arn: str | None


def authorization_code(
    context: RequestContext, application: ApplicationClient, params: Params
) -> Issued:
    code = _required(params, "code")
    redirect_uri = _required(params, "redirectUri")
    connection, now = context.db, context.now()

    grant = grant_store.find(connection, AUTHORIZATION_CODE, code, lock=True)
    if grant is None or grant.client_id != application.client_id:
        raise InvalidGrantException(INVALID_CODE)
    if grant.status == USED:
        # RFC 6749 section 4.1.2: a code used twice revokes what it was exchanged for.
        tokens.revoke_session(connection, grant)
        raise InvalidGrantException(INVALID_CODE, keeps_changes=True)
    if grant.is_expired(now):
        raise ExpiredTokenException(CODE_EXPIRED)
    if redirect_uri != grant.record.get("redirect_uri"):
        raise InvalidGrantException(REDIRECT_MISMATCH)
    challenge = grant.record.get("code_challenge")
    if challenge and not authorization.verifier_matches(
        str(params.get("codeVerifier") or ""), str(challenge)
    ):
        raise InvalidGrantException(VERIFIER_MISMATCH)

    user_id = _usable_user(context, application, grant)
    scopes = _narrowed(params, grant.record.get("scopes") or application.available_scopes)
    issued = _issue(context, application, user_id, scopes, grant.created_at, None)
    grant_store.set_status(connection, grant.token_hash, USED)
    grant_store.record_poll(
        connection, grant.token_hash, now, {**grant.record, "family": issued.tokens.family}
    )
    return issued


def refresh_token(
    context: RequestContext, application: ApplicationClient, params: Params
) -> Issued:
    presented = _required(params, "refreshToken")
    connection, now = context.db, context.now()

    grant = grant_store.find(connection, REFRESH_TOKEN, presented, lock=True)
    if grant is None or grant.client_id != application.client_id:
        raise InvalidGrantException(INVALID_REFRESH)
    _check_region(context, grant)
    if grant.status == USED:
        tokens.revoke_session(connection, grant)
        raise InvalidGrantException(INVALID_REFRESH, keeps_changes=True)
    if grant.status != ACTIVE:
        raise InvalidGrantException(INVALID_REFRESH)
    if grant.is_expired(now):
        raise ExpiredTokenException(REFRESH_EXPIRED)

    user_id = _usable_user(context, application, grant)
    scopes = _narrowed(params, grant.record.get("scopes") or ())
    grant_store.set_status(connection, grant.token_hash, USED)
    return _issue(
        context,
        application,
        user_id,
        scopes,
        _auth_time(grant),
        grant.record.get("trusted_token_issuer_arn"),
        family=grant.record.get("family"),
        with_refresh=True,
    )


def jwt_bearer_grant(
    context: RequestContext, application: ApplicationClient, params: Params
) -> Issued:
    assertion = _required(params, "assertion", JWT_BEARER)
    verified = jwt_bearer.verify(context.db, application, assertion, context.now())
    user_id = verified.user.user_id
    if not application_clients.is_assigned(context.db, application, user_id):
        raise AccessDeniedException(NOT_ASSIGNED)
    scopes = _narrowed(params, application.available_scopes)
    return _issue(context, application, user_id, scopes, context.now(), verified.issuer.arn)


def token_exchange(
    context: RequestContext, application: ApplicationClient, params: Params
) -> Issued:
    subject_token = _required(params, "subjectToken", TOKEN_EXCHANGE)
    if _required(params, "subjectTokenType", TOKEN_EXCHANGE) != ACCESS_TOKEN_TYPE:
        raise InvalidRequestException(SUBJECT_TYPE)
    requested_type = params.get("requestedTokenType") or ACCESS_TOKEN_TYPE
    if requested_type not in (ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE):
        raise InvalidRequestException(REQUESTED_TYPE)
    with_refresh = requested_type == REFRESH_TOKEN_TYPE
    if with_refresh and not application.allows(REFRESH_TOKEN_GRANT):
        raise UnauthorizedClientException(NO_REFRESH_GRANT)

    grant = grant_store.find(context.db, ACCESS_TOKEN, subject_token)
    if grant is None or grant.status != ACTIVE:
        raise InvalidGrantException(INVALID_SUBJECT)
    _check_region(context, grant)
    if grant.is_expired(context.now()):
        raise ExpiredTokenException(SUBJECT_EXPIRED)
    if grant.client_id == application.client_id:
        raise InvalidGrantException(SAME_APPLICATION)
    if grant.record.get("instance_arn") != application.instance.instance_arn:
        raise InvalidGrantException(INVALID_SUBJECT)

    targeted = _targeted_scopes(context, application, grant)
    if not targeted:
        raise InvalidGrantException(NOT_TARGETED)
    user_id = _usable_user(context, application, grant)
    scopes = _narrowed(params, (*DEFAULT_SCOPES, *targeted))
    return _issue(
        context,
        application,
        user_id,
        scopes,
        _auth_time(grant),
        grant.record.get("trusted_token_issuer_arn"),
        with_refresh=with_refresh,
    )


def _required(params: Params, name: str, grant_type: str | None = None) -> str:
    value = params.get(name)
    if not value:
        grant = grant_type or str(params.get("grantType"))
        raise InvalidRequestException(REQUIRED.format(name=name, grant_type=grant))
    return str(value)


def _check_region(context: RequestContext, grant: Grant) -> None:
    """Reject a token issued by CreateTokenWithIAM in another Region (InvalidRequestRegion)."""
    region = grant.record.get("region")
    if isinstance(region, str) and region != context.region:
        raise InvalidRequestRegionException(
            OTHER_REGION.format(region=region), context.settings.base_url, region
        )


def _usable_user(context: RequestContext, application: ApplicationClient, grant: Grant) -> str:
    """Return the grant's user if still enabled and, where the application requires it, assigned."""
    store_id = application.instance.identity_store_id
    if grant.identity_store_id != store_id or grant.user_id is None:
        raise InvalidGrantException(USER_UNAVAILABLE)
    user = user_store.find(context.db, store_id, grant.user_id)
    if user is None or user.attributes.other.get("UserStatus") == jwt_bearer.DISABLED:
        raise InvalidGrantException(USER_UNAVAILABLE)
    if not application_clients.is_assigned(context.db, application, grant.user_id):
        raise AccessDeniedException(NOT_ASSIGNED)
    return grant.user_id


def _targeted_scopes(
    context: RequestContext, application: ApplicationClient, grant: Grant
) -> list[str]:
    """Return the subject token's scopes whose access scope targets the calling application.

    A token of a registered client (not an application) has no access scopes, so it targets
    nothing and cannot be exchanged.
    """
    source_arn = grant.record.get("application_arn")
    if not isinstance(source_arn, str):
        return []
    source = application_clients.find(context.db, source_arn)
    if source is None:
        return []
    allowed = {application.arn, application.instance.instance_arn}
    return [
        scope
        for scope in grant.record.get("scopes") or []
        if allowed & set(source.access_scopes.get(scope, []))
    ]


def _narrowed(params: Params, granted: Sequence[str]) -> tuple[str, ...]:
    """Return the requested scopes, or all granted ones when none are requested.

    Raises InvalidScopeException when a requested scope is not granted.
    """
    requested = params.get("scope")
    if not requested:
        return tuple(dict.fromkeys(granted))
    for scope in requested:
        if scope not in granted:
            raise InvalidScopeException(SCOPE_NOT_GRANTED.format(scope=scope))
    return tuple(dict.fromkeys(requested))


def _auth_time(grant: Grant) -> dt.datetime:
    recorded = grant.record.get("auth_time")
    if isinstance(recorded, str):
        return dt.datetime.fromisoformat(recorded)
    return grant.created_at


def _issue(
    context: RequestContext,
    application: ApplicationClient,
    user_id: str,
    scopes: tuple[str, ...],
    auth_time: dt.datetime,
    issuer_arn: str | None,
    family: Any = None,
    with_refresh: bool | None = None,
) -> Issued:
    if with_refresh is None:
        with_refresh = application.allows(REFRESH_TOKEN_GRANT)
    instance = application.instance
    subject = tokens.Subject(instance.identity_store_id, user_id, instance.instance_arn)
    details: dict[str, object] = {
        "application_arn": application.arn,
        "region": context.region,
        "auth_time": auth_time.isoformat(),
    }
    if issuer_arn is not None:
        details["trusted_token_issuer_arn"] = issuer_arn
    issued = tokens.issue(
        context.db,
        application.client_id,
        subject,
        list(scopes),
        context.now(),
        with_refresh,
        family=family if isinstance(family, str) else None,
        lifetime_seconds=ACCESS_TOKEN_SECONDS,
        details=details,
    )
    return Issued(issued, scopes, user_id, auth_time, issuer_arn)
