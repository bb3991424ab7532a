"""The JWT bearer grant of CreateTokenWithIAM (RFC 7523 section 2.1): a JWT from a trusted token
issuer, exchanged for Identity Center tokens of the application.

The checks, in order:
1. `iss` is the issuer URL of a trusted token issuer that the application's JwtBearer grant names.
2. The signature verifies with a key of that issuer's key set (see `jwks`).
3. `exp` has not passed, and `nbf` and `iat` are not later than now plus one minute of skew.
4. `aud` names one of the audiences that the grant authorizes for that issuer.
5. The claim at the issuer's ClaimAttributePath equals the IdentityStoreAttributePath attribute
   of an enabled user of the instance's identity store.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import Connection

from orgstack.services.identitystore import user_store
from orgstack.services.identitystore.user_store import StoredUser
from orgstack.services.sso_admin import application_store
from orgstack.services.sso_oidc import jwks
from orgstack.services.sso_oidc.application_clients import ApplicationClient
from orgstack.services.sso_oidc.errors import ExpiredTokenException, InvalidGrantException

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Asymmetric algorithms only: a symmetric (HS*) signature would need a secret shared with the
# issuer, which a JWKS does not publish, and `none` carries no signature at all.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
CLOCK_SKEW = dt.timedelta(minutes=1)
DISABLED = "DISABLED"

NOT_A_JWT = "The assertion is not a signed JWT."
ISSUER_NOT_AUTHORIZED = "The assertion's issuer is not a trusted token issuer of the application."
KEYS_UNAVAILABLE = "The signing keys of the trusted token issuer could not be retrieved."
BAD_SIGNATURE = "The assertion's signature is not valid for the trusted token issuer's keys."
MISSING_EXPIRY = "The assertion has no exp claim."
EXPIRED = "The assertion has expired."
NOT_YET_VALID = "The assertion is not valid yet."
AUDIENCE_NOT_AUTHORIZED = "The assertion's audience is not authorized for the application."
MISSING_CLAIM = "The assertion has no {path} claim to identify the user."
ATTRIBUTE_UNSUPPORTED = "The identity store attribute path {path} is not supported."
NO_USER = "No enabled user of the identity store matches the assertion."


@dataclass(frozen=True)
class TrustedIssuer:
    """A trusted token issuer that the application's grant authorizes, with its audiences."""

    arn: str
    issuer_url: str
    claim_path: str
    store_attribute_path: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class VerifiedAssertion:
    issuer: TrustedIssuer
    user: StoredUser
    claims: dict[str, Any]


def verify(
    connection: Connection, application: ApplicationClient, assertion: str, now: dt.datetime
) -> VerifiedAssertion:
    """Verify the assertion and return its issuer and user, or raise the grant's OAuth error."""
    header, unverified = _unverified_parts(assertion)
    issuer = _authorized_issuer(connection, application, unverified.get("iss"))

    try:
        keys = jwks.key_set(issuer.issuer_url, _text(header.get("kid")))
    except jwks.KeyRetrievalError:
        raise InvalidGrantException(KEYS_UNAVAILABLE) from None
    try:
        token = jwt.decode(assertion, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError):
        raise InvalidGrantException(BAD_SIGNATURE) from None
    claims = dict(token.claims)

    _check_times(claims, now)
    _check_audience(claims, issuer)
    user = _user(connection, application, issuer, claims)
    return VerifiedAssertion(issuer, user, claims)


def _unverified_parts(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the header and claims before verification, to find the issuer and its key."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise InvalidGrantException(NOT_A_JWT)
    try:
        header = orjson.loads(_base64url(parts[0]))
        claims = orjson.loads(_base64url(parts[1]))
    except (binascii.Error, ValueError):
        raise InvalidGrantException(NOT_A_JWT) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidGrantException(NOT_A_JWT)
    return header, claims


def _base64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _authorized_issuer(
    connection: Connection, application: ApplicationClient, issuer_url: object
) -> TrustedIssuer:
    """Return the trusted token issuer of the grant whose issuer URL equals the token's `iss`."""
    if not isinstance(issuer_url, str):
        raise InvalidGrantException(ISSUER_NOT_AUTHORIZED)
    for authorized in application.grant(GRANT_TYPE).get("AuthorizedTokenIssuers") or []:
        arn = authorized.get("TrustedTokenIssuerArn")
        # A deleted issuer stays named in the grant, but it authorizes nothing.
        found = application_store.find(connection, application_store.TRUSTED_TOKEN_ISSUER, arn)
        if found is None or found.instance_arn != application.instance.instance_arn:
            continue
        configuration = found.record["TrustedTokenIssuerConfiguration"]["OidcJwtConfiguration"]
        if configuration["IssuerUrl"] != issuer_url:
            continue
        return TrustedIssuer(
            arn=found.key,
            issuer_url=configuration["IssuerUrl"],
            claim_path=configuration["ClaimAttributePath"],
            store_attribute_path=configuration["IdentityStoreAttributePath"],
            audiences=tuple(authorized.get("AuthorizedAudiences") or ()),
        )
    raise InvalidGrantException(ISSUER_NOT_AUTHORIZED)


def _check_times(claims: dict[str, Any], now: dt.datetime) -> None:
    expires = _number(claims.get("exp"))
    if expires is None:
        raise InvalidGrantException(MISSING_EXPIRY)
    moment = now.timestamp()
    if moment >= expires:
        raise ExpiredTokenException(EXPIRED)
    skew = CLOCK_SKEW.total_seconds()
    for name in ("nbf", "iat"):
        value = _number(claims.get(name))
        if value is not None and value > moment + skew:
            raise InvalidGrantException(NOT_YET_VALID)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _check_audience(claims: dict[str, Any], issuer: TrustedIssuer) -> None:
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or not set(audiences) & set(issuer.audiences):
        raise InvalidGrantException(AUDIENCE_NOT_AUTHORIZED)


def claim_at(claims: dict[str, Any], path: str) -> object:
    """Return the claim at a ClaimAttributePath such as `email` or `ext.upn`, or None.

    A dot steps into a nested object. An underscore is part of a name (`preferred_username`).
    """
    value: object = claims
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _user(
    connection: Connection,
    application: ApplicationClient,
    issuer: TrustedIssuer,
    claims: dict[str, Any],
) -> StoredUser:
    value = claim_at(claims, issuer.claim_path)
    if not isinstance(value, str) or not value:
        raise InvalidGrantException(MISSING_CLAIM.format(path=issuer.claim_path))
    store_id = application.instance.identity_store_id
    path = issuer.store_attribute_path
    # NOTE: only the attributes that the identity store indexes are matched. AWS documents
    # userName and emails.value for trusted token issuers.
    if path == "userName":
        user = user_store.find_by_user_name(connection, store_id, value)
    elif path == "emails.value":
        user = user_store.find_by_email(connection, store_id, value)
    else:
        raise InvalidGrantException(ATTRIBUTE_UNSUPPORTED.format(path=path))
    if user is None or user.attributes.other.get("UserStatus") == DISABLED:
        raise InvalidGrantException(NO_USER)
    return user
