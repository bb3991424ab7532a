"""Device codes, authorization codes, access tokens and refresh tokens in `oidc_grants`.

Every grant is stored under the SHA-256 hash of its secret value, so the table never contains a
value that a client could present. `record_json` keeps what each kind needs beside the columns:
the scopes, the start URL of a device authorization, the redirect URI and code challenge of an
authorization code, the instance of a token.

NOTE: expired grants are not deleted yet, so the table grows by a few rows per sign-in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Row, select, update

from orgstack.store.schema_identity import oidc_grants

DEVICE_CODE = "DEVICE_CODE"
AUTHORIZATION_CODE = "AUTHORIZATION_CODE"
ACCESS_TOKEN = "ACCESS_TOKEN"  # noqa: S105 (a kind name, not a secret)
REFRESH_TOKEN = "REFRESH_TOKEN"  # noqa: S105 (a kind name, not a secret)

# Device codes move PENDING → APPROVED or DENIED → USED; authorization codes are issued APPROVED
# and become USED; tokens are ACTIVE until REVOKED.
PENDING = "PENDING"
APPROVED = "APPROVED"
DENIED = "DENIED"
USED = "USED"
ACTIVE = "ACTIVE"
REVOKED = "REVOKED"


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """One row of `oidc_grants`, with its record decoded."""

    token_hash: str
    kind: str
    client_id: str
    identity_store_id: str | None
    user_id: str | None
    user_code: str | None
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_polled_at: dt.datetime | None
    record: dict[str, Any] = field(default_factory=dict)

    def is_expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at


def _grant(row: Row[Any]) -> Grant:
    return Grant(
        token_hash=row.token_hash,
        kind=row.kind,
        client_id=row.client_id,
        identity_store_id=row.identity_store_id,
        user_id=row.user_id,
        user_code=row.user_code,
        status=row.status,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_polled_at=row.last_polled_at,
        record=orjson.loads(row.record_json),
    )


def insert(connection: Connection, grant: Grant) -> None:
    connection.execute(
        oidc_grants.insert().values(
            token_hash=grant.token_hash,
            kind=grant.kind,
            client_id=grant.client_id,
            identity_store_id=grant.identity_store_id,
            user_id=grant.user_id,
            user_code=grant.user_code,
            status=grant.status,
            record_json=orjson.dumps(grant.record).decode(),
            created_at=grant.created_at,
            expires_at=grant.expires_at,
            last_polled_at=grant.last_polled_at,
        )
    )


def find(connection: Connection, kind: str, secret: str, lock: bool = False) -> Grant | None:
    """Return the grant of `kind` whose secret value is `secret`, or None.

    `lock` takes a row lock (PostgreSQL), so that two requests cannot both use a single-use code.
    """
    query = select(oidc_grants).where(
        oidc_grants.c.token_hash == hash_secret(secret), oidc_grants.c.kind == kind
    )
    if lock:
        query = query.with_for_update()
    row = connection.execute(query).first()
    return _grant(row) if row is not None else None


def find_by_hash(connection: Connection, token_hash: str) -> Grant | None:
    row = connection.execute(
        select(oidc_grants).where(oidc_grants.c.token_hash == token_hash)
    ).first()
    return _grant(row) if row is not None else None


def find_device_by_user_code(
    connection: Connection, user_code: str, now: dt.datetime
) -> Grant | None:
    """Return the unexpired device authorization with this normalised user code, or None."""
    row = connection.execute(
        select(oidc_grants)
        .where(
            oidc_grants.c.kind == DEVICE_CODE,
            oidc_grants.c.user_code == user_code,
            oidc_grants.c.expires_at > now,
        )
        .order_by(oidc_grants.c.created_at.desc())
    ).first()
    return _grant(row) if row is not None else None


def set_status(
    connection: Connection,
    token_hash: str,
    status: str,
    identity_store_id: str | None = None,
    user_id: str | None = None,
) -> None:
    values: dict[str, Any] = {"status": status}
    if identity_store_id is not None:
        values["identity_store_id"] = identity_store_id
    if user_id is not None:
        values["user_id"] = user_id
    connection.execute(
        update(oidc_grants).where(oidc_grants.c.token_hash == token_hash).values(**values)
    )


def record_poll(
    connection: Connection, token_hash: str, now: dt.datetime, record: dict[str, Any]
) -> None:
    connection.execute(
        update(oidc_grants)
        .where(oidc_grants.c.token_hash == token_hash)
        .values(last_polled_at=now, record_json=orjson.dumps(record).decode())
    )


def revoke_family(connection: Connection, client_id: str, family: str) -> None:
    """Revoke every token issued in one sign-in (`family`), access and refresh tokens alike.

    The family id lives in the record, so the client's active tokens are read and filtered.
    """
    rows = connection.execute(
        select(oidc_grants.c.token_hash, oidc_grants.c.record_json).where(
            oidc_grants.c.client_id == client_id,
            oidc_grants.c.kind.in_((ACCESS_TOKEN, REFRESH_TOKEN)),
            oidc_grants.c.status == ACTIVE,
        )
    )
    hashes = [
        row.token_hash for row in rows if orjson.loads(row.record_json).get("family") == family
    ]
    if hashes:
        connection.execute(
            update(oidc_grants).where(oidc_grants.c.token_hash.in_(hashes)).values(status=REVOKED)
        )
