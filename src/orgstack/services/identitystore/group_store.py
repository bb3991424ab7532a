"""Groups of an identity store in the `identitystore_groups` table.

Display names are unique per store without regard to case (the unique constraint on
`display_name_normalized`). Revisions work as for users: `updated_at` in microseconds.
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
from orgstack.services.identitystore.user_store import normalize, revision_of
from orgstack.store.schema_identity import identitystore_groups, identitystore_memberships

DUPLICATE_DISPLAY_NAME = "Duplicate GroupDisplayName"


@dataclass(frozen=True)
class StoredGroup:
    store_id: str
    group_id: str
    display_name: str
    description: str | None
    external_ids: list[dict[str, str]]
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def revision(self) -> str:
        return str(revision_of(self.updated_at))


def _group(row: Row[Any]) -> StoredGroup:
    return StoredGroup(
        store_id=row.identity_store_id,
        group_id=row.group_id,
        display_name=row.display_name,
        description=row.description,
        external_ids=orjson.loads(row.external_ids_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def find(connection: Connection, store_id: str, group_id: str) -> StoredGroup | None:
    row = connection.execute(
        select(identitystore_groups).where(
            identitystore_groups.c.identity_store_id == store_id,
            identitystore_groups.c.group_id == group_id,
        )
    ).first()
    return _group(row) if row is not None else None


def find_by_display_name(
    connection: Connection, store_id: str, display_name: str
) -> StoredGroup | None:
    row = connection.execute(
        select(identitystore_groups).where(
            identitystore_groups.c.identity_store_id == store_id,
            identitystore_groups.c.display_name_normalized == normalize(display_name),
        )
    ).first()
    return _group(row) if row is not None else None


def find_by_external_id(
    connection: Connection, store_id: str, issuer: str, external_id: str
) -> StoredGroup | None:
    rows = connection.execute(
        select(identitystore_groups)
        .where(
            identitystore_groups.c.identity_store_id == store_id,
            identitystore_groups.c.external_ids_json.contains(
                orjson.dumps(external_id).decode()[1:-1]
            ),
        )
        .order_by(identitystore_groups.c.group_id)
    )
    for row in rows:
        group = _group(row)
        if {"Issuer": issuer, "Id": external_id} in group.external_ids:
            return group
    return None


def existing_ids(connection: Connection, store_id: str, group_ids: list[str]) -> set[str]:
    rows = connection.execute(
        select(identitystore_groups.c.group_id).where(
            identitystore_groups.c.identity_store_id == store_id,
            identitystore_groups.c.group_id.in_(group_ids),
        )
    )
    return {row.group_id for row in rows}


def page(
    connection: Connection, store_id: str, after: str | None, limit: int, display_name: str | None
) -> list[StoredGroup]:
    """Return up to `limit` groups ordered by id, after the id `after`, optionally by name."""
    query = select(identitystore_groups).where(identitystore_groups.c.identity_store_id == store_id)
    if display_name is not None:
        query = query.where(
            identitystore_groups.c.display_name_normalized == normalize(display_name)
        )
    if after is not None:
        query = query.where(identitystore_groups.c.group_id > after)
    rows = connection.execute(query.order_by(identitystore_groups.c.group_id).limit(limit))
    return [_group(row) for row in rows]


def insert(connection: Connection, group: StoredGroup) -> None:
    """Insert a new group; raises ConflictException when the display name is taken."""
    if find_by_display_name(connection, group.store_id, group.display_name) is not None:
        raise ConflictException(DUPLICATE_DISPLAY_NAME, UNIQUENESS_CONSTRAINT_VIOLATION)
    try:
        connection.execute(
            identitystore_groups.insert().values(
                identity_store_id=group.store_id,
                group_id=group.group_id,
                display_name=group.display_name,
                display_name_normalized=normalize(group.display_name),
                description=group.description,
                external_ids_json=orjson.dumps(group.external_ids).decode(),
                created_at=group.created_at,
                updated_at=group.updated_at,
            )
        )
    except IntegrityError:
        # Another transaction took the name between the check and the insert.
        raise ConflictException(DUPLICATE_DISPLAY_NAME, UNIQUENESS_CONSTRAINT_VIOLATION) from None


def update(connection: Connection, group: StoredGroup) -> None:
    """Write the group's attributes; raises ConflictException when the new name is taken."""
    holder = find_by_display_name(connection, group.store_id, group.display_name)
    if holder is not None and holder.group_id != group.group_id:
        raise ConflictException(DUPLICATE_DISPLAY_NAME, UNIQUENESS_CONSTRAINT_VIOLATION)
    try:
        connection.execute(
            identitystore_groups.update()
            .where(
                identitystore_groups.c.identity_store_id == group.store_id,
                identitystore_groups.c.group_id == group.group_id,
            )
            .values(
                display_name=group.display_name,
                display_name_normalized=normalize(group.display_name),
                description=group.description,
                updated_at=group.updated_at,
            )
        )
    except IntegrityError:
        raise ConflictException(DUPLICATE_DISPLAY_NAME, UNIQUENESS_CONSTRAINT_VIOLATION) from None


def remove(connection: Connection, store_id: str, group_id: str) -> None:
    """Delete the group and its memberships."""
    connection.execute(
        delete(identitystore_memberships).where(
            identitystore_memberships.c.identity_store_id == store_id,
            identitystore_memberships.c.group_id == group_id,
        )
    )
    connection.execute(
        delete(identitystore_groups).where(
            identitystore_groups.c.identity_store_id == store_id,
            identitystore_groups.c.group_id == group_id,
        )
    )
