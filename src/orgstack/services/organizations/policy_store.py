"""Storage of Organizations policies and their attachments.

AWS managed policies (`FullAWSAccess`, `RCPFullAWSAccess`) are stored once with no organization
and are visible to every organization; their attachments belong to each organization.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from orgstack.services.organizations.locks import lock_organization as lock_organization
from orgstack.store.schema import (
    accounts,
    organizational_units,
    policies,
    policy_attachments,
)


@dataclass(frozen=True)
class PolicyRow:
    id: str
    organization_id: str | None
    name: str
    description: str
    type: str
    content: str
    aws_managed: bool
    arn: str
    created_at: dt.datetime
    updated_at: dt.datetime


def _row(row: Any) -> PolicyRow:
    return PolicyRow(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        description=row.description,
        type=row.type,
        content=row.content,
        aws_managed=bool(row.aws_managed),
        arn=row.arn,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _visible_to(organization_id: str) -> Any:
    return or_(policies.c.organization_id == organization_id, policies.c.organization_id.is_(None))


# The statements that most calls run are built once: building a statement costs several times
# more CPU than running a cached one on SQLite.
_FIND_POLICY = (
    select(policies)
    .where(policies.c.id == bindparam("policy_id"))
    .where(
        or_(
            policies.c.organization_id == bindparam("organization_id"),
            policies.c.organization_id.is_(None),
        )
    )
)
_COUNT_POLICIES = (
    select(func.count())
    .select_from(policies)
    .where(policies.c.organization_id == bindparam("organization_id"))
    .where(policies.c.type == bindparam("policy_type"))
)
_INSERT_POLICY = insert(policies)
_IS_ATTACHED = (
    select(policy_attachments.c.policy_id)
    .where(policy_attachments.c.policy_id == bindparam("policy_id"))
    .where(policy_attachments.c.target_id == bindparam("target_id"))
)
_COUNT_ATTACHED = (
    select(func.count())
    .select_from(policy_attachments.join(policies))
    .where(policy_attachments.c.target_id == bindparam("target_id"))
    .where(policies.c.type == bindparam("policy_type"))
)
_DETACH = (
    delete(policy_attachments)
    .where(policy_attachments.c.policy_id == bindparam("policy_id"))
    .where(policy_attachments.c.target_id == bindparam("target_id"))
)


def find_policy(connection: Connection, organization_id: str, policy_id: str) -> PolicyRow | None:
    """Return the policy when the organization may see it: its own or an AWS managed one."""
    row = connection.execute(
        _FIND_POLICY, {"policy_id": policy_id, "organization_id": organization_id}
    ).first()
    return None if row is None else _row(row)


def list_policies(
    connection: Connection, organization_id: str, policy_type: str
) -> list[PolicyRow]:
    """Return the policies of one type, ordered by ID (the pagination key)."""
    rows = connection.execute(
        select(policies)
        .where(policies.c.type == policy_type)
        .where(_visible_to(organization_id))
        .order_by(policies.c.id)
    ).all()
    return [_row(row) for row in rows]


def name_taken(
    connection: Connection,
    organization_id: str,
    name: str,
    policy_type: str,
    other_than: str | None = None,
) -> bool:
    query = (
        select(policies.c.id)
        .where(policies.c.name == name)
        .where(policies.c.type == policy_type)
        .where(_visible_to(organization_id))
    )
    if other_than is not None:
        query = query.where(policies.c.id != other_than)
    return connection.execute(query.limit(1)).first() is not None


def count_policies(connection: Connection, organization_id: str, policy_type: str) -> int:
    """Count the organization's own policies of a type; AWS managed ones do not count."""
    count = connection.execute(
        _COUNT_POLICIES, {"organization_id": organization_id, "policy_type": policy_type}
    ).scalar_one()
    return int(count)


def insert_policy(connection: Connection, policy: PolicyRow) -> None:
    connection.execute(
        _INSERT_POLICY,
        {
            "id": policy.id,
            "organization_id": policy.organization_id,
            "name": policy.name,
            "description": policy.description,
            "type": policy.type,
            "content": policy.content,
            "aws_managed": policy.aws_managed,
            "arn": policy.arn,
            "created_at": policy.created_at,
            "updated_at": policy.updated_at,
        },
    )


def update_policy(
    connection: Connection,
    policy_id: str,
    changes: dict[str, str],
    now: dt.datetime,
) -> None:
    """Apply `changes` (column name to new value) to a policy and stamp its update time."""
    connection.execute(
        update(policies).where(policies.c.id == policy_id).values(**changes, updated_at=now)
    )


def delete_policy(connection: Connection, policy_id: str) -> None:
    connection.execute(delete(policies).where(policies.c.id == policy_id))


# Attachments


def is_attached(connection: Connection, policy_id: str, target_id: str) -> bool:
    found = connection.execute(
        _IS_ATTACHED, {"policy_id": policy_id, "target_id": target_id}
    ).first()
    return found is not None


def in_use(connection: Connection, policy_id: str) -> bool:
    found = connection.execute(
        select(policy_attachments.c.target_id)
        .where(policy_attachments.c.policy_id == policy_id)
        .limit(1)
    ).first()
    return found is not None


def count_attached(connection: Connection, target_id: str, policy_type: str) -> int:
    count = connection.execute(
        _COUNT_ATTACHED, {"target_id": target_id, "policy_type": policy_type}
    ).scalar_one()
    return int(count)


@dataclass(frozen=True)
class Attached:
    """A policy attached to a target, with the attachment's time."""

    policy: PolicyRow
    attached_at: dt.datetime


def attached_policies(connection: Connection, target_id: str, policy_type: str) -> list[Attached]:
    """Return the policies of a type attached to a target, in attachment order."""
    rows = connection.execute(
        select(policies, policy_attachments.c.attached_at)
        .select_from(policy_attachments.join(policies))
        .where(policy_attachments.c.target_id == target_id)
        .where(policies.c.type == policy_type)
        .order_by(policy_attachments.c.sequence)
    ).all()
    return [Attached(_row(row), row.attached_at) for row in rows]


def detach(connection: Connection, policy_id: str, target_id: str) -> None:
    connection.execute(_DETACH, {"policy_id": policy_id, "target_id": target_id})


def detach_type(connection: Connection, organization_id: str, policy_type: str) -> None:
    """Detach every policy of a type from every target of the organization."""
    of_type = select(policies.c.id).where(policies.c.type == policy_type)
    connection.execute(
        delete(policy_attachments)
        .where(policy_attachments.c.organization_id == organization_id)
        .where(policy_attachments.c.policy_id.in_(of_type))
    )


def target_ids_page(
    connection: Connection,
    organization_id: str,
    policy_id: str,
    after: str | None,
    limit: int,
) -> list[str]:
    """Return up to `limit` IDs of the targets a policy is attached to, ordered, after `after`."""
    query = (
        select(policy_attachments.c.target_id)
        .where(policy_attachments.c.organization_id == organization_id)
        .where(policy_attachments.c.policy_id == policy_id)
    )
    if after is not None:
        query = query.where(policy_attachments.c.target_id > after)
    rows = connection.execute(query.order_by(policy_attachments.c.target_id).limit(limit)).all()
    return [row.target_id for row in rows]


def attach_everywhere(
    connection: Connection,
    policy_id: str,
    organization_id: str,
    root_id: str,
    now: dt.datetime,
) -> None:
    """Attach a policy to the root and to every OU and account, in one statement per kind.

    An organization may hold 100,000 accounts, so the rows are inserted in bulk rather than
    one `attachments.attach` call each.
    """
    start = time.time_ns()
    ou_ids = connection.execute(
        select(organizational_units.c.id)
        .where(organizational_units.c.organization_id == organization_id)
        .order_by(organizational_units.c.depth, organizational_units.c.id)
    ).all()
    account_ids = connection.execute(
        select(accounts.c.id)
        .where(accounts.c.organization_id == organization_id)
        .order_by(accounts.c.id)
    ).all()

    targets = [(root_id, "ROOT")]
    targets.extend((row.id, "ORGANIZATIONAL_UNIT") for row in ou_ids)
    targets.extend((row.id, "ACCOUNT") for row in account_ids)
    rows = [
        {
            "policy_id": policy_id,
            "target_id": target_id,
            "target_type": target_type,
            "organization_id": organization_id,
            "sequence": start + offset + 1,
            "attached_at": now,
        }
        for offset, (target_id, target_type) in enumerate(targets)
    ]
    connection.execute(insert(policy_attachments), rows)


def attachments_of_type(
    connection: Connection, organization_id: str, policy_type: str
) -> list[tuple[str, Attached]]:
    """Return (target ID, attachment) for every policy of a type attached in the organization.

    Ordered by attachment, which decides how policies at one level merge.
    """
    rows = connection.execute(
        select(policies, policy_attachments.c.target_id, policy_attachments.c.attached_at)
        .select_from(policy_attachments.join(policies))
        .where(policy_attachments.c.organization_id == organization_id)
        .where(policies.c.type == policy_type)
        .order_by(policy_attachments.c.sequence)
    ).all()
    return [(row.target_id, Attached(_row(row), row.attached_at)) for row in rows]
