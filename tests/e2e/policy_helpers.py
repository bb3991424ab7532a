"""Set-up steps and documents shared by the Organizations policy tests."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import insert

from orgstack.store.schema import policies
from tests.harness import Account, Server

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
TAG = "TAG_POLICY"
BACKUP = "BACKUP_POLICY"
AI_OPT_OUT = "AISERVICES_OPT_OUT_POLICY"

FULL_AWS_ACCESS = "p-FullAWSAccess"
RCP_FULL_AWS_ACCESS = "p-RCPFullAWSAccess"

DENY_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
    }
)
RCP_DENY_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
    }
)

MALFORMED_MESSAGE = (
    "The provided policy document does not meet the requirements of the specified policy type."
)
ACCESS_DENIED_MESSAGE = "You don't have permissions to access this resource."


def tag_policy(tag_key: str, values: list[str] | None = None) -> str:
    """Return a tag policy that assigns `tag_key` (and its allowed values, when given)."""
    entry: dict[str, Any] = {"tag_key": {"@@assign": tag_key}}
    if values is not None:
        entry["tag_value"] = {"@@assign": values}
    return json.dumps({"tags": {tag_key.lower(): entry}})


@dataclass(frozen=True)
class Organization:
    client: Any
    id: str
    root_id: str
    management: Account


def new_organization(server: Server, management: Account, feature_set: str = "ALL") -> Organization:
    client = server.client("organizations", management)
    organization = client.create_organization(FeatureSet=feature_set)["Organization"]
    root_id = client.list_roots()["Roots"][0]["Id"]
    return Organization(client, organization["Id"], root_id, management)


def error_of(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> dict[str, Any]:
    """Return the whole error reply: `Error.Code`, `Error.Message` and any `Reason`."""
    response: dict[str, Any] = raised.value.response
    return response


def create_policy(
    organization: Organization,
    content: str = DENY_S3,
    policy_type: str = SCP,
    name: str | None = None,
) -> dict[str, Any]:
    """Create a policy and return its `PolicySummary`."""
    policy: dict[str, Any] = organization.client.create_policy(
        Content=content,
        Description="made by a test",
        Name=name or f"policy-{secrets.token_hex(4)}",
        Type=policy_type,
    )["Policy"]["PolicySummary"]
    return policy


def create_member(organization: Organization) -> str:
    """Create a member account with CreateAccount, wait until it succeeds and return its ID."""
    suffix = secrets.token_hex(5)
    status = organization.client.create_account(
        AccountName=f"member-{suffix}", Email=f"member-{suffix}@example.com"
    )["CreateAccountStatus"]
    deadline = time.monotonic() + 30
    while status["State"] == "IN_PROGRESS":
        if time.monotonic() > deadline:
            raise AssertionError(f"account creation {status['Id']} is still in progress")
        time.sleep(0.05)
        status = organization.client.describe_create_account_status(
            CreateAccountRequestId=status["Id"]
        )["CreateAccountStatus"]
    if status["State"] != "SUCCEEDED":
        raise AssertionError(f"account creation failed: {status}")
    return str(status["AccountId"])


def join_by_invitation(server: Server, organization: Organization) -> Account:
    """Invite a new standalone account, accept with its root key and return it.

    CreateAccount gives new accounts no access keys, so tests that call as a member account use
    an invited account, which keeps its own key.
    """
    account = server.new_account()
    handshake = organization.client.invite_account_to_organization(
        Target={"Id": account.account_id, "Type": "ACCOUNT"}
    )["Handshake"]
    server.client("organizations", account).accept_handshake(HandshakeId=handshake["Id"])
    return account


def store_policies(
    server: Server, organization: Organization, policy_type: str, count: int
) -> None:
    """Insert `count` policies of a type straight into the store, to reach a quota quickly."""
    now = dt.datetime.now(dt.UTC)
    account = organization.management.account_id
    rows = [
        {
            "id": f"p-stored{index:08d}{secrets.token_hex(3)}",
            "organization_id": organization.id,
            "name": f"stored-{index}",
            "description": "",
            "type": policy_type,
            "content": DENY_S3,
            "aws_managed": False,
            "arn": f"arn:aws:organizations::{account}:policy/{organization.id}/{index}",
            "created_at": now,
            "updated_at": now,
        }
        for index in range(count)
    ]
    with server.database().transaction() as connection:
        connection.execute(insert(policies), rows)
