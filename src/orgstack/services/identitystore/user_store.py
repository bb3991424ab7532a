"""Users of an identity store in the `identitystore_users` table.

User names are unique per store without regard to case, enforced by the unique constraint on
`user_name_normalized`, which also serves lookups by user name (the access portal signs users in
by name). A user's revision is its `updated_at` in microseconds since the epoch. Every change moves
`updated_at` forward by at least a microsecond, so each revision is new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.exc import IntegrityError

from orgstack.services.identitystore.errors import (
    UNIQUENESS_CONSTRAINT_VIOLATION,
    ConflictException,
)
from orgstack.services.identitystore.user_attributes import UserAttributes
from orgstack.store.schema_identity import (
    identitystore_memberships,
    identitystore_users,
    mfa_devices,
    oidc_grants,
    portal_credentials,
    portal_sessions,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DUPLICATE_USER_NAME = "Duplicate UserName"


@dataclass(frozen=True)
class StoredUser:
    store_id: str
    user_id: str
    attributes: UserAttributes
    external_ids: list[dict[str, str]]
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def revision(self) -> str:
        return str(revision_of(self.updated_at))


def revision_of(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def next_update_time(previous: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Return an `updated_at` later than `previous`, so that the revision changes."""
    return max(now, previous + dt.timedelta(microseconds=1))


def normalize(name: str) -> str:
    return name.casefold()


def _user(row: Row[Any]) -> StoredUser:
    return StoredUser(
        store_id=row.identity_store_id,
        user_id=row.user_id,
        attributes=UserAttributes(
            row.user_name, row.display_name, orjson.loads(row.attributes_json)
        ),
        external_ids=orjson.loads(row.external_ids_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def find(connection: Connection, store_id: str, user_id: str) -> StoredUser | None:
    row = connection.execute(
        select(identitystore_users).where(
            identitystore_users.c.identity_store_id == store_id,
            identitystore_users.c.user_id == user_id,
        )
    ).first()
    return _user(row) if row is not None else None


def find_by_user_name(connection: Connection, store_id: str, user_name: str) -> StoredUser | None:
    """Return the user with this name, compared without regard to case, or None."""
    row = connection.execute(
        select(identitystore_users).where(
            identitystore_users.c.identity_store_id == store_id,
            identitystore_users.c.user_name_normalized == normalize(user_name),
        )
    ).first()
    return _user(row) if row is not None else None


def find_by_email(connection: Connection, store_id: str, email: str) -> StoredUser | None:
    """Return the first user (by id) whose email equals `email`, or None.

    Emails are kept inside `attributes_json`, so SQL narrows by substring and Python compares.
    """
    rows = connection.execute(
        select(identitystore_users)
        .where(
            identitystore_users.c.identity_store_id == store_id,
            identitystore_users.c.attributes_json.contains(orjson.dumps(email).decode()[1:-1]),
        )
        .order_by(identitystore_users.c.user_id)
    )
    for row in rows:
        user = _user(row)
        emails = user.attributes.other.get("Emails") or []
        if any(entry.get("Value") == email for entry in emails):
            return user
    return None


def find_by_external_id(
    connection: Connection, store_id: str, issuer: str, external_id: str
) -> StoredUser | None:
    rows = connection.execute(
        select(identitystore_users)
        .where(
            identitystore_users.c.identity_store_id == store_id,
            identitystore_users.c.external_ids_json.contains(
                orjson.dumps(external_id).decode()[1:-1]
            ),
        )
        .order_by(identitystore_users.c.user_id)
    )
    for row in rows:
        user = _user(row)
        if {"Issuer": issuer, "Id": external_id} in user.external_ids:
            return user
    return None


def page(
    connection: Connection, store_id: str, after: str | None, limit: int, user_name: str | None
) -> list[StoredUser]:
    """Return up to `limit` users ordered by id, after the id `after`, optionally by name."""
    query = select(identitystore_users).where(identitystore_users.c.identity_store_id == store_id)
    if user_name is not None:
        query = query.where(identitystore_users.c.user_name_normalized == normalize(user_name))
    if after is not None:
        query = query.where(identitystore_users.c.user_id > after)
    rows = connection.execute(query.order_by(identitystore_users.c.user_id).limit(limit))
    return [_user(row) for row in rows]


def insert(connection: Connection, user: StoredUser) -> None:
    """Insert a new user; raises ConflictException when the user name is taken."""
    attributes = user.attributes
    user_name = attributes.user_name or ""
    if find_by_user_name(connection, user.store_id, user_name) is not None:
        raise ConflictException(DUPLICATE_USER_NAME, UNIQUENESS_CONSTRAINT_VIOLATION)
    try:
        connection.execute(
            identitystore_users.insert().values(
                identity_store_id=user.store_id,
                user_id=user.user_id,
                user_name=user_name,
                user_name_normalized=normalize(user_name),
                display_name=attributes.display_name,
                attributes_json=orjson.dumps(attributes.other).decode(),
                external_ids_json=orjson.dumps(user.external_ids).decode(),
                created_at=user.created_at,
                updated_at=user.updated_at,
            )
        )
    except IntegrityError:
        # Another transaction took the name between the check and the insert.
        raise ConflictException(DUPLICATE_USER_NAME, UNIQUENESS_CONSTRAINT_VIOLATION) from None


def update(connection: Connection, user: StoredUser) -> None:
    """Write the user's attributes; raises ConflictException when the new name is taken."""
    attributes = user.attributes
    user_name = attributes.user_name or ""
    holder = find_by_user_name(connection, user.store_id, user_name)
    if holder is not None and holder.user_id != user.user_id:
        raise ConflictException(DUPLICATE_USER_NAME, UNIQUENESS_CONSTRAINT_VIOLATION)
    try:
        connection.execute(
            identitystore_users.update()
            .where(
                identitystore_users.c.identity_store_id == user.store_id,
                identitystore_users.c.user_id == user.user_id,
            )
            .values(
                user_name=user_name,
                user_name_normalized=normalize(user_name),
                display_name=attributes.display_name,
                attributes_json=orjson.dumps(attributes.other).decode(),
                updated_at=user.updated_at,
            )
        )
    except IntegrityError:
        raise ConflictException(DUPLICATE_USER_NAME, UNIQUENESS_CONSTRAINT_VIOLATION) from None


def remove(connection: Connection, store_id: str, user_id: str) -> None:
    """Delete the user, its group memberships, its access portal sign-in state (password, MFA
    devices and sessions) and its sso-oidc codes and tokens, so that a deleted user cannot sign
    in again and no token of the user remains usable."""
    connection.execute(
        delete(identitystore_memberships).where(
            identitystore_memberships.c.identity_store_id == store_id,
            identitystore_memberships.c.member_user_id == user_id,
        )
    )
    for table in (portal_credentials, mfa_devices, portal_sessions, oidc_grants):
        connection.execute(
            delete(table).where(table.c.identity_store_id == store_id, table.c.user_id == user_id)
        )
    connection.execute(
        delete(identitystore_users).where(
            identitystore_users.c.identity_store_id == store_id,
            identitystore_users.c.user_id == user_id,
        )
    )
