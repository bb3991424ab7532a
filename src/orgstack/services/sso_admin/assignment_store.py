"""Storage of account assignments: a user or group of the identity store, given a permission set
in one account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select

from orgstack.store.schema_identity import account_assignments


@dataclass(frozen=True)
class Assignment:
    instance_arn: str
    account_id: str
    permission_set_arn: str
    principal_type: str
    principal_id: str

    def reply(self) -> dict[str, Any]:
        """Return the `AccountAssignment` structure of the API."""
        return {
            "AccountId": self.account_id,
            "PermissionSetArn": self.permission_set_arn,
            "PrincipalType": self.principal_type,
            "PrincipalId": self.principal_id,
        }

    def sort_key(self) -> str:
        return "|".join(
            (self.account_id, self.permission_set_arn, self.principal_type, self.principal_id)
        )


def _assignment(row: Row[Any]) -> Assignment:
    return Assignment(
        instance_arn=row.instance_arn,
        account_id=row.account_id,
        permission_set_arn=row.permission_set_arn,
        principal_type=row.principal_type,
        principal_id=row.principal_id,
    )


def _matches(assignment: Assignment) -> Any:
    table = account_assignments
    return (
        (table.c.instance_arn == assignment.instance_arn)
        & (table.c.account_id == assignment.account_id)
        & (table.c.permission_set_arn == assignment.permission_set_arn)
        & (table.c.principal_type == assignment.principal_type)
        & (table.c.principal_id == assignment.principal_id)
    )


def exists(connection: Connection, assignment: Assignment) -> bool:
    found = connection.execute(
        select(account_assignments.c.account_id).where(_matches(assignment))
    ).first()
    return found is not None


def insert_assignment(connection: Connection, assignment: Assignment, now: dt.datetime) -> None:
    connection.execute(
        insert(account_assignments).values(
            instance_arn=assignment.instance_arn,
            account_id=assignment.account_id,
            permission_set_arn=assignment.permission_set_arn,
            principal_type=assignment.principal_type,
            principal_id=assignment.principal_id,
            created_at=now,
        )
    )


def delete_assignment(connection: Connection, assignment: Assignment) -> int:
    """Delete the assignment and return how many rows were deleted (0 or 1)."""
    return connection.execute(delete(account_assignments).where(_matches(assignment))).rowcount


def for_account_and_set(
    connection: Connection, instance_arn: str, account_id: str, permission_set_arn: str
) -> list[Assignment]:
    table = account_assignments
    rows = connection.execute(
        select(table).where(
            table.c.instance_arn == instance_arn,
            table.c.account_id == account_id,
            table.c.permission_set_arn == permission_set_arn,
        )
    )
    return [_assignment(row) for row in rows]


def for_principal(
    connection: Connection,
    instance_arn: str,
    principal_type: str,
    principal_id: str,
    account_id: str | None,
) -> list[Assignment]:
    table = account_assignments
    query = select(table).where(
        table.c.instance_arn == instance_arn,
        table.c.principal_type == principal_type,
        table.c.principal_id == principal_id,
    )
    if account_id is not None:
        query = query.where(table.c.account_id == account_id)
    return [_assignment(row) for row in connection.execute(query)]


def count_for_permission_set(connection: Connection, permission_set_arn: str) -> int:
    table = account_assignments
    return int(
        connection.execute(
            select(func.count())
            .select_from(table)
            .where(table.c.permission_set_arn == permission_set_arn)
        ).scalar_one()
    )


def count_for_account_and_set(
    connection: Connection, account_id: str, permission_set_arn: str
) -> int:
    table = account_assignments
    return int(
        connection.execute(
            select(func.count())
            .select_from(table)
            .where(
                table.c.account_id == account_id,
                table.c.permission_set_arn == permission_set_arn,
            )
        ).scalar_one()
    )
