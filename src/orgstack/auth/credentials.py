"""Stored access keys: creation, look-up by key id, and decryption of the secret."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from orgstack import ids
from orgstack.auth.principals import ROOT, Principal, SessionDetails
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.schema import access_keys

ACTIVE = "Active"


@dataclass(frozen=True)
class StoredKey:
    """An access key as stored, with its secret decrypted for signature checks."""

    access_key_id: str
    secret_access_key: str
    principal: Principal
    session_token: str | None
    expires_at: dt.datetime | None


def create_root_key(
    connection: Connection,
    box: SecretBox,
    account_id: str,
    now: dt.datetime,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> tuple[str, str]:
    """Store a long-term key for the account's root user and return (key id, secret)."""
    key_id = access_key_id or ids.access_key_id()
    secret = secret_access_key or ids.secret_access_key()
    connection.execute(
        insert(access_keys).values(
            access_key_id=key_id,
            account_id=account_id,
            principal_type=ROOT,
            principal_arn=ids.account_root_arn(account_id),
            principal_id=account_id,
            secret_encrypted=box.encrypt(secret),
            status=ACTIVE,
            created_at=now,
        )
    )
    return key_id, secret


def find_key(connection: Connection, box: SecretBox, access_key_id: str) -> StoredKey | None:
    """Return the active key with this id, or None when it is unknown or inactive."""
    row = connection.execute(
        select(access_keys).where(access_keys.c.access_key_id == access_key_id)
    ).first()
    if row is None or row.status != ACTIVE:
        return None
    session = _session_from_json(row.session_json) if row.session_json else None
    principal = Principal(
        account_id=row.account_id,
        arn=row.principal_arn,
        principal_id=row.principal_id,
        type=row.principal_type,
        access_key_id=row.access_key_id,
        session=session,
    )
    return StoredKey(
        access_key_id=row.access_key_id,
        secret_access_key=box.decrypt(row.secret_encrypted),
        principal=principal,
        session_token=(
            box.decrypt(row.session_token_encrypted) if row.session_token_encrypted else None
        ),
        expires_at=row.expires_at,
    )


def root_keys(connection: Connection, box: SecretBox, account_id: str) -> list[tuple[str, str]]:
    """Return the (key id, secret) pairs of the account root user's active keys, oldest first."""
    rows = connection.execute(
        select(access_keys)
        .where(access_keys.c.account_id == account_id)
        .where(access_keys.c.principal_type == ROOT)
        .where(access_keys.c.status == ACTIVE)
        .order_by(access_keys.c.created_at)
    ).all()
    return [(row.access_key_id, box.decrypt(row.secret_encrypted)) for row in rows]


def _session_from_json(text: str) -> SessionDetails:
    data = json.loads(text)
    data["transitive_tag_keys"] = tuple(data.get("transitive_tag_keys", ()))
    data["session_policy_arns"] = tuple(data.get("session_policy_arns", ()))
    return SessionDetails(**data)


class KeyCache:
    """Recently looked-up keys, so that a busy client does not cost a query and a decryption on
    every request.

    An entry lives `ttl_seconds`; a key deactivated in the store (by this or another replica) may
    still sign requests for that long.
    """

    def __init__(self, ttl_seconds: float = 5.0, max_entries: int = 10_000) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, StoredKey]] = {}
        self._lock = threading.Lock()

    def get(self, access_key_id: str) -> StoredKey | None:
        entry = self._entries.get(access_key_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: StoredKey) -> None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key.access_key_id] = (time.monotonic() + self._ttl, key)

    def forget(self, access_key_id: str) -> None:
        with self._lock:
            self._entries.pop(access_key_id, None)
