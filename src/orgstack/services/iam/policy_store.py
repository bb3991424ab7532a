"""Storage of customer managed policies, their versions and their tags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from orgstack.store.schema import iam_policies, iam_policy_tags, iam_policy_versions


@dataclass(frozen=True)
class PolicyRow:
    account_id: str
    name: str
    policy_id: str
    arn: str
    path: str
    description: str
    default_version_id: str
    next_version_number: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class VersionRow:
    version_id: str
    document: str
    created_at: dt.datetime


def _row_to_policy(row: object) -> PolicyRow:
    mapping = row._mapping  # type: ignore[attr-defined]
    return PolicyRow(
        account_id=mapping["account_id"],
        name=mapping["name"],
        policy_id=mapping["policy_id"],
        arn=mapping["arn"],
        path=mapping["path"],
        description=mapping["description"],
        default_version_id=mapping["default_version_id"],
        next_version_number=mapping["next_version_number"],
        created_at=mapping["created_at"],
        updated_at=mapping["updated_at"],
    )


def find_by_arn(connection: Connection, account_id: str, arn: str) -> PolicyRow | None:
    row = connection.execute(
        select(iam_policies).where(
            iam_policies.c.account_id == account_id, iam_policies.c.arn == arn
        )
    ).first()
    return _row_to_policy(row) if row is not None else None


def find_by_name(connection: Connection, account_id: str, name: str) -> PolicyRow | None:
    row = connection.execute(
        select(iam_policies).where(
            iam_policies.c.account_id == account_id,
            iam_policies.c.name_normalized == name.lower(),
        )
    ).first()
    return _row_to_policy(row) if row is not None else None


def list_policies(connection: Connection, account_id: str) -> list[PolicyRow]:
    rows = connection.execute(
        select(iam_policies)
        .where(iam_policies.c.account_id == account_id)
        .order_by(iam_policies.c.name_normalized)
    )
    return [_row_to_policy(row) for row in rows]


def insert_policy(connection: Connection, policy: PolicyRow, document: str) -> None:
    """Store a new policy with its first version, which is the default."""
    connection.execute(
        insert(iam_policies).values(
            account_id=policy.account_id,
            name_normalized=policy.name.lower(),
            name=policy.name,
            policy_id=policy.policy_id,
            arn=policy.arn,
            path=policy.path,
            description=policy.description,
            default_version_id=policy.default_version_id,
            next_version_number=policy.next_version_number,
            created_at=policy.created_at,
            updated_at=policy.updated_at,
        )
    )
    insert_version(
        connection, policy.policy_id, policy.default_version_id, document, policy.created_at
    )


def delete_policy(connection: Connection, policy_id: str) -> None:
    """Delete the policy with its versions and tags."""
    connection.execute(
        delete(iam_policy_versions).where(iam_policy_versions.c.policy_id == policy_id)
    )
    connection.execute(delete(iam_policy_tags).where(iam_policy_tags.c.policy_id == policy_id))
    connection.execute(delete(iam_policies).where(iam_policies.c.policy_id == policy_id))


def update_policy(connection: Connection, policy_id: str, **values: object) -> None:
    """Set columns of one policy; `values` are column names of the `iam_policies` table."""
    connection.execute(
        update(iam_policies).where(iam_policies.c.policy_id == policy_id).values(**values)
    )


# Versions


def versions(connection: Connection, policy_id: str) -> list[VersionRow]:
    """Return the policy's versions, newest first."""
    rows = connection.execute(
        select(iam_policy_versions).where(iam_policy_versions.c.policy_id == policy_id)
    )
    found = [VersionRow(row.version_id, row.document, row.created_at) for row in rows]
    return sorted(found, key=lambda version: _version_number(version.version_id), reverse=True)


def _version_number(version_id: str) -> int:
    return int(version_id.removeprefix("v"))


def find_version(connection: Connection, policy_id: str, version_id: str) -> VersionRow | None:
    row = connection.execute(
        select(iam_policy_versions).where(
            iam_policy_versions.c.policy_id == policy_id,
            iam_policy_versions.c.version_id == version_id,
        )
    ).first()
    return VersionRow(row.version_id, row.document, row.created_at) if row is not None else None


def insert_version(
    connection: Connection, policy_id: str, version_id: str, document: str, now: dt.datetime
) -> None:
    connection.execute(
        insert(iam_policy_versions).values(
            policy_id=policy_id, version_id=version_id, document=document, created_at=now
        )
    )


def delete_version(connection: Connection, policy_id: str, version_id: str) -> None:
    connection.execute(
        delete(iam_policy_versions).where(
            iam_policy_versions.c.policy_id == policy_id,
            iam_policy_versions.c.version_id == version_id,
        )
    )


# Tags


def policy_tags(connection: Connection, policy_id: str) -> list[tuple[str, str]]:
    rows = connection.execute(
        select(iam_policy_tags.c.key, iam_policy_tags.c.value)
        .where(iam_policy_tags.c.policy_id == policy_id)
        .order_by(iam_policy_tags.c.key_normalized)
    )
    return [(row.key, row.value) for row in rows]


def put_policy_tags(connection: Connection, policy_id: str, tags: list[tuple[str, str]]) -> None:
    for key, value in tags:
        connection.execute(
            delete(iam_policy_tags).where(
                iam_policy_tags.c.policy_id == policy_id,
                iam_policy_tags.c.key_normalized == key.lower(),
            )
        )
        connection.execute(
            insert(iam_policy_tags).values(
                policy_id=policy_id, key_normalized=key.lower(), key=key, value=value
            )
        )


def remove_policy_tags(connection: Connection, policy_id: str, keys: list[str]) -> None:
    if not keys:
        return
    connection.execute(
        delete(iam_policy_tags).where(
            iam_policy_tags.c.policy_id == policy_id,
            iam_policy_tags.c.key_normalized.in_([key.lower() for key in keys]),
        )
    )
