"""CreateOrganization, DescribeOrganization, ListRoots and DeleteOrganization through boto3."""

from __future__ import annotations

import re

import botocore.exceptions
import pytest

from tests.harness import Account, Server


def test_describe_before_create_is_not_in_use(server: Server, management: Account) -> None:
    client = server.client("organizations", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.describe_organization()

    error = raised.value.response["Error"]
    assert error["Code"] == "AWSOrganizationsNotInUseException"
    assert error["Message"] == "Your account isn't a member of an organization."


def test_create_organization_all_features(server: Server, management: Account) -> None:
    client = server.client("organizations", management)

    organization = client.create_organization(FeatureSet="ALL")["Organization"]

    assert re.fullmatch(r"o-[a-z0-9]{10,32}", organization["Id"])
    assert organization["FeatureSet"] == "ALL"
    assert organization["MasterAccountId"] == management.account_id
    assert organization["MasterAccountEmail"] == management.email
    assert organization["Arn"] == (
        f"arn:aws:organizations::{management.account_id}:organization/{organization['Id']}"
    )
    assert client.describe_organization()["Organization"] == organization


def test_root_has_scp_enabled_and_full_access(server: Server, management: Account) -> None:
    client = server.client("organizations", management)
    client.create_organization()

    roots = client.list_roots()["Roots"]

    assert len(roots) == 1
    assert re.fullmatch(r"r-[0-9a-z]{4,32}", roots[0]["Id"])
    assert roots[0]["PolicyTypes"] == [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]


def test_create_twice_is_already_in_organization(server: Server, management: Account) -> None:
    client = server.client("organizations", management)
    client.create_organization()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_organization()

    assert raised.value.response["Error"]["Code"] == "AlreadyInOrganizationException"


def test_delete_organization_alone(server: Server, management: Account) -> None:
    client = server.client("organizations", management)
    client.create_organization()

    client.delete_organization()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.describe_organization()
    assert raised.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"


def test_invalid_feature_set_is_invalid_input(server: Server, management: Account) -> None:
    client = server.client("organizations", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_organization(FeatureSet="SOME")

    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == "You specified an invalid value."
    assert raised.value.response["Reason"] == "INVALID_ENUM"
