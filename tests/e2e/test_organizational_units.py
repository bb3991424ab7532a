"""CreateOrganizationalUnit, UpdateOrganizationalUnit, DeleteOrganizationalUnit,
DescribeOrganizationalUnit and ListOrganizationalUnitsForParent through boto3."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import insert, select

from orgstack.store.schema import organizational_units, tags
from tests.e2e.audit_helpers import request_id_of, wait_for_request
from tests.harness import Account, Server

OU_ID = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")


def _organization(server: Server, account: Account) -> tuple[Any, dict[str, Any], str]:
    """Create an organization; return the client, the organization and the root id."""
    client = server.client("organizations", account)
    organization = client.create_organization(FeatureSet="ALL")["Organization"]
    root_id = client.list_roots()["Roots"][0]["Id"]
    return client, organization, root_id


def _error(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> dict[str, Any]:
    response: dict[str, Any] = raised.value.response
    return response


def _targets_of_full_aws_access(client: Any) -> list[str]:
    paginator = client.get_paginator("list_targets_for_policy")
    pages = paginator.paginate(PolicyId="p-FullAWSAccess")
    return [target["TargetId"] for page in pages for target in page["Targets"]]


def _create(client: Any, parent_id: str, name: str) -> dict[str, Any]:
    unit: dict[str, Any] = client.create_organizational_unit(ParentId=parent_id, Name=name)[
        "OrganizationalUnit"
    ]
    return unit


def test_create_ou_under_root(server: Server, management: Account) -> None:
    client, organization, root_id = _organization(server, management)

    unit = _create(client, root_id, "Workloads")

    assert OU_ID.fullmatch(unit["Id"])
    assert unit["Id"].startswith(f"ou-{root_id.removeprefix('r-')}-")
    assert unit["Name"] == "Workloads"
    assert unit["Arn"] == (
        f"arn:aws:organizations::{management.account_id}:ou/{organization['Id']}/{unit['Id']}"
    )
    assert unit["Path"] == f"{organization['Id']}/{root_id}/{unit['Id']}/"


def test_create_nested_ou_path(server: Server, management: Account) -> None:
    client, organization, root_id = _organization(server, management)
    outer = _create(client, root_id, "Outer")

    inner = _create(client, outer["Id"], "Inner")

    assert inner["Path"] == f"{organization['Id']}/{root_id}/{outer['Id']}/{inner['Id']}/"
    described = client.describe_organizational_unit(OrganizationalUnitId=inner["Id"])
    assert described["OrganizationalUnit"] == inner


def test_create_ou_attaches_full_aws_access(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    unit = _create(client, root_id, "Attached")

    policies = client.list_policies_for_target(
        TargetId=unit["Id"], Filter="SERVICE_CONTROL_POLICY"
    )["Policies"]
    assert [policy["Id"] for policy in policies] == ["p-FullAWSAccess"]


def test_create_ou_sixth_level_is_depth_limit(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    parent_id = root_id
    for level in range(1, 6):
        parent_id = _create(client, parent_id, f"level-{level}")["Id"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(client, parent_id, "level-6")

    response = _error(raised)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You attempted to create an OU tree that is too many levels deep."
    )
    assert response["Reason"] == "OU_DEPTH_LIMIT_EXCEEDED"


def test_create_ou_duplicate_name_same_parent(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    _create(client, root_id, "Shared")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(client, root_id, "Shared")

    response = _error(raised)
    assert response["Error"]["Code"] == "DuplicateOrganizationalUnitException"
    assert response["Error"]["Message"] == "An OU with the same name already exists."


def test_create_ou_same_name_other_parent(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    first = _create(client, root_id, "Shared")

    second = _create(client, first["Id"], "Shared")

    assert second["Name"] == "Shared"
    assert second["Id"] != first["Id"]


def test_create_ou_unknown_parent(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    missing = f"ou-{root_id.removeprefix('r-')}-zzzzzzzz"

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(client, missing, "Orphan")

    response = _error(raised)
    assert response["Error"]["Code"] == "ParentNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find a root or OU with the ParentId that you specified."
    )


def test_create_ou_under_other_organization(server: Server, management: Account) -> None:
    _, _, root_id = _organization(server, management)
    other_client, _, _ = _organization(server, server.new_account())

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(other_client, root_id, "Intruder")

    assert _error(raised)["Error"]["Code"] == "ParentNotFoundException"


def _fill_with_ous(
    server: Server, management: Account, organization_id: str, root_id: str, count: int
) -> None:
    """Store `count` OUs under the root directly, as 2,000 API calls would take too long."""
    now = dt.datetime.now(dt.UTC)
    suffix = root_id.removeprefix("r-")
    rows = [
        {
            "id": f"ou-{suffix}-{index:08d}",
            "organization_id": organization_id,
            "parent_id": root_id,
            "name": f"bulk-{index}",
            "arn": f"arn:aws:organizations::{management.account_id}:ou/x/{index}",
            "depth": 1,
            "created_at": now,
        }
        for index in range(count)
    ]
    with server.database().transaction() as connection:
        connection.execute(insert(organizational_units), rows)


def test_create_ou_quota_of_2000(server: Server, management: Account) -> None:
    client, organization, root_id = _organization(server, management)
    _fill_with_ous(server, management, organization["Id"], root_id, 1999)
    _create(client, root_id, "number-2000")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(client, root_id, "number-2001")

    response = _error(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You attempted to exceed the number of OUs that you can have in an organization."
    )
    assert response["Reason"] == "OU_NUMBER_LIMIT_EXCEEDED"


def test_create_ou_with_tags(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    unit = client.create_organizational_unit(
        ParentId=root_id, Name="Tagged", Tags=[{"Key": "team", "Value": "platform"}]
    )["OrganizationalUnit"]

    tags = client.list_tags_for_resource(ResourceId=unit["Id"])["Tags"]
    assert tags == [{"Key": "team", "Value": "platform"}]


def test_create_ou_with_system_tag_creates_nothing(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_organizational_unit(
            ParentId=root_id, Name="Tagged", Tags=[{"Key": "aws:team", "Value": "x"}]
        )

    response = _error(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_SYSTEM_TAGS_PARAMETER"
    assert (
        client.list_organizational_units_for_parent(ParentId=root_id)["OrganizationalUnits"] == []
    )


def test_create_ou_name_too_long(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(client, root_id, "n" * 129)

    response = _error(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "MAX_LENGTH_EXCEEDED"


def test_create_ou_outside_organization(server: Server, management: Account) -> None:
    outsider = server.client("organizations", server.new_account())
    _, _, root_id = _organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(outsider, root_id, "Nope")

    response = _error(raised)
    assert response["Error"]["Code"] == "AWSOrganizationsNotInUseException"
    assert response["Error"]["Message"] == "Your account isn't a member of an organization."


def test_update_ou_renames(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = _create(client, root_id, "Before")

    updated = client.update_organizational_unit(OrganizationalUnitId=unit["Id"], Name="After")[
        "OrganizationalUnit"
    ]

    assert updated == {**unit, "Name": "After"}
    described = client.describe_organizational_unit(OrganizationalUnitId=unit["Id"])
    assert described["OrganizationalUnit"]["Name"] == "After"


def test_update_ou_without_name_changes_nothing(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = _create(client, root_id, "Same")

    updated = client.update_organizational_unit(OrganizationalUnitId=unit["Id"])

    assert updated["OrganizationalUnit"] == unit


def test_update_ou_to_sibling_name(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    _create(client, root_id, "Taken")
    unit = _create(client, root_id, "Free")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.update_organizational_unit(OrganizationalUnitId=unit["Id"], Name="Taken")

    response = _error(raised)
    assert response["Error"]["Code"] == "DuplicateOrganizationalUnitException"
    assert response["Error"]["Message"] == "An OU with the same name already exists."


def test_update_unknown_ou(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.update_organizational_unit(
            OrganizationalUnitId=f"ou-{root_id.removeprefix('r-')}-zzzzzzzz", Name="x"
        )

    response = _error(raised)
    assert response["Error"]["Code"] == "OrganizationalUnitNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find an OU with the OrganizationalUnitId that you specified."
    )


def test_delete_empty_ou(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = client.create_organizational_unit(
        ParentId=root_id, Name="Gone", Tags=[{"Key": "k", "Value": "v"}]
    )["OrganizationalUnit"]

    client.delete_organizational_unit(OrganizationalUnitId=unit["Id"])

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.describe_organizational_unit(OrganizationalUnitId=unit["Id"])
    assert _error(raised)["Error"]["Code"] == "OrganizationalUnitNotFoundException"
    assert unit["Id"] not in _targets_of_full_aws_access(client)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.list_tags_for_resource(ResourceId=unit["Id"])
    assert _error(raised)["Error"]["Code"] == "TargetNotFoundException"


def test_delete_ou_with_child_ou(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = _create(client, root_id, "Parent")
    _create(client, unit["Id"], "Child")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.delete_organizational_unit(OrganizationalUnitId=unit["Id"])

    response = _error(raised)
    assert response["Error"]["Code"] == "OrganizationalUnitNotEmptyException"
    assert response["Error"]["Message"] == (
        "The specified OU is not empty. Move all accounts to another root or to other OUs, remove "
        "all child OUs, and try the operation again."
    )


def test_delete_ou_with_account(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = _create(client, root_id, "Holder")
    client.move_account(
        AccountId=management.account_id, SourceParentId=root_id, DestinationParentId=unit["Id"]
    )

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.delete_organizational_unit(OrganizationalUnitId=unit["Id"])

    assert _error(raised)["Error"]["Code"] == "OrganizationalUnitNotEmptyException"


def test_delete_unknown_ou(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.delete_organizational_unit(
            OrganizationalUnitId=f"ou-{root_id.removeprefix('r-')}-zzzzzzzz"
        )

    assert _error(raised)["Error"]["Code"] == "OrganizationalUnitNotFoundException"


def test_deleted_name_can_be_reused(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = _create(client, root_id, "Again")
    client.delete_organizational_unit(OrganizationalUnitId=unit["Id"])

    again = _create(client, root_id, "Again")

    assert again["Id"] != unit["Id"]


def test_list_ous_for_parent_pages(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    created = [_create(client, root_id, f"unit-{index}") for index in range(5)]
    nested = _create(client, created[0]["Id"], "nested")

    first = client.list_organizational_units_for_parent(ParentId=root_id, MaxResults=3)
    second = client.list_organizational_units_for_parent(
        ParentId=root_id, MaxResults=3, NextToken=first["NextToken"]
    )

    assert len(first["OrganizationalUnits"]) == 3
    assert "NextToken" not in second
    listed = first["OrganizationalUnits"] + second["OrganizationalUnits"]
    assert sorted(unit["Id"] for unit in listed) == sorted(unit["Id"] for unit in created)
    assert nested["Id"] not in [unit["Id"] for unit in listed]
    assert {unit["Id"]: unit for unit in listed} == {unit["Id"]: unit for unit in created}


def test_list_ous_for_parent_token_of_other_parent(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    parent = _create(client, root_id, "parent")
    for index in range(3):
        _create(client, root_id, f"unit-{index}")
    token = client.list_organizational_units_for_parent(ParentId=root_id, MaxResults=1)["NextToken"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.list_organizational_units_for_parent(ParentId=parent["Id"], NextToken=token)

    response = _error(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_NEXT_TOKEN"


def test_list_ous_for_unknown_parent(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.list_organizational_units_for_parent(
            ParentId=f"ou-{root_id.removeprefix('r-')}-zzzzzzzz"
        )

    assert _error(raised)["Error"]["Code"] == "ParentNotFoundException"


def test_delete_organization_removes_tags(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    unit = client.create_organizational_unit(
        ParentId=root_id, Name="Leftover", Tags=[{"Key": "k", "Value": "v"}]
    )["OrganizationalUnit"]
    policy = client.create_policy(
        Name="tagged",
        Description="",
        Type="SERVICE_CONTROL_POLICY",
        Content='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
        Tags=[{"Key": "k", "Value": "v"}],
    )["Policy"]["PolicySummary"]
    client.tag_resource(ResourceId=management.account_id, Tags=[{"Key": "k", "Value": "v"}])
    tagged = [unit["Id"], policy["Id"], management.account_id]

    client.delete_organization()

    with server.database().transaction(write=False) as connection:
        leftover = connection.execute(
            select(tags.c.resource_id).where(tags.c.resource_id.in_(tagged))
        ).all()
    assert leftover == []


def test_concurrent_creates_of_one_name(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)
    clients = [server.client("organizations", management) for _ in range(6)]

    def create(worker: Any) -> str:
        try:
            _create(worker, root_id, "contested")
        except botocore.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        return "created"

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        outcomes = list(pool.map(create, clients))

    assert sorted(outcomes) == ["DuplicateOrganizationalUnitException"] * 5 + ["created"]
    listed = client.list_organizational_units_for_parent(ParentId=root_id)["OrganizationalUnits"]
    assert [unit["Name"] for unit in listed] == ["contested"]


def test_concurrent_creates_at_quota(server: Server, management: Account) -> None:
    _, organization, root_id = _organization(server, management)
    _fill_with_ous(server, management, organization["Id"], root_id, 1998)
    clients = [server.client("organizations", management) for _ in range(4)]

    def create(worker_and_name: tuple[Any, str]) -> str:
        worker, name = worker_and_name
        try:
            _create(worker, root_id, name)
        except botocore.exceptions.ClientError as error:
            return str(error.response.get("Reason"))
        return "created"

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        outcomes = list(pool.map(create, [(c, f"last-{n}") for n, c in enumerate(clients)]))

    # 1,998 stored OUs leave room for exactly two more.
    assert sorted(outcomes) == ["OU_NUMBER_LIMIT_EXCEEDED"] * 2 + ["created"] * 2


def test_create_ou_event_names_the_ou(server: Server, management: Account) -> None:
    client, _, root_id = _organization(server, management)

    reply = client.create_organizational_unit(ParentId=root_id, Name="Audited")

    cloudtrail = server.client("cloudtrail", management)
    event = wait_for_request(cloudtrail, request_id_of(reply))
    assert event["EventName"] == "CreateOrganizationalUnit"
    assert {
        "ResourceType": "AWS::Organizations::OrganizationalUnit",
        "ResourceName": reply["OrganizationalUnit"]["Arn"],
    } in event["Resources"]
