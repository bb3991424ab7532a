"""Set-up steps shared by the tree, account listing, tagging and state-machine tests."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import update

from orgstack.store.schema import accounts
from tests.harness import Account, Server


@dataclass(frozen=True)
class Organization:
    client: Any
    id: str
    root_id: str
    management: Account

    @property
    def missing_ou_id(self) -> str:
        """An OU id in this root's format that no OU has."""
        return f"ou-{self.root_id.removeprefix('r-')}-zzzzzzzz"


def new_organization(server: Server, management: Account) -> Organization:
    client = server.client("organizations", management)
    organization = client.create_organization(FeatureSet="ALL")["Organization"]
    root_id = client.list_roots()["Roots"][0]["Id"]
    return Organization(client, organization["Id"], root_id, management)


def error_of(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> dict[str, Any]:
    response: dict[str, Any] = raised.value.response
    return response


def create_member(organization: Organization, name: str | None = None) -> str:
    """Create a member account with CreateAccount, wait for it and return its id."""
    suffix = secrets.token_hex(5)
    status = organization.client.create_account(
        AccountName=name or f"member-{suffix}", Email=f"member-{suffix}@example.com"
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


def join_with_root_key(server: Server, organization: Organization) -> Account:
    """Put a standalone account with its own root key into the organization under the root.

    Accounts created by CreateAccount have no access keys, so tests that call as a member account
    place a keyed account in the organization through the store.
    """
    member = server.new_account()
    with server.database().transaction() as connection:
        connection.execute(
            update(accounts)
            .where(accounts.c.id == member.account_id)
            .values(
                organization_id=organization.id,
                parent_id=organization.root_id,
                joined_method="INVITED",
                joined_at=dt.datetime.now(dt.UTC),
            )
        )
    return member
