"""Storage of permission sets, their policy attachments and where each is provisioned.

Handlers of sso-admin read and write permission sets only through these functions. The
permissions boundary is stored as the `PermissionsBoundary` structure of the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, insert, select, update

from orgstack.store.schema_identity import (
    permission_set_customer_policies,
    permission_set_managed_policies,
    permission_set_provisioning,
    permission_sets,
    sso_resources,
)

TAGS_KIND = "tags"


@dataclass(frozen=True)
class PermissionSet:
    """One row of `permission_sets`, with its boundary decoded."""

    arn: str
    instance_arn: str
    name: str
    description: str | None
    session_duration: str
    relay_state: str | None
    inline_policy: str | None
    permissions_boundary: dict[str, Any] | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Provisioning:
    """The role of one permission set in one account, and when it was last written."""

    permission_set_arn: str
    account_id: str
    role_name: str
    provisioned_at: dt.datetime


def _permission_set(row: Row[Any]) -> PermissionSet:
    boundary = row.permissions_boundary_json
    return PermissionSet(
        arn=row.permission_set_arn,
        instance_arn=row.instance_arn,
        name=row.name,
        description=row.description,
        session_duration=row.session_duration,
        relay_state=row.relay_state,
        inline_policy=row.inline_policy,
        permissions_boundary=orjson.loads(boundary) if boundary else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def find(connection: Connection, arn: str) -> PermissionSet | None:
    row = connection.execute(
        select(permission_sets).where(permission_sets.c.permission_set_arn == arn)
    ).first()
    return _permission_set(row) if row is not None else None


def find_by_name(connection: Connection, instance_arn: str, name: str) -> PermissionSet | None:
    row = connection.execute(
        select(permission_sets).where(
            permission_sets.c.instance_arn == instance_arn, permission_sets.c.name == name
        )
    ).first()
    return _permission_set(row) if row is not None else None


def list_for_instance(connection: Connection, instance_arn: str) -> list[PermissionSet]:
    """Return the instance's permission sets ordered by ARN."""
    rows = connection.execute(
        select(permission_sets)
        .where(permission_sets.c.instance_arn == instance_arn)
        .order_by(permission_sets.c.permission_set_arn)
    )
    return [_permission_set(row) for row in rows]


def insert_permission_set(connection: Connection, permission_set: PermissionSet) -> None:
    connection.execute(
        insert(permission_sets).values(
            permission_set_arn=permission_set.arn,
            instance_arn=permission_set.instance_arn,
            name=permission_set.name,
            description=permission_set.description,
            session_duration=permission_set.session_duration,
            relay_state=permission_set.relay_state,
            inline_policy=permission_set.inline_policy,
            permissions_boundary_json=_boundary_json(permission_set.permissions_boundary),
            created_at=permission_set.created_at,
            updated_at=permission_set.updated_at,
        )
    )


def save(connection: Connection, permission_set: PermissionSet) -> None:
    """Write every changeable column of the permission set back to its row."""
    connection.execute(
        update(permission_sets)
        .where(permission_sets.c.permission_set_arn == permission_set.arn)
        .values(
            description=permission_set.description,
            session_duration=permission_set.session_duration,
            relay_state=permission_set.relay_state,
            inline_policy=permission_set.inline_policy,
            permissions_boundary_json=_boundary_json(permission_set.permissions_boundary),
            updated_at=permission_set.updated_at,
        )
    )


def touch(connection: Connection, arn: str, now: dt.datetime) -> None:
    """Record a change, which makes every provisioned copy of the set outdated."""
    connection.execute(
        update(permission_sets)
        .where(permission_sets.c.permission_set_arn == arn)
        .values(updated_at=now)
    )


def delete_permission_set(connection: Connection, arn: str) -> None:
    """Delete the set with its policy attachments, provisioning records and tags."""
    for table in (
        permission_set_managed_policies,
        permission_set_customer_policies,
        permission_set_provisioning,
    ):
        connection.execute(delete(table).where(table.c.permission_set_arn == arn))
    connection.execute(delete(sso_resources).where(sso_resources.c.resource_arn == arn))
    connection.execute(delete(permission_sets).where(permission_sets.c.permission_set_arn == arn))


def _boundary_json(boundary: dict[str, Any] | None) -> str | None:
    return orjson.dumps(boundary).decode() if boundary is not None else None


# AWS managed policies


def managed_policy_arns(connection: Connection, arn: str) -> list[str]:
    rows = connection.execute(
        select(permission_set_managed_policies.c.policy_arn)
        .where(permission_set_managed_policies.c.permission_set_arn == arn)
        .order_by(permission_set_managed_policies.c.policy_arn)
    )
    return [row.policy_arn for row in rows]


def attach_managed_policy(connection: Connection, arn: str, policy_arn: str) -> None:
    connection.execute(
        insert(permission_set_managed_policies).values(
            permission_set_arn=arn, policy_arn=policy_arn
        )
    )


def detach_managed_policy(connection: Connection, arn: str, policy_arn: str) -> int:
    """Detach one policy and return how many rows were deleted (0 or 1)."""
    result = connection.execute(
        delete(permission_set_managed_policies).where(
            permission_set_managed_policies.c.permission_set_arn == arn,
            permission_set_managed_policies.c.policy_arn == policy_arn,
        )
    )
    return result.rowcount


# Customer managed policy references


def customer_policies(connection: Connection, arn: str) -> list[tuple[str, str]]:
    """Return the set's customer managed policy references as (name, path), ordered."""
    table = permission_set_customer_policies
    rows = connection.execute(
        select(table.c.name, table.c.path)
        .where(table.c.permission_set_arn == arn)
        .order_by(table.c.path, table.c.name)
    )
    return [(row.name, row.path) for row in rows]


def attach_customer_policy(connection: Connection, arn: str, name: str, path: str) -> None:
    connection.execute(
        insert(permission_set_customer_policies).values(
            permission_set_arn=arn, name=name, path=path
        )
    )


def detach_customer_policy(connection: Connection, arn: str, name: str, path: str) -> int:
    """Detach one reference and return how many rows were deleted (0 or 1)."""
    table = permission_set_customer_policies
    result = connection.execute(
        delete(table).where(
            table.c.permission_set_arn == arn, table.c.name == name, table.c.path == path
        )
    )
    return result.rowcount


# Provisioning


def _provisioning(row: Row[Any]) -> Provisioning:
    return Provisioning(
        permission_set_arn=row.permission_set_arn,
        account_id=row.account_id,
        role_name=row.role_name,
        provisioned_at=row.provisioned_at,
    )


def provisioning(connection: Connection, arn: str, account_id: str) -> Provisioning | None:
    table = permission_set_provisioning
    row = connection.execute(
        select(table).where(table.c.permission_set_arn == arn, table.c.account_id == account_id)
    ).first()
    return _provisioning(row) if row is not None else None


def provisioned_accounts(connection: Connection, arn: str) -> list[Provisioning]:
    """Return where the set is provisioned, ordered by account id."""
    table = permission_set_provisioning
    rows = connection.execute(
        select(table).where(table.c.permission_set_arn == arn).order_by(table.c.account_id)
    )
    return [_provisioning(row) for row in rows]


def provisioned_to_account(
    connection: Connection, instance_arn: str, account_id: str
) -> list[tuple[PermissionSet, Provisioning]]:
    """Return the instance's sets provisioned to the account, ordered by set ARN."""
    table = permission_set_provisioning
    rows = connection.execute(
        select(permission_sets, table.c.account_id, table.c.role_name, table.c.provisioned_at)
        .join(table, table.c.permission_set_arn == permission_sets.c.permission_set_arn)
        .where(permission_sets.c.instance_arn == instance_arn, table.c.account_id == account_id)
        .order_by(permission_sets.c.permission_set_arn)
    )
    return [(_permission_set(row), _provisioning(row)) for row in rows]


def save_provisioning(
    connection: Connection, arn: str, account_id: str, role_name: str, now: dt.datetime
) -> None:
    table = permission_set_provisioning
    changed = connection.execute(
        update(table)
        .where(table.c.permission_set_arn == arn, table.c.account_id == account_id)
        .values(role_name=role_name, provisioned_at=now)
    ).rowcount
    if changed == 0:
        connection.execute(
            insert(table).values(
                permission_set_arn=arn,
                account_id=account_id,
                role_name=role_name,
                provisioned_at=now,
            )
        )


def delete_provisioning(connection: Connection, arn: str, account_id: str) -> None:
    table = permission_set_provisioning
    connection.execute(
        delete(table).where(table.c.permission_set_arn == arn, table.c.account_id == account_id)
    )


def is_latest(permission_set: PermissionSet, provisioned: Provisioning) -> bool:
    """Tell whether the account's role was written after the set's last change."""
    return provisioned.provisioned_at >= permission_set.updated_at
