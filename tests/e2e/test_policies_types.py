"""EnablePolicyType and DisablePolicyType through boto3."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.e2e.policy_helpers import (
    ACCESS_DENIED_MESSAGE,
    FULL_AWS_ACCESS,
    RCP,
    RCP_FULL_AWS_ACCESS,
    SCP,
    TAG,
    Organization,
    create_member,
    create_policy,
    error_of,
    join_by_invitation,
    new_organization,
    tag_policy,
)
from tests.harness import Account, Server


@pytest.fixture
def organization(server: Server, management: Account) -> Organization:
    return new_organization(server, management)


def _new_ou(organization: Organization, name: str = "unit") -> str:
    unit = organization.client.create_organizational_unit(ParentId=organization.root_id, Name=name)[
        "OrganizationalUnit"
    ]
    return str(unit["Id"])


def _target_ids(organization: Organization, policy_id: str) -> list[str]:
    targets = organization.client.list_targets_for_policy(PolicyId=policy_id)["Targets"]
    return sorted(target["TargetId"] for target in targets)


def _root_types(organization: Organization) -> list[dict[str, str]]:
    types: list[dict[str, str]] = organization.client.list_roots()["Roots"][0]["PolicyTypes"]
    return sorted(types, key=lambda entry: entry["Type"])


# EnablePolicyType


def test_enable_tag_policies(organization: Organization) -> None:
    root = organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)[
        "Root"
    ]

    assert root["Id"] == organization.root_id
    assert sorted(root["PolicyTypes"], key=lambda entry: entry["Type"]) == [
        {"Type": SCP, "Status": "ENABLED"},
        {"Type": TAG, "Status": "ENABLED"},
    ]
    assert _root_types(organization) == [
        {"Type": SCP, "Status": "ENABLED"},
        {"Type": TAG, "Status": "ENABLED"},
    ]


def test_enable_rcps_attaches_default_everywhere(organization: Organization) -> None:
    ou_id = _new_ou(organization)
    member_id = create_member(organization)

    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=RCP)

    expected = [organization.root_id, ou_id, member_id, organization.management.account_id]
    assert _target_ids(organization, RCP_FULL_AWS_ACCESS) == sorted(expected)


def test_rcp_default_reaches_later_nodes(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=RCP)

    ou_id = _new_ou(organization, "later")
    member_id = create_member(organization)

    targets = _target_ids(organization, RCP_FULL_AWS_ACCESS)
    assert ou_id in targets
    assert member_id in targets


def test_rcp_full_aws_access_is_listed(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=RCP)

    listed = organization.client.list_policies(Filter=RCP)["Policies"]

    assert listed == [
        {
            "Id": RCP_FULL_AWS_ACCESS,
            "Arn": "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
            "Name": "RCPFullAWSAccess",
            "Description": "Allows access to every operation",
            "Type": RCP,
            "AwsManaged": True,
        }
    ]


def test_enable_already_enabled(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=SCP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyTypeAlreadyEnabledException"
    assert error["Message"] == "The specified policy type is already enabled in the specified root."


def test_enable_in_unknown_root(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.enable_policy_type(RootId="r-zzzz", PolicyType=TAG)

    error = error_of(raised)["Error"]
    assert error["Code"] == "RootNotFoundException"
    assert error["Message"] == "We can't find a root with the RootId that you specified."


@pytest.mark.parametrize("policy_type", [SCP, TAG])
def test_enable_in_consolidated_billing_organization(
    server: Server, management: Account, policy_type: str
) -> None:
    organization = new_organization(server, management, "CONSOLIDATED_BILLING")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=policy_type)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyTypeNotAvailableForOrganizationException"
    assert error["Message"] == (
        "You can't use the specified policy type with the feature set currently enabled for "
        "this organization."
    )
    assert _root_types(organization) == []


def test_enable_invalid_type(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.enable_policy_type(RootId=organization.root_id, PolicyType="NOPE")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_ENUM_POLICY_TYPE"


def test_member_account_cannot_enable(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).enable_policy_type(
            RootId=organization.root_id, PolicyType=TAG
        )

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED_MESSAGE


# DisablePolicyType


def test_disable_detaches_the_types_policies(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    policy = create_policy(organization, tag_policy("Owner"), TAG)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)
    account_id = organization.management.account_id
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=account_id)

    root = organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=TAG)[
        "Root"
    ]

    assert root["PolicyTypes"] == [{"Type": SCP, "Status": "ENABLED"}]
    assert _target_ids(organization, policy["Id"]) == []
    described = organization.client.describe_policy(PolicyId=policy["Id"])["Policy"]
    assert described["PolicySummary"]["Id"] == policy["Id"]


def test_disable_scps_detaches_full_aws_access(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=SCP)

    assert _target_ids(organization, FULL_AWS_ACCESS) == []
    assert _target_ids(organization, policy["Id"]) == []
    assert _root_types(organization) == []


def test_reenable_scps_attaches_default_only(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)
    ou_id = _new_ou(organization)
    organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=SCP)

    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=SCP)

    expected = [organization.root_id, ou_id, organization.management.account_id]
    assert _target_ids(organization, FULL_AWS_ACCESS) == sorted(expected)
    assert _target_ids(organization, policy["Id"]) == []


def test_disable_rcps_detaches_default(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=RCP)

    organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=RCP)

    assert _target_ids(organization, RCP_FULL_AWS_ACCESS) == []
    assert _root_types(organization) == [{"Type": SCP, "Status": "ENABLED"}]


def test_disable_leaves_other_organizations_alone(
    server: Server, organization: Organization
) -> None:
    other = new_organization(server, server.new_account())

    organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=SCP)

    assert _target_ids(other, FULL_AWS_ACCESS) == sorted(
        [other.root_id, other.management.account_id]
    )


def test_disable_not_enabled(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=TAG)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyTypeNotEnabledException"
    assert error["Message"] == "The specified policy type isn't currently enabled in this root."


def test_disable_in_unknown_root(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.disable_policy_type(RootId="r-zzzz", PolicyType=SCP)

    assert error_of(raised)["Error"]["Code"] == "RootNotFoundException"


def test_member_account_cannot_disable(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).disable_policy_type(
            RootId=organization.root_id, PolicyType=SCP
        )

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"
