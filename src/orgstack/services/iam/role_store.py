"""Storage of IAM roles with their tags, inline policies and attached managed policies.

Every function takes the account that owns the role; role names are matched without regard to case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from orgstack.store.schema import (
    accounts,
    iam_role_attached_policies,
    iam_role_inline_policies,
    iam_role_tags,
    iam_roles,
)


@dataclass(frozen=True)
class RoleRow:
    account_id: str
    name: str
    role_id: str
    arn: str
    path: str
    assume_role_policy: str
    description: str
    max_session_duration: int
    permissions_boundary_arn: str | None
    created_at: dt.datetime


def _row_to_role(row: object) -> RoleRow:
    mapping = row._mapping  # type: ignore[attr-defined]
    return RoleRow(
        account_id=mapping["account_id"],
        name=mapping["name"],
        role_id=mapping["role_id"],
        arn=mapping["arn"],
        path=mapping["path"],
        assume_role_policy=mapping["assume_role_policy"],
        description=mapping["description"],
        max_session_duration=mapping["max_session_duration"],
        permissions_boundary_arn=mapping["permissions_boundary_arn"],
        created_at=mapping["created_at"],
    )


def find_role(connection: Connection, account_id: str, name: str) -> RoleRow | None:
    row = connection.execute(
        select(iam_roles).where(
            iam_roles.c.account_id == account_id, iam_roles.c.name_normalized == name.lower()
        )
    ).first()
    return _row_to_role(row) if row is not None else None


def list_roles(connection: Connection, account_id: str) -> list[RoleRow]:
    """Return the account's roles ordered by name without regard to case."""
    rows = connection.execute(
        select(iam_roles)
        .where(iam_roles.c.account_id == account_id)
        .order_by(iam_roles.c.name_normalized)
    )
    return [_row_to_role(row) for row in rows]


def insert_role(connection: Connection, role: RoleRow) -> None:
    connection.execute(
        insert(iam_roles).values(
            account_id=role.account_id,
            name_normalized=role.name.lower(),
            name=role.name,
            role_id=role.role_id,
            arn=role.arn,
            path=role.path,
            assume_role_policy=role.assume_role_policy,
            description=role.description,
            max_session_duration=role.max_session_duration,
            permissions_boundary_arn=role.permissions_boundary_arn,
            created_at=role.created_at,
        )
    )


def update_role(connection: Connection, account_id: str, name: str, **values: object) -> None:
    """Set columns of one role; `values` are column names of the `iam_roles` table."""
    connection.execute(
        update(iam_roles)
        .where(iam_roles.c.account_id == account_id, iam_roles.c.name_normalized == name.lower())
        .values(**values)
    )


def delete_role(connection: Connection, account_id: str, name: str) -> None:
    """Delete the role and its tags; the caller has checked that no policy remains."""
    connection.execute(
        delete(iam_role_tags).where(
            iam_role_tags.c.account_id == account_id,
            iam_role_tags.c.role_name_normalized == name.lower(),
        )
    )
    connection.execute(
        delete(iam_roles).where(
            iam_roles.c.account_id == account_id, iam_roles.c.name_normalized == name.lower()
        )
    )


def roles_with_boundary(connection: Connection, account_id: str, policy_arn: str) -> list[RoleRow]:
    rows = connection.execute(
        select(iam_roles)
        .where(
            iam_roles.c.account_id == account_id,
            iam_roles.c.permissions_boundary_arn == policy_arn,
        )
        .order_by(iam_roles.c.name_normalized)
    )
    return [_row_to_role(row) for row in rows]


# Tags


def role_tags(connection: Connection, account_id: str, name: str) -> list[tuple[str, str]]:
    """Return the role's tags as (key, value) pairs ordered by key without regard to case."""
    rows = connection.execute(
        select(iam_role_tags.c.key, iam_role_tags.c.value)
        .where(
            iam_role_tags.c.account_id == account_id,
            iam_role_tags.c.role_name_normalized == name.lower(),
        )
        .order_by(iam_role_tags.c.key_normalized)
    )
    return [(row.key, row.value) for row in rows]


def put_role_tags(
    connection: Connection, account_id: str, name: str, tags: list[tuple[str, str]]
) -> None:
    """Add or overwrite tags; a key that differs only in case replaces the stored one."""
    keys = [key.lower() for key, _ in tags]
    remove_role_tags(connection, account_id, name, keys)
    for key, value in tags:
        connection.execute(
            insert(iam_role_tags).values(
                account_id=account_id,
                role_name_normalized=name.lower(),
                key_normalized=key.lower(),
                key=key,
                value=value,
            )
        )


def remove_role_tags(connection: Connection, account_id: str, name: str, keys: list[str]) -> None:
    if not keys:
        return
    connection.execute(
        delete(iam_role_tags).where(
            iam_role_tags.c.account_id == account_id,
            iam_role_tags.c.role_name_normalized == name.lower(),
            iam_role_tags.c.key_normalized.in_([key.lower() for key in keys]),
        )
    )


# Inline policies


def inline_policies(connection: Connection, account_id: str, name: str) -> list[tuple[str, str]]:
    """Return the role's inline policies as (policy name, document) ordered by policy name."""
    rows = connection.execute(
        select(iam_role_inline_policies.c.policy_name, iam_role_inline_policies.c.document)
        .where(
            iam_role_inline_policies.c.account_id == account_id,
            iam_role_inline_policies.c.role_name_normalized == name.lower(),
        )
        .order_by(iam_role_inline_policies.c.policy_name)
    )
    return [(row.policy_name, row.document) for row in rows]


def put_inline_policy(
    connection: Connection, account_id: str, name: str, policy_name: str, document: str
) -> None:
    delete_inline_policy(connection, account_id, name, policy_name)
    connection.execute(
        insert(iam_role_inline_policies).values(
            account_id=account_id,
            role_name_normalized=name.lower(),
            policy_name=policy_name,
            document=document,
        )
    )


def delete_inline_policy(
    connection: Connection, account_id: str, name: str, policy_name: str
) -> int:
    """Delete one inline policy and return how many rows were deleted (0 or 1)."""
    result = connection.execute(
        delete(iam_role_inline_policies).where(
            iam_role_inline_policies.c.account_id == account_id,
            iam_role_inline_policies.c.role_name_normalized == name.lower(),
            iam_role_inline_policies.c.policy_name == policy_name,
        )
    )
    return result.rowcount


# Attached managed policies


def attached_policy_arns(connection: Connection, account_id: str, name: str) -> list[str]:
    rows = connection.execute(
        select(iam_role_attached_policies.c.policy_arn)
        .where(
            iam_role_attached_policies.c.account_id == account_id,
            iam_role_attached_policies.c.role_name_normalized == name.lower(),
        )
        .order_by(iam_role_attached_policies.c.policy_arn)
    )
    return [row.policy_arn for row in rows]


def attach_policy(connection: Connection, account_id: str, name: str, policy_arn: str) -> None:
    connection.execute(
        insert(iam_role_attached_policies).values(
            account_id=account_id, role_name_normalized=name.lower(), policy_arn=policy_arn
        )
    )


def detach_policy(connection: Connection, account_id: str, name: str, policy_arn: str) -> int:
    """Detach one policy and return how many rows were deleted (0 or 1)."""
    result = connection.execute(
        delete(iam_role_attached_policies).where(
            iam_role_attached_policies.c.account_id == account_id,
            iam_role_attached_policies.c.role_name_normalized == name.lower(),
            iam_role_attached_policies.c.policy_arn == policy_arn,
        )
    )
    return result.rowcount


def roles_attached_to(connection: Connection, account_id: str, policy_arn: str) -> list[RoleRow]:
    rows = connection.execute(
        select(iam_roles)
        .join(
            iam_role_attached_policies,
            (iam_role_attached_policies.c.account_id == iam_roles.c.account_id)
            & (iam_role_attached_policies.c.role_name_normalized == iam_roles.c.name_normalized),
        )
        .where(
            iam_roles.c.account_id == account_id,
            iam_role_attached_policies.c.policy_arn == policy_arn,
        )
        .order_by(iam_roles.c.name_normalized)
    )
    return [_row_to_role(row) for row in rows]


def attachment_counts(connection: Connection, account_id: str) -> dict[str, int]:
    """Return, for each policy ARN attached to a role of the account, how many roles use it."""
    rows = connection.execute(
        select(iam_role_attached_policies.c.policy_arn, func.count())
        .where(iam_role_attached_policies.c.account_id == account_id)
        .group_by(iam_role_attached_policies.c.policy_arn)
    )
    return {row[0]: int(row[1]) for row in rows}


def boundary_counts(connection: Connection, account_id: str) -> dict[str, int]:
    """Return, for each policy ARN used as a permissions boundary in the account, its role count."""
    rows = connection.execute(
        select(iam_roles.c.permissions_boundary_arn, func.count())
        .where(
            iam_roles.c.account_id == account_id,
            iam_roles.c.permissions_boundary_arn.is_not(None),
        )
        .group_by(iam_roles.c.permissions_boundary_arn)
    )
    return {row[0]: int(row[1]) for row in rows}


def account_exists(connection: Connection, account_id: str) -> bool:
    """Return whether orgstack stores the account, so that its roles can be checked."""
    row = connection.execute(select(accounts.c.id).where(accounts.c.id == account_id)).first()
    return row is not None
