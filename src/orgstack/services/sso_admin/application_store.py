"""Records of applications, their settings, trusted token issuers and added Regions, each stored
whole as one `sso_resources` row.

A row is keyed by its ARN and its kind. A setting of an application (an assignment, an access
scope, a grant, an authentication method) has a key under the application's ARN, such as
`<application ARN>/scope/<scope>`, so that deleting the application deletes every row that starts
with its ARN.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, select, update

from orgstack.store.schema_identity import sso_resources

APPLICATION = "application"
ASSIGNMENT = "application-assignment"
ACCESS_SCOPE = "application-access-scope"
AUTHENTICATION_METHOD = "application-authentication-method"
GRANT = "application-grant"
TRUSTED_TOKEN_ISSUER = "trusted-token-issuer"  # noqa: S105 (a row kind, not a secret)
REGION = "region"


@dataclass(frozen=True)
class Record:
    """One `sso_resources` row with its JSON record decoded."""

    key: str
    instance_arn: str
    record: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


def _record(row: Row[Any]) -> Record:
    return Record(
        key=row.resource_arn,
        instance_arn=row.instance_arn,
        record=orjson.loads(row.record_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def find(connection: Connection, kind: str, key: str) -> Record | None:
    row = connection.execute(
        select(sso_resources).where(
            sso_resources.c.resource_arn == key, sso_resources.c.kind == kind
        )
    ).first()
    return _record(row) if row is not None else None


def insert(
    connection: Connection,
    kind: str,
    key: str,
    instance_arn: str,
    record: dict[str, Any],
    now: dt.datetime,
) -> None:
    connection.execute(
        sso_resources.insert().values(
            resource_arn=key,
            kind=kind,
            instance_arn=instance_arn,
            record_json=orjson.dumps(record).decode(),
            created_at=now,
            updated_at=now,
        )
    )


def replace(
    connection: Connection, kind: str, key: str, record: dict[str, Any], now: dt.datetime
) -> None:
    connection.execute(
        update(sso_resources)
        .where(sso_resources.c.resource_arn == key, sso_resources.c.kind == kind)
        .values(record_json=orjson.dumps(record).decode(), updated_at=now)
    )


def put(
    connection: Connection,
    kind: str,
    key: str,
    instance_arn: str,
    record: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Insert the record, or replace the one stored under the same key and kind."""
    if find(connection, kind, key) is None:
        insert(connection, kind, key, instance_arn, record, now)
    else:
        replace(connection, kind, key, record, now)


def remove(connection: Connection, kind: str, key: str) -> None:
    connection.execute(
        delete(sso_resources).where(
            sso_resources.c.resource_arn == key, sso_resources.c.kind == kind
        )
    )


def remove_with_children(connection: Connection, key: str) -> None:
    """Delete the row `key` of every kind (its tags too) and every row keyed under it."""
    connection.execute(
        delete(sso_resources).where(
            (sso_resources.c.resource_arn == key)
            | sso_resources.c.resource_arn.startswith(key + "/", autoescape=True)
        )
    )


def in_instance(connection: Connection, kind: str, instance_arn: str) -> list[Record]:
    rows = connection.execute(
        select(sso_resources).where(
            sso_resources.c.instance_arn == instance_arn, sso_resources.c.kind == kind
        )
    )
    return [_record(row) for row in rows]


def under(connection: Connection, kind: str, parent_key: str) -> list[Record]:
    """Return the records of `kind` keyed under `parent_key` (the settings of one application)."""
    rows = connection.execute(
        select(sso_resources).where(
            sso_resources.c.kind == kind,
            sso_resources.c.resource_arn.startswith(parent_key + "/", autoescape=True),
        )
    )
    return [_record(row) for row in rows]
