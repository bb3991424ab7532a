"""sso-admin Regions of an instance through boto3 against the real server."""

from __future__ import annotations

from typing import Any

from tests.e2e.identity_center_helpers import account_instance
from tests.e2e.organization_helpers import failure
from tests.harness import Server

DENIED = "You do not have sufficient access to perform this action."


def _instance(server: Server) -> tuple[Any, str]:
    account, instance_arn, _ = account_instance(server)
    return server.client("sso-admin", account), instance_arn


def test_primary_region_is_listed(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)

    listed = sso_admin.list_regions(InstanceArn=instance_arn)["Regions"]
    described = sso_admin.describe_region(InstanceArn=instance_arn, RegionName="us-east-1")

    assert [(item["RegionName"], item["IsPrimaryRegion"], item["Status"]) for item in listed] == [
        ("us-east-1", True, "ACTIVE")
    ]
    assert described["IsPrimaryRegion"] is True
    assert "AddedDate" in described


def test_add_describe_remove_region(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)

    added = sso_admin.add_region(InstanceArn=instance_arn, RegionName="eu-west-1")
    described = sso_admin.describe_region(InstanceArn=instance_arn, RegionName="eu-west-1")
    listed = sso_admin.list_regions(InstanceArn=instance_arn)["Regions"]
    removed = sso_admin.remove_region(InstanceArn=instance_arn, RegionName="eu-west-1")
    status, error, _ = failure(
        sso_admin.describe_region, InstanceArn=instance_arn, RegionName="eu-west-1"
    )

    assert added["Status"] == "ADDING"
    assert described["Status"] == "ACTIVE"
    assert described["IsPrimaryRegion"] is False
    assert [item["RegionName"] for item in listed] == ["eu-west-1", "us-east-1"]
    assert removed["Status"] == "REMOVING"
    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "The Region eu-west-1 is not enabled for this instance."


def test_list_regions_pages(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)
    sso_admin.add_region(InstanceArn=instance_arn, RegionName="ap-southeast-2")

    first = sso_admin.list_regions(InstanceArn=instance_arn, MaxResults=1)
    second = sso_admin.list_regions(
        InstanceArn=instance_arn, MaxResults=1, NextToken=first["NextToken"]
    )

    assert [item["RegionName"] for item in first["Regions"]] == ["ap-southeast-2"]
    assert [item["RegionName"] for item in second["Regions"]] == ["us-east-1"]
    assert "NextToken" not in second


def test_add_region_twice_conflicts(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)
    sso_admin.add_region(InstanceArn=instance_arn, RegionName="eu-central-1")

    again_status, again_error, _ = failure(
        sso_admin.add_region, InstanceArn=instance_arn, RegionName="eu-central-1"
    )
    primary_status, primary_error, _ = failure(
        sso_admin.add_region, InstanceArn=instance_arn, RegionName="us-east-1"
    )

    assert again_status == 400
    assert again_error["Code"] == "ConflictException"
    assert again_error["Message"] == "The Region eu-central-1 is already enabled for this instance."
    assert primary_status == 400
    assert primary_error["Code"] == "ConflictException"
    assert primary_error["Message"] == "The Region us-east-1 is already enabled for this instance."


def test_remove_primary_region(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)

    status, error, _ = failure(
        sso_admin.remove_region, InstanceArn=instance_arn, RegionName="us-east-1"
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The primary Region us-east-1 cannot be removed."


def test_remove_region_not_added(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)

    status, error, _ = failure(
        sso_admin.remove_region, InstanceArn=instance_arn, RegionName="sa-east-1"
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "The Region sa-east-1 is not enabled for this instance."


def test_add_region_outside_primary_region(server: Server) -> None:
    account, instance_arn, _ = account_instance(server)
    elsewhere = server.client("sso-admin", account, region="eu-west-2")

    status, error, _ = failure(
        elsewhere.add_region, InstanceArn=instance_arn, RegionName="eu-north-1"
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "This request must be made from the primary Region us-east-1."


def test_regions_of_other_account_are_denied(server: Server) -> None:
    _, instance_arn = _instance(server)
    outsider = server.client("sso-admin", server.new_account())

    status, error, _ = failure(outsider.list_regions, InstanceArn=instance_arn)

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == DENIED


def _region_rows(regions: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(item["RegionName"], item["Status"], item["IsPrimaryRegion"]) for item in regions]


def test_instance_lists_added_regions(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)
    sso_admin.add_region(InstanceArn=instance_arn, RegionName="eu-west-1")
    sso_admin.add_region(InstanceArn=instance_arn, RegionName="ap-southeast-2")

    described = sso_admin.describe_instance(InstanceArn=instance_arn)
    [listed] = sso_admin.list_instances()["Instances"]
    region = sso_admin.describe_region(InstanceArn=instance_arn, RegionName="eu-west-1")

    expected = [
        ("us-east-1", "ACTIVE", True),
        ("ap-southeast-2", "ACTIVE", False),
        ("eu-west-1", "ACTIVE", False),
    ]
    assert described["PrimaryRegion"] == "us-east-1"
    assert _region_rows(described["Regions"]) == expected
    assert _region_rows(listed["Regions"]) == expected
    assert described["Regions"][0]["AddedDate"] == described["CreatedDate"]
    assert described["Regions"][2]["AddedDate"] == region["AddedDate"]


def test_removed_region_leaves_instance(server: Server) -> None:
    sso_admin, instance_arn = _instance(server)
    sso_admin.add_region(InstanceArn=instance_arn, RegionName="eu-west-1")
    sso_admin.remove_region(InstanceArn=instance_arn, RegionName="eu-west-1")

    described = sso_admin.describe_instance(InstanceArn=instance_arn)

    assert _region_rows(described["Regions"]) == [("us-east-1", "ACTIVE", True)]
