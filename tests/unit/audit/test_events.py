"""CloudTrail records built without a server: masks, event ids and service events."""

from __future__ import annotations

import datetime as dt
import uuid

from orgstack.audit.events import (
    HIDDEN,
    redact,
    sensitive_mask,
    service_event,
    time_ordered_event_id,
)
from orgstack.protocol.models import service_model

MOMENT = dt.datetime(2026, 12, 4, 20, 0, 0, tzinfo=dt.UTC)


def test_organizations_mask_is_asterisks() -> None:
    assert sensitive_mask("organizations") == "****"
    assert sensitive_mask("identitystore") == HIDDEN


def test_redact_masks_sensitive_members() -> None:
    shape = service_model("organizations").operation_model("CreateAccount").input_shape
    params = {"Email": "a@example.com", "AccountName": "A", "RoleName": "Admin"}

    redacted = redact(shape, params, "****")

    assert redacted == {"Email": "****", "AccountName": "****", "RoleName": "Admin"}


def test_redact_hides_secret_members_anywhere() -> None:
    value = {
        "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s", "SessionToken": "t"}
    }

    redacted = redact(None, value)

    assert redacted == {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLE",
            "SecretAccessKey": HIDDEN,
            "SessionToken": HIDDEN,
        }
    }


def test_event_ids_follow_time() -> None:
    earlier = time_ordered_event_id(MOMENT)
    later = time_ordered_event_id(MOMENT + dt.timedelta(milliseconds=1))

    assert earlier < later
    assert uuid.UUID(earlier).version == 7
    assert uuid.UUID(earlier).variant == uuid.RFC_4122


def test_event_ids_differ_within_millisecond() -> None:
    assert time_ordered_event_id(MOMENT) != time_ordered_event_id(MOMENT)


def test_service_event_record() -> None:
    details = {"createAccountStatus": {"id": "car-1", "state": "SUCCEEDED", "accountName": "****"}}

    event = service_event("organizations", "CreateAccountResult", "111122223333", MOMENT, details)

    record = event.record
    assert record["eventType"] == "AwsServiceEvent"
    assert record["eventName"] == "CreateAccountResult"
    assert record["eventSource"] == "organizations.amazonaws.com"
    assert record["userIdentity"] == {
        "accountId": "111122223333",
        "invokedBy": "organizations.amazonaws.com",
    }
    assert record["eventTime"] == "2026-12-04T20:00:00Z"
    assert record["requestParameters"] is None
    assert record["responseElements"] is None
    assert record["serviceEventDetails"] == details
    assert record["recipientAccountId"] == "111122223333"
    assert record["readOnly"] is False
    assert event.event_id == record["eventID"]


def test_service_event_names_invoker_and_resources() -> None:
    account_arn = "arn:aws:organizations::111122223333:account/o-example/444455556666"

    event = service_event(
        "organizations",
        "CloseAccountResult",
        "111122223333",
        MOMENT,
        {"closeAccountStatus": {"accountId": "444455556666", "state": "SUCCEEDED"}},
        invoked_by="AWS Internal",
        resources=[("AWS::Organizations::Account", account_arn)],
    )

    assert event.record["userIdentity"]["invokedBy"] == "AWS Internal"
    assert event.record["sourceIPAddress"] == "AWS Internal"
    expected = {"type": "AWS::Organizations::Account", "ARN": account_arn}
    assert event.record["resources"] == [expected]
    assert event.resources == [("AWS::Organizations::Account", account_arn)]
