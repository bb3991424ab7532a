"""Rows of `portal_sessions`: browser sessions of the access portal, stored server-side.

The browser keeps a random session id, and the table stores only its SHA-256 hash, so a copy of the
database does not let anyone take over a session. `state` records the sign-in steps passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select, update

from orgstack.secrets_at_rest import SecretBox
from orgstack.store.schema_identity import portal_sessions

SESSION_ID_BYTES = 32


@dataclass
class PortalSession:
    session_hash: str
    identity_store_id: str
    user_id: str | None
    state: dict[str, Any] = field(default_factory=dict)
    csrf_token_hash: str = ""
    created_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    # The state's JSON text as last read or written, which `take_state_value` compares against.
    stored_state_json: str = field(default="", repr=False)


def hash_value(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def csrf_token(box: SecretBox, session_id: str) -> str:
    """Return the CSRF token of a session: an HMAC of its id, so each new id has a new token."""
    key = box.derive_key("access-portal-csrf")
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def csrf_matches(session: PortalSession, submitted: str) -> bool:
    return bool(submitted) and hmac.compare_digest(hash_value(submitted), session.csrf_token_hash)


def find(connection: Connection, session_id: str) -> PortalSession | None:
    row = connection.execute(
        select(portal_sessions).where(portal_sessions.c.session_hash == hash_value(session_id))
    ).first()
    if row is None:
        return None
    return PortalSession(
        session_hash=row.session_hash,
        identity_store_id=row.identity_store_id,
        user_id=row.user_id,
        state=orjson.loads(row.state_json),
        stored_state_json=row.state_json,
        csrf_token_hash=row.csrf_token_hash,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def insert(connection: Connection, box: SecretBox, session_id: str, session: PortalSession) -> None:
    """Store the session under the hash of `session_id`, with the hash of its CSRF token."""
    session.session_hash = hash_value(session_id)
    session.csrf_token_hash = hash_value(csrf_token(box, session_id))
    session.stored_state_json = orjson.dumps(session.state).decode()
    connection.execute(
        portal_sessions.insert().values(
            session_hash=session.session_hash,
            identity_store_id=session.identity_store_id,
            user_id=session.user_id,
            state_json=session.stored_state_json,
            csrf_token_hash=session.csrf_token_hash,
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            expires_at=session.expires_at,
        )
    )


def save_state(connection: Connection, session: PortalSession, now: dt.datetime) -> None:
    session.stored_state_json = orjson.dumps(session.state).decode()
    connection.execute(
        update(portal_sessions)
        .where(portal_sessions.c.session_hash == session.session_hash)
        .values(state_json=session.stored_state_json, last_seen_at=now)
    )


def take_state_value(
    connection: Connection, session: PortalSession, key: str, now: dt.datetime
) -> Any | None:
    """Remove `key` from the stored state and return its value, at most once per value.

    The UPDATE matches the state text as this request read it, so of two requests that read the
    same state only the first one to write gets the value (a compare-and-swap). It also writes
    any unsaved changes of `session.state`. Returns None when the key is missing or another
    request changed the state first.
    """
    if key not in session.state:
        return None
    remaining = {name: value for name, value in session.state.items() if name != key}
    remaining_json = orjson.dumps(remaining).decode()
    result = connection.execute(
        update(portal_sessions)
        .where(
            portal_sessions.c.session_hash == session.session_hash,
            portal_sessions.c.state_json == session.stored_state_json,
        )
        .values(state_json=remaining_json, last_seen_at=now)
    )
    if result.rowcount != 1:
        return None
    session.stored_state_json = remaining_json
    return session.state.pop(key)


def touch(connection: Connection, session: PortalSession, now: dt.datetime) -> None:
    connection.execute(
        update(portal_sessions)
        .where(portal_sessions.c.session_hash == session.session_hash)
        .values(last_seen_at=now)
    )


def remove(connection: Connection, session_hash: str) -> None:
    connection.execute(
        delete(portal_sessions).where(portal_sessions.c.session_hash == session_hash)
    )


def revoke_user_sessions(
    connection: Connection,
    store_id: str,
    user_id: str,
    now: dt.datetime,
    keep_hash: str | None = None,
) -> int:
    """End the user's unexpired portal sessions except `keep_hash`; return how many ended."""
    result = connection.execute(
        update(portal_sessions)
        .where(
            portal_sessions.c.identity_store_id == store_id,
            portal_sessions.c.user_id == user_id,
            portal_sessions.c.revoked_at.is_(None),
            portal_sessions.c.expires_at > now,
            portal_sessions.c.session_hash != (keep_hash or ""),
        )
        .values(revoked_at=now)
    )
    return int(result.rowcount)


def purge_expired(connection: Connection, now: dt.datetime) -> None:
    connection.execute(delete(portal_sessions).where(portal_sessions.c.expires_at < now))
