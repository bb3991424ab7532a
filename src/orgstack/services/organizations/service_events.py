"""CloudTrail service events that Organizations records when asynchronous work finishes.

AWS records `CreateAccountResult` when an account creation ends and `CloseAccountResult` when a
closure ends, both as `AwsServiceEvent` records in the management account, with no caller and no
request. A job writes its event in its own transaction, so the event commits with the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from orgstack.audit.events import (
    EVENT_SOURCES,
    EVENT_VERSION,
    SERVICE_MASKS,
    AuditEvent,
    format_time,
    time_ordered_event_id,
)
from orgstack.audit.writer import insert_events

AWS_INTERNAL = "AWS Internal"
ACCOUNT_RESOURCE_TYPE = "AWS::Organizations::Account"


def record_service_event(
    connection: Connection,
    event_name: str,
    management_account_id: str,
    now: dt.datetime,
    details: dict[str, Any],
    resources: list[tuple[str, str]] | None = None,
) -> None:
    """Write one `AwsServiceEvent` record in the caller's transaction."""
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": {"accountId": management_account_id, "invokedBy": AWS_INTERNAL},
        "eventTime": format_time(now),
        "eventSource": EVENT_SOURCES["organizations"],
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": AWS_INTERNAL,
        "userAgent": AWS_INTERNAL,
        "requestParameters": None,
        "responseElements": None,
        # No API request started this event. The key stays, with null, so that readers which look
        # up `requestID` in every record of a trail find it.
        "requestID": None,
        "eventID": time_ordered_event_id(now),
        "readOnly": False,
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": management_account_id,
        "serviceEventDetails": details,
        "eventCategory": "Management",
    }
    if resources:
        record["resources"] = [{"type": kind, "ARN": arn} for kind, arn in resources]
    insert_events(connection, [AuditEvent(record, list(resources or []))])


def create_account_details(
    request: Any, account_id: str | None, state: str, reason: str | None, completed_at: dt.datetime
) -> dict[str, Any]:
    """Return the `serviceEventDetails` of a CreateAccountResult event.

    The account name is masked as Organizations masks it in its CreateAccount events.
    """
    status: dict[str, Any] = {
        "id": request.id,
        "state": state,
        "accountName": SERVICE_MASKS["organizations"],
        "requestedTimestamp": format_time(request.requested_at),
        "completedTimestamp": format_time(completed_at),
    }
    if account_id is not None:
        status["accountId"] = account_id
    if reason is not None:
        status["failureReason"] = reason
    return {"createAccountStatus": status}
