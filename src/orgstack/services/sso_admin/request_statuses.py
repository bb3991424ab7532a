"""The status records of sso-admin's asynchronous requests.

CreateAccountAssignment, DeleteAccountAssignment and ProvisionPermissionSet each store a record
`IN_PROGRESS` and enqueue a job in the same transaction. The job moves the record to `SUCCEEDED`,
or to `FAILED` with a reason. The record is the structure the Describe…Status operations return.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, select, update

from orgstack.store.schema_identity import sso_request_statuses

IN_PROGRESS = "IN_PROGRESS"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

ASSIGNMENT_CREATION = "ACCOUNT_ASSIGNMENT_CREATION"
ASSIGNMENT_DELETION = "ACCOUNT_ASSIGNMENT_DELETION"
PROVISIONING = "PERMISSION_SET_PROVISIONING"


@dataclass(frozen=True)
class RequestStatus:
    request_id: str
    instance_arn: str
    kind: str
    status: str
    created_at: dt.datetime
    # The members of the status structure other than Status, RequestId and CreatedDate.
    details: dict[str, Any]

    def reply(self) -> dict[str, Any]:
        """Return the status structure as the Describe…Status operations send it."""
        return {
            "Status": self.status,
            "RequestId": self.request_id,
            "CreatedDate": self.created_at,
            **self.details,
        }

    def metadata(self) -> dict[str, Any]:
        """Return the short form that the List…Status operations send."""
        return {"Status": self.status, "RequestId": self.request_id, "CreatedDate": self.created_at}


def _status(row: Row[Any]) -> RequestStatus:
    return RequestStatus(
        request_id=row.request_id,
        instance_arn=row.instance_arn,
        kind=row.kind,
        status=row.status,
        created_at=row.created_at,
        details=orjson.loads(row.record_json),
    )


def start(
    connection: Connection,
    instance_arn: str,
    kind: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> RequestStatus:
    """Store a new request `IN_PROGRESS` and return it."""
    status = RequestStatus(str(uuid.uuid4()), instance_arn, kind, IN_PROGRESS, now, details)
    connection.execute(
        sso_request_statuses.insert().values(
            request_id=status.request_id,
            instance_arn=instance_arn,
            kind=kind,
            status=IN_PROGRESS,
            record_json=orjson.dumps(details).decode(),
            created_at=now,
        )
    )
    return status


def find(connection: Connection, request_id: str) -> RequestStatus | None:
    row = connection.execute(
        select(sso_request_statuses).where(sso_request_statuses.c.request_id == request_id)
    ).first()
    return _status(row) if row is not None else None


def find_of_kind(
    connection: Connection, instance_arn: str, kind: str, request_id: str
) -> RequestStatus | None:
    """Return the request if it is of `kind` and belongs to the instance, else None."""
    status = find(connection, request_id)
    if status is None or status.kind != kind or status.instance_arn != instance_arn:
        return None
    return status


def list_of_kind(
    connection: Connection, instance_arn: str, kind: str, status: str | None
) -> list[RequestStatus]:
    """Return the instance's requests of `kind`, oldest first, optionally of one status."""
    table = sso_request_statuses
    query = select(table).where(table.c.instance_arn == instance_arn, table.c.kind == kind)
    if status is not None:
        query = query.where(table.c.status == status)
    rows = connection.execute(query.order_by(table.c.created_at, table.c.request_id))
    return [_status(row) for row in rows]


def finish(
    connection: Connection, request: RequestStatus, failure_reason: str | None = None
) -> None:
    """Move the request to FAILED with `failure_reason`, or to SUCCEEDED when there is none."""
    details = dict(request.details)
    if failure_reason is not None:
        details["FailureReason"] = failure_reason
    connection.execute(
        update(sso_request_statuses)
        .where(sso_request_statuses.c.request_id == request.request_id)
        .values(
            status=FAILED if failure_reason is not None else SUCCEEDED,
            record_json=orjson.dumps(details).decode(),
        )
    )
