"""RegisterClient and client authentication.

Clients are public OAuth clients (RFC 6749 section 2.1) registered by the AWS CLI and SDKs. The
secret is returned once and stored as a SHA-256 hash; it expires 90 days after registration, as
AWS's `clientSecretExpiresAt` does.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection, select

from orgstack.services.registry import NONE, Params, RequestContext, Result, operation
from orgstack.services.sso_oidc import grant_store
from orgstack.services.sso_oidc.errors import (
    InvalidClientException,
    InvalidClientMetadataException,
    InvalidRedirectUriException,
    InvalidRequestException,
    InvalidScopeException,
    UnsupportedGrantTypeException,
)
from orgstack.store.schema_identity import oidc_clients

PUBLIC = "public"
SECRET_LIFETIME = dt.timedelta(days=90)

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"
REFRESH_TOKEN_GRANT = "refresh_token"  # noqa: S105 (a grant type name)
REGISTRABLE_GRANTS = frozenset({DEVICE_CODE_GRANT, AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT})
# A client registered without `grantTypes` (the device flow of `aws sso login`) may use these.
DEFAULT_GRANTS = (DEVICE_CODE_GRANT, REFRESH_TOKEN_GRANT)

# Scopes are `service:resource:access`-style names such as `sso:account:access`, or `openid`.
SCOPE_PATTERN = re.compile(r"[A-Za-z0-9_.*-]+(?::[A-Za-z0-9_.*-]+)*")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class Client:
    """A registered client, as CreateToken and the authorization endpoint check it."""

    client_id: str
    client_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    scopes: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = DEFAULT_GRANTS
    redirect_uris: tuple[str, ...] = ()
    issuer_url: str | None = None
    secret_hash: str = field(default="", repr=False)

    def allows(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@operation("sso-oidc", "RegisterClient", read_only=False, auth=NONE)
def register_client(context: RequestContext, params: Params) -> Result:
    """Register a public client and return its id and secret (SSO OIDC API, RegisterClient)."""
    if params["clientType"] != PUBLIC:
        raise InvalidClientMetadataException(
            f"Invalid client type `{params['clientType']}`: only `public` clients are supported."
        )
    scopes = _scopes(params.get("scopes") or [])
    grant_types = _grant_types(params.get("grantTypes"))
    redirect_uris = _redirect_uris(params.get("redirectUris") or [], grant_types)

    now = context.now().replace(microsecond=0)
    client_id = secrets.token_urlsafe(16)
    secret = secrets.token_urlsafe(64)
    client = Client(
        client_id=client_id,
        client_name=str(params["clientName"]),
        issued_at=now,
        expires_at=now + SECRET_LIFETIME,
        scopes=scopes,
        grant_types=grant_types,
        redirect_uris=redirect_uris,
        issuer_url=params.get("issuerUrl"),
        secret_hash=grant_store.hash_secret(secret),
    )
    _insert(context.db, client)

    return {
        "clientId": client_id,
        "clientSecret": secret,
        "clientIdIssuedAt": int(now.timestamp()),
        "clientSecretExpiresAt": int(client.expires_at.timestamp()),
    }


def _scopes(requested: list[str]) -> tuple[str, ...]:
    for scope in requested:
        if not SCOPE_PATTERN.fullmatch(scope):
            raise InvalidScopeException(f"Invalid scope `{scope}`.")
    return tuple(dict.fromkeys(requested))


def _grant_types(requested: list[str] | None) -> tuple[str, ...]:
    if not requested:
        return DEFAULT_GRANTS
    for grant_type in requested:
        if grant_type not in REGISTRABLE_GRANTS:
            raise UnsupportedGrantTypeException(f"Unsupported grant type `{grant_type}`.")
    return tuple(dict.fromkeys(requested))


def _redirect_uris(requested: list[str], grant_types: tuple[str, ...]) -> tuple[str, ...]:
    """Check redirect URIs: HTTPS, or plain HTTP on a loopback address (RFC 8252 section 7.3)."""
    if AUTHORIZATION_CODE_GRANT in grant_types and not requested:
        raise InvalidRequestException(
            "redirectUris is required for the authorization_code grant type."
        )
    for uri in requested:
        if not is_allowed_redirect(uri):
            raise InvalidRedirectUriException(f"Invalid redirect URI `{uri}`.")
    return tuple(requested)


def is_allowed_redirect(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def _insert(connection: Connection, client: Client) -> None:
    record = {
        "scopes": list(client.scopes),
        "grant_types": list(client.grant_types),
        "redirect_uris": list(client.redirect_uris),
        "issuer_url": client.issuer_url,
    }
    connection.execute(
        oidc_clients.insert().values(
            client_id=client.client_id,
            secret_hash=client.secret_hash,
            client_name=client.client_name,
            client_type=PUBLIC,
            record_json=orjson.dumps(record).decode(),
            issued_at=client.issued_at,
            expires_at=client.expires_at,
        )
    )


def find(connection: Connection, client_id: str) -> Client | None:
    row = connection.execute(
        select(oidc_clients).where(oidc_clients.c.client_id == client_id)
    ).first()
    if row is None:
        return None
    record: dict[str, Any] = orjson.loads(row.record_json)
    return Client(
        client_id=row.client_id,
        client_name=row.client_name,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        scopes=tuple(record.get("scopes") or ()),
        grant_types=tuple(record.get("grant_types") or DEFAULT_GRANTS),
        redirect_uris=tuple(record.get("redirect_uris") or ()),
        issuer_url=record.get("issuer_url"),
        secret_hash=row.secret_hash,
    )


def authenticate(
    connection: Connection, client_id: str, client_secret: str, now: dt.datetime
) -> Client:
    """Return the client when the id and secret match and the secret has not expired.

    Raises InvalidClientException otherwise, with one description for an unknown id and a wrong
    secret, so that the response does not reveal which client ids exist.
    """
    client = find(connection, client_id)
    presented = grant_store.hash_secret(client_secret)
    if client is None or not hmac.compare_digest(client.secret_hash, presented):
        raise InvalidClientException("Invalid client credentials.")
    if now >= client.expires_at:
        raise InvalidClientException("The client secret has expired.")
    return client
