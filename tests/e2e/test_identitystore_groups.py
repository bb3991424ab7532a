"""Identity Store groups and group memberships through boto3."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.identity_center_helpers import account_instance, new_group, new_user
from tests.e2e.organization_helpers import failure
from tests.harness import Server

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def store(server: Server) -> tuple[Any, str]:
    owner, _, store_id = account_instance(server)
    return server.client("identitystore", owner), store_id


def test_create_and_describe_group(store: tuple[Any, str]) -> None:
    client, store_id = store

    created = client.create_group(
        IdentityStoreId=store_id, DisplayName="Engineers", Description="All engineers"
    )
    group = client.describe_group(IdentityStoreId=store_id, GroupId=created["GroupId"])

    assert re.fullmatch(store_id.removeprefix("d-") + "-" + UUID, created["GroupId"])
    assert created["GroupArn"] == f"arn:aws:identitystore:::group/{created['GroupId']}"
    assert group["DisplayName"] == "Engineers"
    assert group["Description"] == "All engineers"
    assert group["Revision"] == created["Revision"]


def test_create_group_needs_display_name(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(client.create_group, IdentityStoreId=store_id)

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "displayname: The attribute displayname is required"


def test_create_group_duplicate_display_name(store: tuple[Any, str]) -> None:
    client, store_id = store
    new_group(client, store_id, "Ops")

    with pytest.raises(client.exceptions.ConflictException) as raised:
        new_group(client, store_id, "OPS")

    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"] == "Duplicate GroupDisplayName"
    assert response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"


def test_create_group_reserved_name(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(
        client.create_group, IdentityStoreId=store_id, DisplayName="Administrator"
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Administrator is a reserved name and cannot be used."


def test_update_group(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Before")

    client.update_group(
        IdentityStoreId=store_id,
        GroupId=group_id,
        Operations=[
            {"AttributePath": "displayName", "AttributeValue": "After"},
            {"AttributePath": "description", "AttributeValue": "Renamed"},
        ],
    )

    group = client.describe_group(IdentityStoreId=store_id, GroupId=group_id)
    assert group["DisplayName"] == "After"
    assert group["Description"] == "Renamed"


def test_update_group_name_taken(store: tuple[Any, str]) -> None:
    client, store_id = store
    new_group(client, store_id, "Taken")
    group_id = new_group(client, store_id, "Mine")

    with pytest.raises(client.exceptions.ConflictException) as raised:
        client.update_group(
            IdentityStoreId=store_id,
            GroupId=group_id,
            Operations=[{"AttributePath": "displayName", "AttributeValue": "taken"}],
        )

    assert raised.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"


def test_describe_missing_group(store: tuple[Any, str]) -> None:
    client, store_id = store
    missing = "00000000-0000-0000-0000-000000000000"

    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.describe_group(IdentityStoreId=store_id, GroupId=missing)

    response = raised.value.response
    assert response["Error"]["Message"] == "GROUP not found."
    assert response["ResourceType"] == "GROUP"
    assert response["ResourceId"] == missing


def test_list_groups_filter_and_pages(store: tuple[Any, str]) -> None:
    client, store_id = store
    ids = [new_group(client, store_id, f"Team {index}") for index in range(3)]

    page = client.list_groups(IdentityStoreId=store_id, MaxResults=2)
    rest = client.list_groups(IdentityStoreId=store_id, NextToken=page["NextToken"])
    filtered = client.list_groups(
        IdentityStoreId=store_id,
        Filters=[{"AttributePath": "DisplayName", "AttributeValue": "team 1"}],
    )

    listed = [group["GroupId"] for group in page["Groups"] + rest["Groups"]]
    assert listed == sorted(ids)
    assert "NextToken" not in rest
    assert [group["GroupId"] for group in filtered["Groups"]] == [ids[1]]


def test_get_group_id(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Lookup")

    found = client.get_group_id(
        IdentityStoreId=store_id,
        AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Lookup"}
        },
    )

    assert found["GroupId"] == group_id
    assert found["GroupArn"] == f"arn:aws:identitystore:::group/{group_id}"


def test_delete_group_removes_memberships(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Temporary")
    user_id = new_user(client, store_id, "member.one")
    client.create_group_membership(
        IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )

    client.delete_group(IdentityStoreId=store_id, GroupId=group_id)

    memberships = client.list_group_memberships_for_member(
        IdentityStoreId=store_id, MemberId={"UserId": user_id}
    )["GroupMemberships"]
    assert memberships == []
    status, error, _ = failure(client.describe_group, IdentityStoreId=store_id, GroupId=group_id)
    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"


def test_membership_lifecycle(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Members")
    user_id = new_user(client, store_id, "join.me")

    created = client.create_group_membership(
        IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )
    membership_id = created["MembershipId"]
    described = client.describe_group_membership(
        IdentityStoreId=store_id, MembershipId=membership_id
    )
    found = client.get_group_membership_id(
        IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )
    by_group = client.list_group_memberships(IdentityStoreId=store_id, GroupId=group_id)
    by_member = client.list_group_memberships_for_member(
        IdentityStoreId=store_id, MemberId={"UserId": user_id}
    )

    assert re.fullmatch(store_id.removeprefix("d-") + "-" + UUID, membership_id)
    assert created["MembershipArn"] == f"arn:aws:identitystore:::membership/{membership_id}"
    assert described["GroupId"] == group_id
    assert described["MemberId"] == {"UserId": user_id}
    assert found["MembershipId"] == membership_id
    assert [item["MembershipId"] for item in by_group["GroupMemberships"]] == [membership_id]
    assert [item["GroupId"] for item in by_member["GroupMemberships"]] == [group_id]

    client.delete_group_membership(IdentityStoreId=store_id, MembershipId=membership_id)

    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.describe_group_membership(IdentityStoreId=store_id, MembershipId=membership_id)
    assert raised.value.response["Error"]["Message"] == "GROUP_MEMBERSHIP not found."
    assert raised.value.response["ResourceType"] == "GROUP_MEMBERSHIP"


def test_duplicate_membership_conflicts(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Once")
    user_id = new_user(client, store_id, "only.once")
    client.create_group_membership(
        IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )

    status, error, _ = failure(
        client.create_group_membership,
        IdentityStoreId=store_id,
        GroupId=group_id,
        MemberId={"UserId": user_id},
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == "Member and group relationship already exists."


def test_membership_of_missing_user(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Nobody")
    missing = store_id.removeprefix("d-") + "-11111111-1111-1111-1111-111111111111"

    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.create_group_membership(
            IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": missing}
        )

    assert raised.value.response["ResourceType"] == "USER"
    assert raised.value.response["ResourceId"] == missing


def test_is_member_in_groups(store: tuple[Any, str]) -> None:
    client, store_id = store
    joined = new_group(client, store_id, "Joined")
    other = new_group(client, store_id, "Other")
    user_id = new_user(client, store_id, "check.me")
    client.create_group_membership(
        IdentityStoreId=store_id, GroupId=joined, MemberId={"UserId": user_id}
    )

    results = client.is_member_in_groups(
        IdentityStoreId=store_id, MemberId={"UserId": user_id}, GroupIds=[joined, other]
    )["Results"]

    assert results == [
        {"GroupId": joined, "MemberId": {"UserId": user_id}, "MembershipExists": True},
        {"GroupId": other, "MemberId": {"UserId": user_id}, "MembershipExists": False},
    ]


def test_delete_user_removes_memberships(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Leavers")
    user_id = new_user(client, store_id, "leave.me")
    client.create_group_membership(
        IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )

    client.delete_user(IdentityStoreId=store_id, UserId=user_id)

    listed = client.list_group_memberships(IdentityStoreId=store_id, GroupId=group_id)
    assert listed["GroupMemberships"] == []


def test_list_memberships_pages(store: tuple[Any, str]) -> None:
    client, store_id = store
    group_id = new_group(client, store_id, "Big")
    for index in range(3):
        user_id = new_user(client, store_id, f"big{index}.member")
        client.create_group_membership(
            IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
        )

    pages = list(
        client.get_paginator("list_group_memberships").paginate(
            IdentityStoreId=store_id, GroupId=group_id, PaginationConfig={"PageSize": 2}
        )
    )

    assert [len(page["GroupMemberships"]) for page in pages] == [2, 1]
