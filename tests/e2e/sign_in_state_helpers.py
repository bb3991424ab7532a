"""Access portal sign-in state of a user, written and read straight in the database."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Table, select

from orgstack.store.schema_identity import (
    mfa_devices,
    oidc_grants,
    portal_credentials,
    portal_sessions,
)
from tests.harness import Server


def user_rows(server: Server, table: Table, store_id: str, user_id: str) -> list[Any]:
    """Return the user's rows of a table keyed by identity store and user."""
    with server.database().transaction(write=False) as connection:
        return list(
            connection.execute(
                select(table).where(
                    table.c.identity_store_id == store_id, table.c.user_id == user_id
                )
            ).all()
        )


def store_sign_in_state(server: Server, store_id: str, user_id: str) -> None:
    """Insert a password, a TOTP device, a portal session and an sso-oidc token for the user."""
    now = dt.datetime.now(dt.UTC)
    with server.database().transaction() as connection:
        connection.execute(
            portal_credentials.insert().values(
                identity_store_id=store_id,
                user_id=user_id,
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                must_change_password=False,
                password_set_at=now,
                failed_attempts=0,
            )
        )
        connection.execute(
            mfa_devices.insert().values(
                device_id=secrets.token_hex(8),
                identity_store_id=store_id,
                user_id=user_id,
                kind="TOTP",
                name="phone",
                created_at=now,
            )
        )
        connection.execute(
            portal_sessions.insert().values(
                session_hash=secrets.token_hex(32),
                identity_store_id=store_id,
                user_id=user_id,
                state_json="{}",
                csrf_token_hash=secrets.token_hex(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + dt.timedelta(hours=8),
            )
        )
        connection.execute(
            oidc_grants.insert().values(
                token_hash=secrets.token_hex(32),
                kind="ACCESS_TOKEN",
                client_id="client-of-deleted-user",
                identity_store_id=store_id,
                user_id=user_id,
                status="ISSUED",
                record_json="{}",
                created_at=now,
                expires_at=now + dt.timedelta(hours=8),
            )
        )
