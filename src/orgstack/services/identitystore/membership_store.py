"""Group memberships of an identity store in the `identitystore_memberships` table.

A (group, user) pair is unique per store, enforced by the table's unique constraint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.exc import IntegrityError

from orgstack.services.identitystore.errors import ConflictException
from orgstack.store.schema_identity import identitystore_memberships as memberships

MEMBERSHIP_EXISTS = "Member and group relationship already exists."


@dataclass(frozen=True)
class StoredMembership:
    store_id: str
    membership_id: str
    group_id: str
    user_id: str
    created_at: dt.datetime


def _membership(row: Row[Any]) -> StoredMembership:
    return StoredMembership(
        store_id=row.identity_store_id,
        membership_id=row.membership_id,
        group_id=row.group_id,
        user_id=row.member_user_id,
        created_at=row.created_at,
    )


def find(connection: Connection, store_id: str, membership_id: str) -> StoredMembership | None:
    row = connection.execute(
        select(memberships).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.membership_id == membership_id,
        )
    ).first()
    return _membership(row) if row is not None else None


def find_pair(
    connection: Connection, store_id: str, group_id: str, user_id: str
) -> StoredMembership | None:
    row = connection.execute(
        select(memberships).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.group_id == group_id,
            memberships.c.member_user_id == user_id,
        )
    ).first()
    return _membership(row) if row is not None else None


def insert(connection: Connection, membership: StoredMembership) -> None:
    """Insert a membership; raises ConflictException when the pair already exists."""
    existing = find_pair(connection, membership.store_id, membership.group_id, membership.user_id)
    if existing is not None:
        raise ConflictException(MEMBERSHIP_EXISTS)
    try:
        connection.execute(
            memberships.insert().values(
                identity_store_id=membership.store_id,
                membership_id=membership.membership_id,
                group_id=membership.group_id,
                member_user_id=membership.user_id,
                created_at=membership.created_at,
            )
        )
    except IntegrityError:
        # A concurrent call created the same membership first.
        raise ConflictException(MEMBERSHIP_EXISTS) from None


def remove(connection: Connection, store_id: str, membership_id: str) -> None:
    connection.execute(
        delete(memberships).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.membership_id == membership_id,
        )
    )


def page(
    connection: Connection,
    store_id: str,
    after: str | None,
    limit: int,
    group_id: str | None = None,
    user_id: str | None = None,
) -> list[StoredMembership]:
    """Return up to `limit` memberships of a group or of a user, ordered by membership id."""
    query = select(memberships).where(memberships.c.identity_store_id == store_id)
    if group_id is not None:
        query = query.where(memberships.c.group_id == group_id)
    if user_id is not None:
        query = query.where(memberships.c.member_user_id == user_id)
    if after is not None:
        query = query.where(memberships.c.membership_id > after)
    rows = connection.execute(query.order_by(memberships.c.membership_id).limit(limit))
    return [_membership(row) for row in rows]


def groups_joined(
    connection: Connection, store_id: str, user_id: str, group_ids: list[str]
) -> set[str]:
    """Return which of `group_ids` the user is a member of."""
    rows = connection.execute(
        select(memberships.c.group_id).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.member_user_id == user_id,
            memberships.c.group_id.in_(group_ids),
        )
    )
    return {row.group_id for row in rows}
