"""ProvisionPermissionSet: outdated roles, customer managed policies resolved per account, the
permissions boundary, and the policies the authorizer reads for the role."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orgstack.services.iam import aws_managed, principal_policies
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import (
    POLICY_ADMIN,
    POLICY_READ_ONLY,
    IdentityCenter,
    assign,
    member_iam,
    new_identity_center,
    new_permission_set,
    provision,
    sso_roles,
    unique_name,
    user_in_store,
    wait_for_status,
)
from tests.harness import Server, create_member_account, give_root_key

DENY_DELETE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}],
}
LATEST = "LATEST_PERMISSION_SET_PROVISIONED"
OUTDATED = "LATEST_PERMISSION_SET_NOT_PROVISIONED"


@pytest.fixture(scope="module")
def center(server: Server) -> IdentityCenter:
    return new_identity_center(server)


@pytest.fixture(scope="module")
def member(server: Server, center: IdentityCenter) -> str:
    return create_member_account(server, center.organizations)


def _roles_of_set(
    server: Server, center: IdentityCenter, account_id: str, arn: str
) -> list[dict[str, Any]]:
    name = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["PermissionSet"]["Name"]
    return [
        role
        for role in sso_roles(member_iam(server, center, account_id))
        if role["RoleName"].startswith(f"AWSReservedSSO_{name}_")
    ]


def _accounts(center: IdentityCenter, arn: str, status: str) -> list[str]:
    return list(
        center.sso_admin.list_accounts_for_provisioned_permission_set(
            InstanceArn=center.instance_arn, PermissionSetArn=arn, ProvisioningStatus=status
        )["AccountIds"]
    )


def test_change_is_outdated_until_provisioned(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    assign(center, arn, member, user_in_store(center))
    latest_before = _accounts(center, arn, LATEST)

    center.sso_admin.attach_managed_policy_to_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=POLICY_ADMIN
    )
    outdated = _accounts(center, arn, OUTDATED)
    outdated_sets = center.sso_admin.list_permission_sets_provisioned_to_account(
        InstanceArn=center.instance_arn, AccountId=member, ProvisioningStatus=OUTDATED
    )["PermissionSets"]
    role_before = _roles_of_set(server, center, member, arn)[0]
    iam = member_iam(server, center, member)
    attached_before = iam.list_attached_role_policies(RoleName=role_before["RoleName"])
    status = provision(center, arn, None)

    assert latest_before == [member]
    assert outdated == [member]
    assert arn in outdated_sets
    assert attached_before["AttachedPolicies"] == []
    assert status["Status"] == "SUCCEEDED"
    assert status["PermissionSetArn"] == arn
    assert "AccountId" not in status
    assert _accounts(center, arn, LATEST) == [member]
    assert _accounts(center, arn, OUTDATED) == []
    role_after = _roles_of_set(server, center, member, arn)[0]
    assert role_after["RoleName"] == role_before["RoleName"]
    attached = iam.list_attached_role_policies(RoleName=role_after["RoleName"])
    assert [policy["PolicyArn"] for policy in attached["AttachedPolicies"]] == [POLICY_ADMIN]


def test_missing_customer_policy_fails(server: Server, center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    policy_name = unique_name("Team")
    center.sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        CustomerManagedPolicyReference={"Name": policy_name, "Path": "/teams/"},
    )

    missing = provision(center, arn, member)
    iam = member_iam(server, center, member)
    created = iam.create_policy(
        PolicyName=policy_name, Path="/teams/", PolicyDocument=json.dumps(DENY_DELETE)
    )["Policy"]
    present = provision(center, arn, member)

    assert missing["Status"] == "FAILED"
    assert missing["AccountId"] == member
    assert missing["FailureReason"] == (
        f"Received a 404 status error: Policy {policy_name} with path /teams/ does not exist "
        f"in account {member}."
    )
    assert present["Status"] == "SUCCEEDED"
    role = _roles_of_set(server, center, member, arn)[0]
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [created["Arn"]]


def test_failed_assignment_leaves_no_role(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    center.sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        CustomerManagedPolicyReference={"Name": unique_name("Absent")},
    )

    status = assign(center, arn, member, user_in_store(center))

    assert status["Status"] == "FAILED"
    assert status["FailureReason"].startswith("Received a 404 status error: Policy Absent-")
    assert _roles_of_set(server, center, member, arn) == []
    listed = center.sso_admin.list_account_assignments(
        InstanceArn=center.instance_arn, AccountId=member, PermissionSetArn=arn
    )["AccountAssignments"]
    assert listed == []


def test_boundary_and_policies_reach_authorizer(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}
    center.sso_admin.put_inline_policy_to_permission_set(
        **request, InlinePolicy=json.dumps(DENY_DELETE)
    )
    center.sso_admin.attach_managed_policy_to_permission_set(
        **request, ManagedPolicyArn=POLICY_ADMIN
    )
    center.sso_admin.put_permissions_boundary_to_permission_set(
        **request, PermissionsBoundary={"ManagedPolicyArn": POLICY_READ_ONLY}
    )

    status = provision(center, arn, member)

    assert status["Status"] == "SUCCEEDED"
    role = _roles_of_set(server, center, member, arn)[0]
    described = member_iam(server, center, member).get_role(RoleName=role["RoleName"])["Role"]
    assert described["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": POLICY_READ_ONLY,
    }
    with server.database().transaction(write=False) as connection:
        policies, boundary = principal_policies.identity_policies_for_role(
            connection, member, role["RoleName"]
        )
    assert [reference for reference, _ in policies] == ["AwsSSOInlinePolicy", POLICY_ADMIN]
    assert json.loads(policies[0][1]) == DENY_DELETE
    read_only = aws_managed.find(POLICY_READ_ONLY)
    assert read_only is not None
    assert boundary == read_only.document


def test_provision_without_target_id(center: IdentityCenter) -> None:
    arn = new_permission_set(center)

    status, error, _ = failure(
        center.sso_admin.provision_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        TargetType="AWS_ACCOUNT",
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "TargetId is required when TargetType is AWS_ACCOUNT."


def test_provision_outside_organization(server: Server, center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    outsider = server.new_account().account_id

    status = provision(center, arn, outsider)

    assert status["Status"] == "FAILED"
    assert status["FailureReason"] == (
        f"Received a 400 status error: The account {outsider} is not a member of the organization."
    )


def test_provisioning_status_list(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    done = provision(center, arn, member)

    listed = center.sso_admin.list_permission_set_provisioning_status(
        InstanceArn=center.instance_arn, Filter={"Status": "SUCCEEDED"}
    )["PermissionSetsProvisioningStatus"]
    described = center.sso_admin.describe_permission_set_provisioning_status(
        InstanceArn=center.instance_arn, ProvisionPermissionSetRequestId=done["RequestId"]
    )["PermissionSetProvisioningStatus"]

    assert done["RequestId"] in [item["RequestId"] for item in listed]
    assert described == done


def test_delete_provisioned_set_removes_role(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    provision(center, arn, member)
    roles_before = _roles_of_set(server, center, member, arn)
    name = roles_before[0]["RoleName"]

    center.sso_admin.delete_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)

    remaining = [role["RoleName"] for role in sso_roles(member_iam(server, center, member))]
    assert name not in remaining


def test_home_region_in_role_path(server: Server) -> None:
    center = new_identity_center(server)
    owner = give_root_key(server, create_member_account(server, center.organizations))
    regional = server.client("sso-admin", owner, region="eu-west-1")
    instance_arn = regional.create_instance(Name="regional")["InstanceArn"]
    regional.update_instance(InstanceArn=instance_arn, PermissionSetsEnabled=True)
    arn = regional.create_permission_set(InstanceArn=instance_arn, Name="Regional")[
        "PermissionSet"
    ]["PermissionSetArn"]

    started = regional.provision_permission_set(
        InstanceArn=instance_arn,
        PermissionSetArn=arn,
        TargetType="AWS_ACCOUNT",
        TargetId=owner.account_id,
    )["PermissionSetProvisioningStatus"]
    status = wait_for_status(
        regional.describe_permission_set_provisioning_status,
        "PermissionSetProvisioningStatus",
        InstanceArn=instance_arn,
        ProvisionPermissionSetRequestId=started["RequestId"],
    )

    assert status["Status"] == "SUCCEEDED"
    roles = server.client("iam", owner).list_roles(
        PathPrefix="/aws-reserved/sso.amazonaws.com/eu-west-1/"
    )["Roles"]
    assert [role["RoleName"].rsplit("_", 1)[0] for role in roles] == ["AWSReservedSSO_Regional"]
