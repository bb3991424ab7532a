"""The one writer of audit events.

An event of a call that changes state is written in the same transaction as the change, so the two
commit together or not at all. Events of read-only calls record no change; they are queued and
written in batches by a background thread, which keeps reads from paying for a durable commit each.
A crash can lose the read events of the last flush interval (at most `FLUSH_SECONDS`), never an
event of a change.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

import orjson
from sqlalchemy import Connection, insert

from orgstack.audit.events import AuditEvent, parse_time
from orgstack.auth.principals import ROOT
from orgstack.store.db import Database
from orgstack.store.schema import audit_event_resources, audit_events

log = logging.getLogger("orgstack.audit")

FLUSH_SECONDS = 0.25
MAX_BATCH = 2000


def _username(record: dict[str, Any]) -> str | None:
    identity = record.get("userIdentity") or {}
    if identity.get("type") == ROOT:
        return "root"
    if identity.get("userName"):
        return str(identity["userName"])
    arn = identity.get("arn")
    if identity.get("type") == "AssumedRole" and arn:
        # CloudTrail shows an assumed-role caller by its session name.
        return str(arn).rsplit("/", 1)[-1]
    return None


def _rows(events: list[AuditEvent]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    event_rows: list[dict[str, Any]] = []
    resource_rows: list[dict[str, Any]] = []
    for event in events:
        record = event.record
        event_rows.append(
            {
                "event_id": event.event_id,
                "event_time": parse_time(record["eventTime"]),
                "event_source": record["eventSource"],
                "event_name": record["eventName"],
                "recipient_account_id": record.get("recipientAccountId"),
                "username": _username(record),
                "access_key_id": (record.get("userIdentity") or {}).get("accessKeyId"),
                "read_only": bool(record.get("readOnly")),
                "request_id": record.get("requestID"),
                "aws_region": record.get("awsRegion"),
                "record_json": orjson.dumps(record).decode(),
            }
        )
        for resource_type, name in dict.fromkeys(event.resources):
            resource_rows.append(
                {"event_id": event.event_id, "resource_type": resource_type, "resource_name": name}
            )
    return event_rows, resource_rows


# Built once: every change writes its event with them.
_INSERT_EVENTS = insert(audit_events)
_INSERT_RESOURCES = insert(audit_event_resources)


def insert_events(connection: Connection, events: list[AuditEvent]) -> None:
    event_rows, resource_rows = _rows(events)
    if event_rows:
        connection.execute(_INSERT_EVENTS, event_rows)
    if resource_rows:
        connection.execute(_INSERT_RESOURCES, resource_rows)


class AuditWriter:
    """Writes events in the caller's transaction, or queues read-only events for a batch."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._queue: deque[AuditEvent] = deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def write(self, connection: Connection, event: AuditEvent) -> None:
        insert_events(connection, [event])

    def write_alone(self, event: AuditEvent) -> None:
        """Write one event in a transaction of its own (a failed change records its failure)."""
        with self._database.transaction() as connection:
            insert_events(connection, [event])

    def enqueue(self, event: AuditEvent) -> None:
        self._queue.append(event)
        if len(self._queue) >= MAX_BATCH:
            self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> None:
        """Write every queued event now."""
        while self._queue:
            batch: list[AuditEvent] = []
            while self._queue and len(batch) < MAX_BATCH:
                batch.append(self._queue.popleft())
            try:
                with self._database.transaction() as connection:
                    insert_events(connection, batch)
            except Exception:
                log.exception("audit batch write failed events=%d; retrying later", len(batch))
                self._queue.extendleft(reversed(batch))
                return

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            self.flush()
