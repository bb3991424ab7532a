"""Helpers for the audit-trail tests: paging through LookupEvents and waiting for an event."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.harness import Account, Server

# Read-only events reach the store in batches every 0.25 s, and tests allow them two seconds.
VISIBLE_WITHIN_SECONDS = 2.0


def all_events(client: Any, **parameters: Any) -> list[dict[str, Any]]:
    """Return every event LookupEvents finds for `parameters`, following NextToken."""
    events: list[dict[str, Any]] = []
    reply = client.lookup_events(**parameters)
    events.extend(reply["Events"])
    while reply.get("NextToken"):
        reply = client.lookup_events(**parameters, NextToken=reply["NextToken"])
        events.extend(reply["Events"])
    return events


def record_of(event: dict[str, Any]) -> dict[str, Any]:
    record = json.loads(event["CloudTrailEvent"])
    assert isinstance(record, dict)
    return record


def wait_for_request(client: Any, request_id: str) -> dict[str, Any]:
    """Poll LookupEvents until the event of `request_id` appears; fail after two seconds."""
    deadline = time.monotonic() + VISIBLE_WITHIN_SECONDS
    while True:
        for event in all_events(client):
            if record_of(event).get("requestID") == request_id:
                return event
        if time.monotonic() > deadline:
            raise AssertionError(f"no event of request {request_id} within 2 s")
        time.sleep(0.05)


def request_id_of(reply: dict[str, Any]) -> str:
    return str(reply["ResponseMetadata"]["RequestId"])


def role_session(server: Server, account: Account, name: str) -> dict[str, str]:
    """Create role `name` that `account` may assume, assume it as session `name`-session.

    Returns the session's credentials as keyword arguments for `Server.client`.
    """
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = server.client("iam", account).create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]
    credentials = server.client("sts", account).assume_role(
        RoleArn=role["Arn"], RoleSessionName=f"{name}-session"
    )["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
