"""AWS CloudTrail operations: the audit trail's read side.

LookupEvents is the only operation served; the server rejects the others with
`UnknownOperationException`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgstack.audit.reader import LookupFilter, StoredEvent, lookup_events
from orgstack.protocol.errors import AwsError, ValidationException
from orgstack.protocol.validate import Violation, coral_message, parse_timestamp
from orgstack.services import validation
from orgstack.services.cloudtrail.errors import (
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidTimeRangeException,
)
from orgstack.services.cloudtrail.pagination import decode_token, encode_token, parameters_digest
from orgstack.services.registry import Params, RequestContext, Result, operation

DEFAULT_MAX_RESULTS = 50
# Event history keeps the management events of the last 90 days.
HISTORY_DAYS = 90
INSIGHT = "insight"


@operation("cloudtrail", "LookupEvents", read_only=True)
def lookup(context: RequestContext, params: Params) -> Result:
    """Return the caller's account's events, newest first, one page at a time.

    AWS API reference: CloudTrail `LookupEvents`. The caller sees the events whose
    `recipientAccountId` is its own account and whose Region is the one it signed for, as Event
    history shows them.
    """
    # Event history is per Region: a lookup signed for eu-west-1 does not show Organizations or
    # IAM events, which AWS records in us-east-1.
    # NOTE: orgstack models no trails. In AWS an organization trail delivers the events of every
    # member account to the management account's S3 bucket, yet LookupEvents still shows each
    # account only its own events. `orgstack audit export` writes the files such a trail delivers.
    caller = context.require_caller()
    query = _lookup_filter(context, caller.account_id, params)
    size = int(params.get("MaxResults") or DEFAULT_MAX_RESULTS)
    digest = parameters_digest(caller.account_id, params)
    token = params.get("NextToken")
    before = decode_token(context, digest, token) if token else None

    if params.get("EventCategory") == INSIGHT:
        # orgstack records no Insights events, so a lookup for them finds none.
        return {"Events": []}

    # Reading one row more than the page shows whether another page follows.
    events = lookup_events(context.db, query, size + 1, before)
    page = events[:size]
    result: dict[str, Any] = {"Events": [_event_view(event) for event in page]}
    if len(events) > size:
        result["NextToken"] = encode_token(context, digest, page[-1].key)
    return result


def _lookup_filter(context: RequestContext, account_id: str, params: Params) -> LookupFilter:
    now = context.now()
    history_start = now - dt.timedelta(days=HISTORY_DAYS)
    requested_start = _timestamp(params.get("StartTime"))
    end = _timestamp(params.get("EndTime")) or now
    if requested_start is not None and requested_start > end:
        raise InvalidTimeRangeException()
    # A range that ends before the history window finds nothing rather than failing.
    start = max(requested_start or history_start, history_start)

    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        # NOTE: AWS documents that the list "can contain only one item" but not the message it
        # sends for two; this is the error shape's documented sentence.
        raise InvalidLookupAttributesException()
    if not attributes:
        return LookupFilter(account_id, context.region, start, end)

    key = attributes[0]["AttributeKey"]
    value = attributes[0]["AttributeValue"]
    if key == "ReadOnly":
        value = _read_only_value(value)
    return LookupFilter(account_id, context.region, start, end, key, value)


def _timestamp(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return parse_timestamp(value)


def _read_only_value(value: str) -> str:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise InvalidLookupAttributesException()
    return lowered


def _event_view(event: StoredEvent) -> dict[str, Any]:
    """Return one event as the `Event` shape of LookupEvents' reply."""
    view: dict[str, Any] = {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": "true" if event.read_only else "false",
        "AccessKeyId": event.access_key_id,
        "EventTime": event.event_time,
        "EventSource": event.event_source,
        "Username": event.username,
        "Resources": [
            {"ResourceType": resource_type, "ResourceName": name}
            for resource_type, name in event.resources
        ],
        "CloudTrailEvent": event.record_json,
    }
    return view


def input_error(violations: list[Violation]) -> AwsError:
    """Report input that fails the model with the error LookupEvents declares for that member."""
    paths = {violation.path.split(".", 1)[0] for violation in violations}
    if "maxResults" in paths:
        return InvalidMaxResultsException()
    if any(path.startswith("lookupAttributes") for path in paths):
        return InvalidLookupAttributesException()
    if "eventCategory" in paths:
        return InvalidEventCategoryException()
    return ValidationException(coral_message(violations))


validation.register("cloudtrail", input_error)
