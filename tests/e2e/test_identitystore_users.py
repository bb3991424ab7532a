"""Identity Store users through boto3: create, describe, update, delete, list and look up."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.identity_center_helpers import account_instance, new_user
from tests.e2e.organization_helpers import failure
from tests.harness import Server


@pytest.fixture
def store(server: Server) -> tuple[Any, str]:
    """An identitystore client of a fresh account instance, and the instance's store id."""
    owner, _, store_id = account_instance(server)
    return server.client("identitystore", owner), store_id


def test_create_user_returns_ids_in_aws_format(store: tuple[Any, str]) -> None:
    client, store_id = store

    created = client.create_user(
        IdentityStoreId=store_id,
        UserName="jane.doe",
        DisplayName="Jane Doe",
        Name={"GivenName": "Jane", "FamilyName": "Doe"},
    )

    prefix = store_id.removeprefix("d-")
    assert re.fullmatch(
        prefix + r"-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        created["UserId"],
    )
    assert created["UserArn"] == f"arn:aws:identitystore:::user/{created['UserId']}"
    assert created["IdentityStoreId"] == store_id
    assert created["Revision"].isdigit()


def test_describe_user_returns_attributes(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(
        client,
        store_id,
        "ann.lee",
        Emails=[{"Value": "ann@example.com", "Type": "work", "Primary": True}],
        Title="Engineer",
        Locale="en-GB",
    )

    user = client.describe_user(IdentityStoreId=store_id, UserId=user_id)

    assert user["UserName"] == "ann.lee"
    assert user["DisplayName"] == "Ann Lee"
    assert user["Name"] == {"GivenName": "ann", "FamilyName": "lee"}
    assert user["Emails"] == [{"Value": "ann@example.com", "Type": "work", "Primary": True}]
    assert user["Title"] == "Engineer"
    assert user["Locale"] == "en-GB"
    assert user["UserStatus"] == "ENABLED"
    assert user["CreatedAt"] == user["UpdatedAt"]


def test_describe_user_accepts_arns(store: tuple[Any, str], server: Server) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "arn.user")
    owner_id = client.list_identity_stores()["IdentityStores"][0]["IdentityStoreArn"]

    user = client.describe_user(
        IdentityStoreId=owner_id, UserId=f"arn:aws:identitystore:::user/{user_id}"
    )

    assert user["UserId"] == user_id


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        (
            {"UserName": "a", "Name": {"GivenName": "A", "FamilyName": "B"}},
            "displayname: The attribute displayname is required",
        ),
        (
            {"UserName": "a", "DisplayName": "A"},
            "name: The attribute name is required",
        ),
        (
            {"UserName": "a", "DisplayName": "A", "Name": {"GivenName": "A"}},
            "familyname: The attribute familyname is required",
        ),
        (
            {"UserName": "a"},
            "displayname: The attribute displayname is required, "
            "name: The attribute name is required",
        ),
        (
            {"DisplayName": "A", "Name": {"GivenName": "A", "FamilyName": "B"}},
            "userName is a required attribute",
        ),
    ],
)
def test_create_user_missing_attribute(
    store: tuple[Any, str], request_fields: dict[str, Any], message: str
) -> None:
    client, store_id = store

    status, error, _ = failure(client.create_user, IdentityStoreId=store_id, **request_fields)

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == message


def test_create_user_reserved_name(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(
        client.create_user,
        IdentityStoreId=store_id,
        UserName="AWSAdministrators",
        DisplayName="Admins",
        Name={"GivenName": "A", "FamilyName": "B"},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "AWSAdministrators is a reserved name and cannot be used."


def test_create_user_duplicate_name_any_case(store: tuple[Any, str]) -> None:
    client, store_id = store
    new_user(client, store_id, "dup.user")

    with pytest.raises(client.exceptions.ConflictException) as raised:
        new_user(client, store_id, "DUP.user")

    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"] == "Duplicate UserName"
    assert response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"


def test_same_user_name_in_two_stores(server: Server) -> None:
    for _ in range(2):
        owner, _, store_id = account_instance(server)
        client = server.client("identitystore", owner)
        assert new_user(client, store_id, "shared.name")


def test_create_user_rejects_pattern(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(
        client.create_user,
        IdentityStoreId=store_id,
        UserName="has space",
        DisplayName="A",
        Name={"GivenName": "A", "FamilyName": "B"},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    # The value of a sensitive member is left out of the message.
    assert error["Message"] == (
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
    )


def test_describe_missing_user(store: tuple[Any, str]) -> None:
    client, store_id = store
    missing = store_id.removeprefix("d-") + "-00000000-0000-0000-0000-000000000000"

    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.describe_user(IdentityStoreId=store_id, UserId=missing)

    response = raised.value.response
    assert response["Error"]["Message"] == "USER not found."
    assert response["ResourceType"] == "USER"
    assert response["ResourceId"] == missing


def test_update_user_attribute_operations(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "upd.user", Title="Old")
    before = client.describe_user(IdentityStoreId=store_id, UserId=user_id)

    updated = client.update_user(
        IdentityStoreId=store_id,
        UserId=user_id,
        Operations=[
            {"AttributePath": "name.givenName", "AttributeValue": "Updated"},
            {"AttributePath": "displayName", "AttributeValue": "Updated User"},
            {"AttributePath": "emails", "AttributeValue": [{"value": "u@example.com"}]},
            {"AttributePath": "title"},
        ],
    )

    after = client.describe_user(IdentityStoreId=store_id, UserId=user_id)
    assert after["Name"] == {"GivenName": "Updated", "FamilyName": "user"}
    assert after["DisplayName"] == "Updated User"
    assert after["Emails"] == [{"Value": "u@example.com"}]
    assert "Title" not in after
    assert int(updated["Revision"]) > int(before["Revision"])
    assert after["Revision"] == updated["Revision"]


def test_update_user_cannot_remove_required(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "keep.name")

    status, error, _ = failure(
        client.update_user,
        IdentityStoreId=store_id,
        UserId=user_id,
        Operations=[{"AttributePath": "displayName"}],
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "displayname: The attribute displayname is required"


def test_update_user_unknown_path(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "path.user")

    status, error, _ = failure(
        client.update_user,
        IdentityStoreId=store_id,
        UserId=user_id,
        Operations=[{"AttributePath": "shoeSize", "AttributeValue": "9"}],
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Invalid attribute path shoeSize"


def test_update_user_name_taken(store: tuple[Any, str]) -> None:
    client, store_id = store
    new_user(client, store_id, "taken.name")
    user_id = new_user(client, store_id, "other.name")

    with pytest.raises(client.exceptions.ConflictException) as raised:
        client.update_user(
            IdentityStoreId=store_id,
            UserId=user_id,
            Operations=[{"AttributePath": "userName", "AttributeValue": "Taken.Name"}],
        )

    assert raised.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"


def test_update_user_stale_revision(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "rev.user")
    revision = client.describe_user(IdentityStoreId=store_id, UserId=user_id)["Revision"]
    client.update_user(
        IdentityStoreId=store_id,
        UserId=user_id,
        Operations=[{"AttributePath": "nickName", "AttributeValue": "R"}],
        Revision=revision,
    )

    with pytest.raises(client.exceptions.ConflictException) as raised:
        client.update_user(
            IdentityStoreId=store_id,
            UserId=user_id,
            Operations=[{"AttributePath": "nickName", "AttributeValue": "S"}],
            Revision=revision,
        )

    assert raised.value.response["Reason"] == "CONCURRENT_MODIFICATION"


def test_delete_user(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "gone.user")

    client.delete_user(IdentityStoreId=store_id, UserId=user_id)

    status, error, _ = failure(client.describe_user, IdentityStoreId=store_id, UserId=user_id)
    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    status, error, _ = failure(client.delete_user, IdentityStoreId=store_id, UserId=user_id)
    assert error["Code"] == "ResourceNotFoundException"


def test_list_users_pages(store: tuple[Any, str]) -> None:
    client, store_id = store
    created = {new_user(client, store_id, f"page{index}.user") for index in range(5)}

    first = client.list_users(IdentityStoreId=store_id, MaxResults=2)
    seen = [user["UserId"] for user in first["Users"]]
    token = first.get("NextToken")
    while token:
        page = client.list_users(IdentityStoreId=store_id, MaxResults=2, NextToken=token)
        seen.extend(user["UserId"] for user in page["Users"])
        token = page.get("NextToken")

    assert len(first["Users"]) == 2
    assert sorted(seen) == sorted(created)
    assert seen == sorted(seen)


def test_list_users_paginator(store: tuple[Any, str]) -> None:
    client, store_id = store
    for index in range(3):
        new_user(client, store_id, f"pager{index}.user")

    pages = list(
        client.get_paginator("list_users").paginate(
            IdentityStoreId=store_id, PaginationConfig={"PageSize": 1}
        )
    )

    assert [len(page["Users"]) for page in pages] == [1, 1, 1]


def test_list_users_rejects_foreign_token(store: tuple[Any, str]) -> None:
    client, store_id = store
    for index in range(2):
        new_user(client, store_id, f"token{index}.user")
    token = client.list_users(IdentityStoreId=store_id, MaxResults=1)["NextToken"]

    status, error, _ = failure(
        client.list_users,
        IdentityStoreId=store_id,
        MaxResults=1,
        NextToken=token,
        Filters=[{"AttributePath": "UserName", "AttributeValue": "token0.user"}],
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The NextToken is not valid."


def test_list_users_max_results_range(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(client.list_users, IdentityStoreId=store_id, MaxResults=101)

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


def test_list_users_filter_by_user_name(store: tuple[Any, str]) -> None:
    client, store_id = store
    wanted = new_user(client, store_id, "filter.me")
    new_user(client, store_id, "not.me")

    users = client.list_users(
        IdentityStoreId=store_id,
        Filters=[{"AttributePath": "UserName", "AttributeValue": "FILTER.me"}],
    )["Users"]

    assert [user["UserId"] for user in users] == [wanted]


def test_list_users_unsupported_filter(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(
        client.list_users,
        IdentityStoreId=store_id,
        Filters=[{"AttributePath": "DisplayName", "AttributeValue": "x"}],
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Filtering by attribute path DisplayName is not supported"


def test_get_user_id_by_user_name_and_email(store: tuple[Any, str]) -> None:
    client, store_id = store
    user_id = new_user(client, store_id, "find.me", Emails=[{"Value": "find@example.com"}])

    by_name = client.get_user_id(
        IdentityStoreId=store_id,
        AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "Find.Me"}
        },
    )
    by_email = client.get_user_id(
        IdentityStoreId=store_id,
        AlternateIdentifier={
            "UniqueAttribute": {
                "AttributePath": "emails.value",
                "AttributeValue": "find@example.com",
            }
        },
    )

    assert by_name["UserId"] == user_id
    assert by_name["UserArn"] == f"arn:aws:identitystore:::user/{user_id}"
    assert by_email["UserId"] == user_id


def test_get_user_id_not_found(store: tuple[Any, str]) -> None:
    client, store_id = store

    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.get_user_id(
            IdentityStoreId=store_id,
            AlternateIdentifier={
                "ExternalId": {"Issuer": "https://idp.example.com", "Id": "nobody"}
            },
        )

    assert raised.value.response["Error"]["Message"] == "USER not found."
    assert raised.value.response["ResourceType"] == "USER"


def test_get_user_id_non_unique_attribute(store: tuple[Any, str]) -> None:
    client, store_id = store

    status, error, _ = failure(
        client.get_user_id,
        IdentityStoreId=store_id,
        AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "X"}
        },
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The attribute displayName is not a unique attribute"
