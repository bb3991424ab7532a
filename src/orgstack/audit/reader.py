"""Queries over the stored audit trail: CloudTrail's LookupEvents and the log-file export.

Both read pages cut by key, never by offset, so that events written while a reader pages through
the trail neither repeat nor shift a page. LookupEvents reads newest first by
`(event_time, event_id)`; the export reads oldest first by the same key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, Select, and_, or_, select

from orgstack.store.schema import audit_event_resources, audit_events

# The LookupAttributes keys that are columns of `audit_events`.
EVENT_COLUMNS = {
    "EventId": audit_events.c.event_id,
    "EventName": audit_events.c.event_name,
    "Username": audit_events.c.username,
    "EventSource": audit_events.c.event_source,
    "AccessKeyId": audit_events.c.access_key_id,
}
# The keys matched against the resources an event names.
RESOURCE_COLUMNS = {
    "ResourceType": audit_event_resources.c.resource_type,
    "ResourceName": audit_event_resources.c.resource_name,
}

EXPORT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class LookupFilter:
    """One LookupEvents query: whose events, one optional attribute, and a closed time range."""

    account_id: str
    region: str
    start: dt.datetime
    end: dt.datetime
    attribute_key: str | None = None
    # For `ReadOnly` the value is already "true" or "false".
    attribute_value: str | None = None


@dataclass(frozen=True)
class StoredEvent:
    """An audit event as LookupEvents returns it: the indexed columns and the whole record."""

    event_id: str
    event_time: dt.datetime
    event_name: str
    event_source: str
    read_only: bool
    username: str | None
    access_key_id: str | None
    record_json: str
    resources: tuple[tuple[str, str], ...]

    @property
    def key(self) -> tuple[dt.datetime, str]:
        return (self.event_time, self.event_id)


def lookup_events(
    connection: Connection,
    query: LookupFilter,
    limit: int,
    before: tuple[dt.datetime, str] | None = None,
) -> list[StoredEvent]:
    """Return up to `limit` events that match `query`, newest first.

    `before` is the key of the last event of the previous page; only older events follow it.
    """
    columns = audit_events.c
    statement = select(audit_events).where(
        columns.recipient_account_id == query.account_id,
        columns.aws_region == query.region,
        columns.event_time >= query.start,
        columns.event_time <= query.end,
    )
    statement = _filter_by_attribute(statement, query)
    if before is not None:
        moment, event_id = before
        statement = statement.where(
            or_(
                columns.event_time < moment,
                and_(columns.event_time == moment, columns.event_id < event_id),
            )
        )
    statement = statement.order_by(columns.event_time.desc(), columns.event_id.desc()).limit(limit)
    rows = connection.execute(statement).all()
    resources = _resources_of(connection, [row.event_id for row in rows])
    return [
        StoredEvent(
            event_id=row.event_id,
            event_time=row.event_time,
            event_name=row.event_name,
            event_source=row.event_source,
            read_only=bool(row.read_only),
            username=row.username,
            access_key_id=row.access_key_id,
            record_json=row.record_json,
            resources=tuple(resources.get(row.event_id, ())),
        )
        for row in rows
    ]


def _filter_by_attribute(
    statement: Select[tuple[object, ...]], query: LookupFilter
) -> Select[tuple[object, ...]]:
    key, value = query.attribute_key, query.attribute_value
    if key is None:
        return statement
    if key == "ReadOnly":
        return statement.where(audit_events.c.read_only == (value == "true"))
    if key in EVENT_COLUMNS:
        return statement.where(EVENT_COLUMNS[key] == value)
    named = select(audit_event_resources.c.event_id).where(RESOURCE_COLUMNS[key] == value)
    return statement.where(audit_events.c.event_id.in_(named))


def _resources_of(connection: Connection, event_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    if not event_ids:
        return {}
    table = audit_event_resources.c
    rows = connection.execute(
        select(table.event_id, table.resource_type, table.resource_name)
        .where(table.event_id.in_(event_ids))
        .order_by(table.event_id, table.resource_type, table.resource_name)
    ).all()
    resources: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        resources.setdefault(row.event_id, []).append((row.resource_type, row.resource_name))
    return resources


def iter_records(
    connection: Connection, since: dt.datetime, until: dt.datetime
) -> Iterator[dict[str, object]]:
    """Yield every stored record with `since <= eventTime < until`, oldest first.

    Reads in pages of `EXPORT_PAGE_SIZE`, so an export of millions of events keeps one page in
    memory at a time.
    """
    columns = audit_events.c
    after: tuple[dt.datetime, str] | None = None
    while True:
        statement = select(columns.event_time, columns.event_id, columns.record_json).where(
            columns.event_time >= since, columns.event_time < until
        )
        if after is not None:
            moment, event_id = after
            statement = statement.where(
                or_(
                    columns.event_time > moment,
                    and_(columns.event_time == moment, columns.event_id > event_id),
                )
            )
        statement = statement.order_by(columns.event_time, columns.event_id).limit(EXPORT_PAGE_SIZE)
        rows = connection.execute(statement).all()
        for row in rows:
            yield orjson.loads(row.record_json)
        if len(rows) < EXPORT_PAGE_SIZE:
            return
        after = (rows[-1].event_time, rows[-1].event_id)
