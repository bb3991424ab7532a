"""DescribeAccount, ListAccounts and ListAccountsForParent through boto3."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import insert

from orgstack.store.schema import accounts
from tests.e2e.tree_helpers import (
    Organization,
    error_of,
    member_with_root_key,
    new_organization,
)
from tests.harness import Account, Server, create_member_account


def _ou(organization: Organization, parent_id: str, name: str) -> str:
    unit = organization.client.create_organizational_unit(ParentId=parent_id, Name=name)
    return str(unit["OrganizationalUnit"]["Id"])


def _all_accounts(organization: Organization, **filters: str) -> list[dict[str, Any]]:
    operation = "list_accounts_for_parent" if filters else "list_accounts"
    found: list[dict[str, Any]] = []
    for page in organization.client.get_paginator(operation).paginate(**filters):
        found.extend(page["Accounts"])
    return found


def test_describe_management_account(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    account = organization.client.describe_account(AccountId=management.account_id)["Account"]

    assert account["Id"] == management.account_id
    assert account["Arn"] == (
        f"arn:aws:organizations::{management.account_id}:account/{organization.id}/"
        f"{management.account_id}"
    )
    assert account["Email"] == management.email
    assert account["Name"] == management.name
    assert account["Status"] == "ACTIVE"
    assert account["State"] == "ACTIVE"
    assert account["JoinedMethod"] == "INVITED"
    assert isinstance(account["JoinedTimestamp"], dt.datetime)
    assert account["Paths"] == [
        f"{organization.id}/{organization.root_id}/{management.account_id}/"
    ]


def test_describe_created_member_in_nested_ou(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    outer = _ou(organization, organization.root_id, "outer")
    inner = _ou(organization, outer, "inner")
    member = create_member_account(server, organization.client, name="Nested Member")
    organization.client.move_account(
        AccountId=member, SourceParentId=organization.root_id, DestinationParentId=inner
    )

    account = organization.client.describe_account(AccountId=member)["Account"]

    assert account["Name"] == "Nested Member"
    assert account["JoinedMethod"] == "CREATED"
    assert account["Paths"] == [
        f"{organization.id}/{organization.root_id}/{outer}/{inner}/{member}/"
    ]


def test_describe_account_outside_organization(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    outsider = server.new_account()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_account(AccountId=outsider.account_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "AccountNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find an Amazon Web Services account with the AccountId that you specified, or "
        "the account whose credentials you used to make this request isn't a member of an "
        "organization."
    )


def test_describe_account_by_member_is_access_denied(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    member = member_with_root_key(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).describe_account(AccountId=member.account_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "You don't have permissions to access this resource."


def test_list_accounts_includes_members(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    first = create_member_account(server, organization.client)
    second = create_member_account(server, organization.client)

    listed = _all_accounts(organization)

    assert sorted(account["Id"] for account in listed) == sorted(
        [management.account_id, first, second]
    )
    described = organization.client.describe_account(AccountId=first)["Account"]
    assert described in listed


def test_list_accounts_pages(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    members = [create_member_account(server, organization.client) for _ in range(4)]

    first = organization.client.list_accounts(MaxResults=2)
    second = organization.client.list_accounts(MaxResults=2, NextToken=first["NextToken"])
    third = organization.client.list_accounts(MaxResults=2, NextToken=second["NextToken"])

    ids = [account["Id"] for page in (first, second, third) for account in page["Accounts"]]
    assert ids == sorted([management.account_id, *members])
    assert "NextToken" not in third


def test_list_accounts_forged_token(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_accounts(NextToken="bm90LWEtdG9rZW4")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == "You specified an invalid value for nextToken."
    assert response["Reason"] == "INVALID_NEXT_TOKEN"


def test_list_accounts_for_parent(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization, organization.root_id, "unit")
    moved = create_member_account(server, organization.client)
    stayed = create_member_account(server, organization.client)
    organization.client.move_account(
        AccountId=moved, SourceParentId=organization.root_id, DestinationParentId=unit
    )

    in_unit = _all_accounts(organization, ParentId=unit)
    in_root = _all_accounts(organization, ParentId=organization.root_id)

    assert [account["Id"] for account in in_unit] == [moved]
    assert in_unit[0]["Paths"] == [f"{organization.id}/{organization.root_id}/{unit}/{moved}/"]
    assert sorted(account["Id"] for account in in_root) == sorted([management.account_id, stayed])


def test_list_accounts_for_unknown_parent(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_accounts_for_parent(ParentId=organization.missing_ou_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "ParentNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find a root or OU with the ParentId that you specified."
    )


def test_list_accounts_by_member_is_access_denied(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    member = member_with_root_key(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_accounts()

    response = error_of(raised)
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "You don't have permissions to access this resource."


def _insert_accounts(server: Server, organization: Organization, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    prefix = organization.id.removeprefix("o-")[:6]
    rows = [
        {
            "id": f"9{index:011d}",
            "name": f"bulk {index}",
            "email": f"bulk-{index}-{prefix}@example.com",
            "email_normalized": f"bulk-{index}-{prefix}@example.com",
            "status": "ACTIVE",
            "state": "ACTIVE",
            "organization_id": organization.id,
            "parent_id": organization.root_id,
            "joined_method": "CREATED",
            "joined_at": now,
            "created_at": now,
        }
        for index in range(count)
    ]
    with server.database().transaction() as connection:
        connection.execute(insert(accounts), rows)


@pytest.mark.slow
def test_list_accounts_with_10000_accounts(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    _insert_accounts(server, organization, 10_000)

    started = time.monotonic()
    listed = _all_accounts(organization)
    elapsed = time.monotonic() - started

    assert len(listed) == 10_001
    assert len({account["Id"] for account in listed}) == 10_001
    # 501 pages of 20 accounts. Measured while writing this test on a shared machine, the walk
    # took 7 s on SQLite and 12 to 24 s on PostgreSQL. The bound is loose for slower machines.
    assert elapsed < 60


def test_list_accounts_token_of_other_organization(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    other = new_organization(server, server.new_account())
    create_member_account(server, other.client)
    token = other.client.list_accounts(MaxResults=1)["NextToken"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_accounts(NextToken=token)

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_NEXT_TOKEN"
