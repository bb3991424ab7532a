"""Rows of `portal_credentials`: one password hash per user of the built-in directory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from orgstack.store.schema_identity import portal_credentials


@dataclass(frozen=True)
class Credential:
    identity_store_id: str
    user_id: str
    password_hash: str | None
    must_change_password: bool
    password_set_at: dt.datetime | None


def find(connection: Connection, store_id: str, user_id: str) -> Credential | None:
    table = portal_credentials
    row = connection.execute(
        select(table).where(table.c.identity_store_id == store_id, table.c.user_id == user_id)
    ).first()
    if row is None:
        return None
    return Credential(
        identity_store_id=row.identity_store_id,
        user_id=row.user_id,
        password_hash=row.password_hash,
        must_change_password=bool(row.must_change_password),
        password_set_at=row.password_set_at,
    )


def save(
    connection: Connection,
    store_id: str,
    user_id: str,
    password_hash: str,
    must_change: bool,
    now: dt.datetime,
) -> None:
    """Replace the user's password hash (insert the row on the first password)."""
    table = portal_credentials
    connection.execute(
        delete(table).where(table.c.identity_store_id == store_id, table.c.user_id == user_id)
    )
    connection.execute(
        table.insert().values(
            identity_store_id=store_id,
            user_id=user_id,
            password_hash=password_hash,
            must_change_password=must_change,
            password_set_at=now,
            failed_attempts=0,
            locked_until=None,
        )
    )
