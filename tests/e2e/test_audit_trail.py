"""The audit trail through CloudTrail's LookupEvents: records, redaction, filters and paging."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.e2e.audit_helpers import (
    VISIBLE_WITHIN_SECONDS,
    all_events,
    record_of,
    request_id_of,
    role_session,
    wait_for_request,
)
from tests.harness import Account, Server, create_member_account, give_root_key

RECORD_FIELDS = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
)


def _client_error(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> Any:
    return raised.value.response["Error"]


def test_successful_write_has_every_record_field(server: Server, management: Account) -> None:
    organizations = server.client("organizations", management)
    reply = organizations.create_organization(FeatureSet="ALL")
    cloudtrail = server.client("cloudtrail", management)

    event = wait_for_request(cloudtrail, request_id_of(reply))
    record = record_of(event)

    for name in RECORD_FIELDS:
        assert name in record, name
    assert "errorCode" not in record
    assert "errorMessage" not in record
    assert record["eventVersion"] == "1.11"
    assert record["eventSource"] == "organizations.amazonaws.com"
    assert record["eventName"] == "CreateOrganization"
    assert record["awsRegion"] == "us-east-1"
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["userAgent"].startswith("Boto3/")
    assert record["userIdentity"] == {
        "type": "Root",
        "principalId": management.account_id,
        "arn": f"arn:aws:iam::{management.account_id}:root",
        "accountId": management.account_id,
        "accessKeyId": management.access_key_id,
    }
    assert record["requestParameters"] == {"featureSet": "ALL"}
    organization = reply["Organization"]
    assert record["responseElements"]["organization"]["id"] == organization["Id"]
    assert record["responseElements"]["organization"]["arn"] == organization["Arn"]
    assert record["eventID"] == event["EventId"]
    assert record["readOnly"] is False
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["recipientAccountId"] == management.account_id
    assert dt.datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ")


def test_lookup_event_fields_match_record(server: Server, management: Account) -> None:
    reply = server.client("organizations", management).create_organization()
    cloudtrail = server.client("cloudtrail", management)

    event = wait_for_request(cloudtrail, request_id_of(reply))
    record = record_of(event)

    organization_arn = reply["Organization"]["Arn"]
    assert event["EventId"] == record["eventID"]
    assert event["EventName"] == "CreateOrganization"
    assert event["ReadOnly"] == "false"
    assert event["AccessKeyId"] == management.access_key_id
    assert event["EventSource"] == "organizations.amazonaws.com"
    assert event["Username"] == "root"
    assert event["Resources"] == [
        {"ResourceType": "AWS::Organizations::Organization", "ResourceName": organization_arn}
    ]
    event_time = event["EventTime"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert event_time == record["eventTime"]


def test_failed_call_records_error(server: Server, management: Account) -> None:
    organizations = server.client("organizations", management)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organizations.describe_organization()
    cloudtrail = server.client("cloudtrail", management)

    record = record_of(wait_for_request(cloudtrail, request_id_of(raised.value.response)))

    for name in RECORD_FIELDS:
        assert name in record, name
    assert record["eventName"] == "DescribeOrganization"
    assert record["errorCode"] == "AWSOrganizationsNotInUseException"
    assert record["errorMessage"] == "Your account isn't a member of an organization."
    assert record["readOnly"] is True
    assert record["requestParameters"] is None
    assert record["responseElements"] is None


def test_invalid_input_is_recorded(server: Server, management: Account) -> None:
    organizations = server.client("organizations", management)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organizations.create_organization(FeatureSet="SOME")
    cloudtrail = server.client("cloudtrail", management)

    record = record_of(wait_for_request(cloudtrail, request_id_of(raised.value.response)))

    assert record["eventName"] == "CreateOrganization"
    assert record["errorCode"] == "InvalidInputException"
    assert record["errorMessage"] == "You specified an invalid value."
    assert record["requestParameters"] == {"featureSet": "SOME"}
    assert record["responseElements"] is None
    assert record["readOnly"] is False


def test_denied_call_recorded_for_caller(server: Server, management: Account) -> None:
    organizations = server.client("organizations", management)
    organizations.create_organization()
    member = give_root_key(server, create_member_account(server, organizations))
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_accounts()
    denial = _client_error(raised)

    event = wait_for_request(
        server.client("cloudtrail", member), request_id_of(raised.value.response)
    )
    record = record_of(event)

    assert denial["Code"] == "AccessDeniedException"
    assert record["eventName"] == "ListAccounts"
    assert record["errorCode"] == "AccessDeniedException"
    assert record["errorMessage"] == denial["Message"]
    assert record["recipientAccountId"] == member.account_id
    assert record["userIdentity"]["accountId"] == member.account_id
    assert event["AccessKeyId"] == member.access_key_id


def test_read_only_event_visible_within_two_seconds(server: Server, management: Account) -> None:
    reply = server.client("sts", management).get_caller_identity()
    started = time.monotonic()
    cloudtrail = server.client("cloudtrail", management)

    record = record_of(wait_for_request(cloudtrail, request_id_of(reply)))

    assert time.monotonic() - started < VISIBLE_WITHIN_SECONDS
    assert record["eventName"] == "GetCallerIdentity"
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["readOnly"] is True
    # CloudTrail records a reply only for calls that change something.
    assert record["responseElements"] is None


def test_lookup_events_is_itself_audited(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)
    reply = cloudtrail.lookup_events(MaxResults=5)

    record = record_of(wait_for_request(cloudtrail, request_id_of(reply)))

    assert record["eventName"] == "LookupEvents"
    assert record["eventSource"] == "cloudtrail.amazonaws.com"
    assert record["readOnly"] is True
    assert record["requestParameters"] == {"maxResults": 5}


def test_organizations_email_masked_as_aws_does(server: Server, management: Account) -> None:
    reply = server.client("organizations", management).create_organization()
    cloudtrail = server.client("cloudtrail", management)

    event = wait_for_request(cloudtrail, request_id_of(reply))

    # AWS's Organizations User Guide shows sensitive members as "****" in CloudTrail.
    elements = record_of(event)["responseElements"]["organization"]
    assert elements["masterAccountEmail"] == "****"
    assert elements["masterAccountId"] == management.account_id
    assert management.email not in event["CloudTrailEvent"]


def test_no_event_contains_secret_key(server: Server, management: Account) -> None:
    server.client("organizations", management).create_organization()
    server.client("sts", management).get_caller_identity()
    cloudtrail = server.client("cloudtrail", management)
    time.sleep(0.5)

    events = all_events(cloudtrail)

    assert len(events) >= 2
    for event in events:
        assert management.secret_access_key not in event["CloudTrailEvent"]


def test_account_sees_only_its_own_events(server: Server, management: Account) -> None:
    reply = server.client("sts", management).get_caller_identity()
    own = wait_for_request(server.client("cloudtrail", management), request_id_of(reply))
    other = server.new_account()
    other_cloudtrail = server.client("cloudtrail", other)

    found = other_cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": own["EventId"]}]
    )["Events"]

    assert found == []
    for event in all_events(other_cloudtrail):
        assert record_of(event)["recipientAccountId"] == other.account_id


def _matches(event: dict[str, Any], key: str, value: str) -> bool:
    if key in ("ResourceType", "ResourceName"):
        return value in [resource[key] for resource in event.get("Resources", [])]
    return bool(event.get(key) == value)


def _attribute_values(event: dict[str, Any], management: Account) -> dict[str, str]:
    resource = event["Resources"][0]
    return {
        "EventId": event["EventId"],
        "EventName": "CreateOrganization",
        "ReadOnly": "false",
        "Username": "root",
        "ResourceType": resource["ResourceType"],
        "ResourceName": resource["ResourceName"],
        "EventSource": "organizations.amazonaws.com",
        "AccessKeyId": management.access_key_id,
    }


@pytest.mark.parametrize(
    "key",
    [
        "EventId",
        "EventName",
        "ReadOnly",
        "Username",
        "ResourceType",
        "ResourceName",
        "EventSource",
        "AccessKeyId",
    ],
)
def test_lookup_attribute_filters(server: Server, management: Account, key: str) -> None:
    write = server.client("organizations", management).create_organization()
    read = server.client("sts", management).get_caller_identity()
    cloudtrail = server.client("cloudtrail", management)
    created = wait_for_request(cloudtrail, request_id_of(write))
    identity = wait_for_request(cloudtrail, request_id_of(read))
    value = _attribute_values(created, management)[key]

    attribute = {"AttributeKey": key, "AttributeValue": value}
    found = all_events(cloudtrail, LookupAttributes=[attribute])

    found_ids = [event["EventId"] for event in found]
    assert created["EventId"] in found_ids
    for event in found:
        assert _matches(event, key, value), event
    if key not in ("Username", "AccessKeyId"):
        assert identity["EventId"] not in found_ids


def test_read_only_true_finds_reads(server: Server, management: Account) -> None:
    read = server.client("sts", management).get_caller_identity()
    cloudtrail = server.client("cloudtrail", management)
    identity = wait_for_request(cloudtrail, request_id_of(read))

    found = all_events(
        cloudtrail, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
    )

    assert identity["EventId"] in [event["EventId"] for event in found]
    assert {event["ReadOnly"] for event in found} == {"true"}


def test_unmatched_attribute_finds_nothing(server: Server, management: Account) -> None:
    server.client("sts", management).get_caller_identity()
    cloudtrail = server.client("cloudtrail", management)

    found = cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "NoSuchCall"}]
    )

    assert found["Events"] == []
    assert "NextToken" not in found


def test_two_attributes_are_rejected(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "CreateOrganization"},
                {"AttributeKey": "Username", "AttributeValue": "root"},
            ]
        )

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _client_error(raised)["Code"] == "InvalidLookupAttributesException"
    assert _client_error(raised)["Message"] == (
        "Occurs when a lookup attribute is specified that is not valid."
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("Region", "us-east-1"), ("ReadOnly", "maybe"), ("EventName", "x" * 2001)],
)
def test_invalid_attribute_is_rejected(
    server: Server, management: Account, key: str, value: str
) -> None:
    cloudtrail = server.client("cloudtrail", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])

    assert _client_error(raised)["Code"] == "InvalidLookupAttributesException"
    assert _client_error(raised)["Message"] == (
        "Occurs when a lookup attribute is specified that is not valid."
    )


def test_start_after_end_is_invalid_time_range(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)
    end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(StartTime=end + dt.timedelta(seconds=1), EndTime=end)

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _client_error(raised)["Code"] == "InvalidTimeRangeException"
    assert _client_error(raised)["Message"] == (
        "Occurs if the timestamp values are not valid. Either the start time occurs after the end "
        "time, or the time range is outside the range of possible values."
    )


def test_start_in_future_is_invalid_time_range(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * 50)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(StartTime=later)

    assert _client_error(raised)["Code"] == "InvalidTimeRangeException"


def test_range_before_history_finds_nothing(server: Server, management: Account) -> None:
    _make_reads(server, management, 1)
    cloudtrail = server.client("cloudtrail", management)

    reply = cloudtrail.lookup_events(EndTime=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))

    assert reply["Events"] == []


def test_max_results_over_fifty_is_invalid(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(MaxResults=51)

    assert _client_error(raised)["Code"] == "InvalidMaxResultsException"
    assert _client_error(raised)["Message"] == (
        "This exception is thrown if the limit specified is not valid."
    )


def _seconds_apart_events(server: Server, account: Account, count: int) -> list[dict[str, Any]]:
    """Make `count` GetCallerIdentity calls in distinct seconds and return their events, oldest
    first."""
    sts = server.client("sts", account)
    cloudtrail = server.client("cloudtrail", account)
    events = []
    for position in range(count):
        if position:
            time.sleep(1.05)
        events.append(wait_for_request(cloudtrail, request_id_of(sts.get_caller_identity())))
    return events


def test_time_range_bounds_are_inclusive(server: Server, management: Account) -> None:
    first, middle, last = _seconds_apart_events(server, management, 3)
    cloudtrail = server.client("cloudtrail", management)
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]

    from_middle = all_events(cloudtrail, LookupAttributes=by_name, StartTime=middle["EventTime"])
    up_to_middle = all_events(cloudtrail, LookupAttributes=by_name, EndTime=middle["EventTime"])
    only_middle = all_events(
        cloudtrail,
        LookupAttributes=by_name,
        StartTime=middle["EventTime"],
        EndTime=middle["EventTime"],
    )

    assert [event["EventId"] for event in from_middle] == [last["EventId"], middle["EventId"]]
    assert [event["EventId"] for event in up_to_middle] == [middle["EventId"], first["EventId"]]
    assert [event["EventId"] for event in only_middle] == [middle["EventId"]]


def test_events_come_newest_first(server: Server, management: Account) -> None:
    organizations = server.client("organizations", management)
    sts = server.client("sts", management)
    cloudtrail = server.client("cloudtrail", management)
    request_ids = [
        request_id_of(sts.get_caller_identity()),
        request_id_of(organizations.create_organization()),
        request_id_of(organizations.describe_organization()),
    ]
    for request_id in request_ids:
        wait_for_request(cloudtrail, request_id)

    events = all_events(cloudtrail)

    recorded = [record_of(event).get("requestID") for event in events]
    ours = [request_id for request_id in recorded if request_id in request_ids]
    assert ours == list(reversed(request_ids))
    times = [event["EventTime"] for event in events]
    assert times == sorted(times, reverse=True)


def _make_reads(server: Server, account: Account, count: int) -> list[str]:
    sts = server.client("sts", account)
    return [request_id_of(sts.get_caller_identity()) for _ in range(count)]


def test_pages_cover_every_event_once(server: Server, management: Account) -> None:
    request_ids = _make_reads(server, management, 7)
    cloudtrail = server.client("cloudtrail", management)
    wait_for_request(cloudtrail, request_ids[-1])
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]

    first = cloudtrail.lookup_events(LookupAttributes=by_name, MaxResults=3)
    second = cloudtrail.lookup_events(
        LookupAttributes=by_name, MaxResults=3, NextToken=first["NextToken"]
    )
    third = cloudtrail.lookup_events(
        LookupAttributes=by_name, MaxResults=3, NextToken=second["NextToken"]
    )

    assert [len(page["Events"]) for page in (first, second, third)] == [3, 3, 1]
    assert "NextToken" not in third
    paged = [event for page in (first, second, third) for event in page["Events"]]
    whole = cloudtrail.lookup_events(LookupAttributes=by_name)["Events"]
    assert [event["EventId"] for event in paged] == [event["EventId"] for event in whole]
    assert [record_of(event)["requestID"] for event in paged] == list(reversed(request_ids))


def test_page_boundary_ignores_new_events(server: Server, management: Account) -> None:
    request_ids = _make_reads(server, management, 4)
    cloudtrail = server.client("cloudtrail", management)
    wait_for_request(cloudtrail, request_ids[-1])
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]
    first = cloudtrail.lookup_events(LookupAttributes=by_name, MaxResults=2)

    late = _make_reads(server, management, 1)[0]
    wait_for_request(cloudtrail, late)
    second = cloudtrail.lookup_events(
        LookupAttributes=by_name, MaxResults=2, NextToken=first["NextToken"]
    )

    pages = [record_of(event)["requestID"] for event in first["Events"] + second["Events"]]
    assert pages == list(reversed(request_ids))
    assert "NextToken" not in second


def test_default_page_is_fifty_events(server: Server, management: Account) -> None:
    request_ids = _make_reads(server, management, 55)
    cloudtrail = server.client("cloudtrail", management)
    wait_for_request(cloudtrail, request_ids[-1])
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]

    first = cloudtrail.lookup_events(LookupAttributes=by_name)
    rest = cloudtrail.lookup_events(LookupAttributes=by_name, NextToken=first["NextToken"])

    assert len(first["Events"]) == 50
    assert len(rest["Events"]) == 5
    assert "NextToken" not in rest


def test_garbage_next_token_is_rejected(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(NextToken="not-a-token")

    assert _client_error(raised)["Code"] == "InvalidNextTokenException"
    assert _client_error(raised)["Message"] == (
        "A token that is not valid, or a token that was previously used in a request with "
        "different parameters. This exception is thrown if the token is not valid."
    )


def test_next_token_bound_to_parameters(server: Server, management: Account) -> None:
    request_ids = _make_reads(server, management, 3)
    cloudtrail = server.client("cloudtrail", management)
    wait_for_request(cloudtrail, request_ids[-1])
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]
    token = cloudtrail.lookup_events(LookupAttributes=by_name, MaxResults=1)["NextToken"]
    other = server.client("cloudtrail", server.new_account())

    with pytest.raises(botocore.exceptions.ClientError) as other_filter:
        cloudtrail.lookup_events(MaxResults=1, NextToken=token)
    with pytest.raises(botocore.exceptions.ClientError) as other_account:
        other.lookup_events(LookupAttributes=by_name, MaxResults=1, NextToken=token)

    assert _client_error(other_filter)["Code"] == "InvalidNextTokenException"
    assert _client_error(other_account)["Code"] == "InvalidNextTokenException"


def test_tampered_next_token_is_rejected(server: Server, management: Account) -> None:
    request_ids = _make_reads(server, management, 2)
    cloudtrail = server.client("cloudtrail", management)
    wait_for_request(cloudtrail, request_ids[-1])
    token = cloudtrail.lookup_events(MaxResults=1)["NextToken"]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.lookup_events(MaxResults=1, NextToken=tampered)

    assert _client_error(raised)["Code"] == "InvalidNextTokenException"


def test_insight_category_finds_nothing(server: Server, management: Account) -> None:
    _make_reads(server, management, 1)
    cloudtrail = server.client("cloudtrail", management)

    reply = cloudtrail.lookup_events(EventCategory="insight")

    assert reply["Events"] == []


def test_unimplemented_cloudtrail_operation(server: Server, management: Account) -> None:
    cloudtrail = server.client("cloudtrail", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        cloudtrail.describe_trails()

    assert _client_error(raised)["Code"] == "UnknownOperationException"
    assert _client_error(raised)["Message"] == "orgstack does not implement DescribeTrails yet."


def test_cloudtrail_event_is_compact_json(server: Server, management: Account) -> None:
    reply = server.client("sts", management).get_caller_identity()

    event = wait_for_request(server.client("cloudtrail", management), request_id_of(reply))

    text = event["CloudTrailEvent"]
    assert json.loads(text)["eventID"] == event["EventId"]
    assert "\n" not in text


def _run_export(server: Server, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "orgstack",
        "audit",
        "export",
        "--data-dir",
        str(server.data_dir),
        "--database-url",
        server.database_url,
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _exported_files(output: Path, account_id: str) -> list[Path]:
    return sorted((output / "AWSLogs" / account_id).rglob("*.json"))


def _events_in_window(
    server: Server, management: Account
) -> tuple[dt.datetime, dt.datetime, list[dict[str, Any]]]:
    """Make calls in two distinct seconds, then return a window around them and its events.

    The events come oldest first. The window ends at the second after the last call, and the
    lookups that read it run a second later, so they fall outside it.
    """
    organizations = server.client("organizations", management)
    cloudtrail = server.client("cloudtrail", management)
    first = wait_for_request(cloudtrail, request_id_of(organizations.create_organization()))
    time.sleep(1.05)
    last = wait_for_request(cloudtrail, request_id_of(organizations.describe_organization()))
    since = first["EventTime"]
    until = last["EventTime"] + dt.timedelta(seconds=1)
    time.sleep(1.1)
    inside = all_events(cloudtrail, StartTime=since, EndTime=until - dt.timedelta(seconds=1))
    return since, until, list(reversed(inside))


def test_export_writes_cloudtrail_log_files(
    server: Server, management: Account, tmp_path: Path
) -> None:
    since, until, expected = _events_in_window(server, management)
    output = tmp_path / "trail"

    finished = _run_export(
        server, "--since", _iso(since), "--until", _iso(until), "--output", str(output)
    )

    assert finished.returncode == 0, finished.stderr
    assert re.search(r"^exported \d+ events into \d+ files under ", finished.stderr, re.M)
    account = management.account_id
    name = re.compile(rf"{account}_CloudTrail_us-east-1_(\d{{8}}T\d{{2}}00Z)_[0-9A-F]{{16}}\.json")
    records: list[dict[str, Any]] = []
    for path in _exported_files(output, account):
        relative = path.relative_to(output / "AWSLogs" / account / "CloudTrail" / "us-east-1")
        matched = name.fullmatch(path.name)
        assert matched, path.name
        hour = dt.datetime.strptime(matched.group(1), "%Y%m%dT%H%MZ")
        assert relative.parent == Path(hour.strftime("%Y/%m/%d"))
        text = path.read_text()
        assert text.endswith("\n")
        assert text.count("\n") == 1
        document = json.loads(text)
        assert list(document) == ["Records"]
        for record in document["Records"]:
            assert record["eventTime"].startswith(hour.strftime("%Y-%m-%dT%H:"))
        records.extend(document["Records"])
    assert [record["eventID"] for record in records] == [event["EventId"] for event in expected]
    assert [record["eventTime"] for record in records] == sorted(
        record["eventTime"] for record in records
    )
    assert records[0]["eventName"] == "CreateOrganization"


def test_export_same_events_same_files(server: Server, management: Account, tmp_path: Path) -> None:
    since, until, _ = _events_in_window(server, management)
    window = ("--since", _iso(since), "--until", _iso(until))

    first = _run_export(server, *window, "--output", str(tmp_path / "first"))
    second = _run_export(server, *window, "--output", str(tmp_path / "second"))

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    first_files = _exported_files(tmp_path / "first", management.account_id)
    second_files = _exported_files(tmp_path / "second", management.account_id)
    assert first_files
    assert [path.name for path in first_files] == [path.name for path in second_files]
    for old, new in zip(first_files, second_files, strict=True):
        assert old.read_bytes() == new.read_bytes()


def test_export_until_is_exclusive(server: Server, management: Account, tmp_path: Path) -> None:
    since, _, expected = _events_in_window(server, management)
    cut = expected[-1]["EventTime"]
    output = tmp_path / "trail"

    finished = _run_export(
        server, "--since", _iso(since), "--until", _iso(cut), "--output", str(output)
    )

    assert finished.returncode == 0, finished.stderr
    exported = [
        record["eventID"]
        for path in _exported_files(output, management.account_id)
        for record in json.loads(path.read_text())["Records"]
    ]
    assert exported == [event["EventId"] for event in expected if event["EventTime"] < cut]
    assert expected[-1]["EventId"] not in exported


def test_export_rejects_invalid_time(server: Server, tmp_path: Path) -> None:
    finished = _run_export(server, "--since", "yesterday", "--output", str(tmp_path))

    assert finished.returncode == 2
    assert finished.stderr == (
        "orgstack: --since `yesterday` is not an ISO 8601 time; use a form like "
        "2026-12-04T20:00:00Z.\n"
    )


def test_export_rejects_empty_range(server: Server, tmp_path: Path) -> None:
    finished = _run_export(
        server,
        "--since",
        "2026-01-02T00:00:00Z",
        "--until",
        "2026-01-01T00:00:00Z",
        "--output",
        str(tmp_path),
    )

    assert finished.returncode == 2
    assert finished.stderr == (
        "orgstack: --since `2026-01-02T00:00:00Z` must be earlier than --until "
        "`2026-01-01T00:00:00Z`.\n"
    )


def test_export_without_store_fails(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "orgstack",
        "audit",
        "export",
        "--data-dir",
        str(tmp_path / "empty"),
        "--since",
        "2026-01-01",
        "--output",
        str(tmp_path / "out"),
    ]
    env = {key: value for key, value in os.environ.items() if key != "ORGSTACK_DATABASE_URL"}

    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, env=env
    )

    assert finished.returncode == 2
    assert finished.stderr == (
        f"orgstack: no store in `{tmp_path / 'empty'}`: pass the server's --data-dir or "
        "--database-url.\n"
    )


def test_create_account_masks_email_and_name(server: Server, management: Account) -> None:
    organizations = server.client("organizations", management)
    organizations.create_organization()
    email = f"masked-{management.account_id}@example.com"
    name = f"Masked {management.account_id}"
    reply = organizations.create_account(AccountName=name, Email=email)
    cloudtrail = server.client("cloudtrail", management)

    event = wait_for_request(cloudtrail, request_id_of(reply))
    record = record_of(event)

    # The AWS Organizations User Guide's CreateAccount log entry shows both members as "****".
    assert record["requestParameters"]["email"] == "****"
    assert record["requestParameters"]["accountName"] == "****"
    status = record["responseElements"]["createAccountStatus"]
    assert status["accountName"] == "****"
    assert status["id"] == reply["CreateAccountStatus"]["Id"]
    assert status["state"] == "IN_PROGRESS"
    assert email not in event["CloudTrailEvent"]
    assert name not in event["CloudTrailEvent"]


def test_assume_role_hides_credentials(server: Server, management: Account) -> None:
    session = role_session(server, management, "audit-credentials")
    cloudtrail = server.client("cloudtrail", management)

    found = all_events(
        cloudtrail, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    )

    [event] = found
    credentials = record_of(event)["responseElements"]["credentials"]
    assert credentials["accessKeyId"] == session["aws_access_key_id"]
    assert credentials["secretAccessKey"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert credentials["sessionToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert session["aws_secret_access_key"] not in event["CloudTrailEvent"]
    assert session["aws_session_token"] not in event["CloudTrailEvent"]


def test_role_session_found_by_username(server: Server, management: Account) -> None:
    session = role_session(server, management, "audit-username")
    reply = server.client("sts", **session).get_caller_identity()
    cloudtrail = server.client("cloudtrail", management)
    event = wait_for_request(cloudtrail, request_id_of(reply))

    by_username = all_events(
        cloudtrail,
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "audit-username-session"}],
    )
    by_key = all_events(
        cloudtrail,
        LookupAttributes=[
            {"AttributeKey": "AccessKeyId", "AttributeValue": session["aws_access_key_id"]}
        ],
    )

    assert event["Username"] == "audit-username-session"
    assert event["AccessKeyId"] == session["aws_access_key_id"]
    identity = record_of(event)["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["sessionContext"]["sessionIssuer"]["userName"] == "audit-username"
    assert [found["EventId"] for found in by_username] == [event["EventId"]]
    assert [found["EventId"] for found in by_key] == [event["EventId"]]


def test_lookup_shows_only_the_signed_region(server: Server, management: Account) -> None:
    server.client("organizations", management).create_organization()
    by_name = [{"AttributeKey": "EventName", "AttributeValue": "CreateOrganization"}]

    def lookup(region: str) -> list[dict[str, Any]]:
        trail = server.client("cloudtrail", management, region=region)
        deadline = time.monotonic() + 2
        while True:
            events: list[dict[str, Any]] = trail.lookup_events(LookupAttributes=by_name)["Events"]
            if events or time.monotonic() > deadline:
                return events
            time.sleep(0.1)

    assert len(lookup("us-east-1")) == 1
    assert lookup("eu-west-1") == []
