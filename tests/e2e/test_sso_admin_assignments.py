"""sso-admin account assignments: asynchronous creation and deletion, their statuses, and the
role they leave in the member account, through boto3 against the real server."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from tests.e2e.identity_center_helpers import new_group
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import (
    POLICY_READ_ONLY,
    SSO_ROLE_PATH,
    IdentityCenter,
    assign,
    member_iam,
    new_identity_center,
    new_permission_set,
    sso_roles,
    unassign,
    unique_name,
    user_in_store,
)
from tests.harness import Server, create_member_account

ROLE_NAME = re.compile(r"AWSReservedSSO_(?P<set>[\w+=,.@-]+)_[0-9a-f]{16}")
SAML_PROVIDER = re.compile(r"arn:aws:iam::(\d{12}):saml-provider/AWSSSO_[0-9a-f]{16}_DO_NOT_DELETE")
READ_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def center(server: Server) -> IdentityCenter:
    return new_identity_center(server)


@pytest.fixture(scope="module")
def member(server: Server, center: IdentityCenter) -> str:
    return create_member_account(server, center.organizations)


def _policy_set(center: IdentityCenter) -> str:
    """Create a permission set with an inline policy and ReadOnlyAccess; return its ARN."""
    name = unique_name("Ops")
    arn = new_permission_set(center, name, SessionDuration="PT4H")
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}
    center.sso_admin.put_inline_policy_to_permission_set(
        **request, InlinePolicy=json.dumps(READ_S3)
    )
    center.sso_admin.attach_managed_policy_to_permission_set(
        **request, ManagedPolicyArn=POLICY_READ_ONLY
    )
    return arn


def _set_name(center: IdentityCenter, arn: str) -> str:
    described = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )
    return str(described["PermissionSet"]["Name"])


def _role_of(
    server: Server, center: IdentityCenter, account_id: str, set_name: str
) -> dict[str, Any]:
    roles = [
        role
        for role in sso_roles(member_iam(server, center, account_id))
        if role["RoleName"].startswith(f"AWSReservedSSO_{set_name}_")
    ]
    assert len(roles) == 1, roles
    return roles[0]


def test_assignment_creates_role(server: Server, center: IdentityCenter, member: str) -> None:
    arn = _policy_set(center)
    user_id = user_in_store(center)

    status = assign(center, arn, member, user_id)

    assert status["Status"] == "SUCCEEDED"
    assert "FailureReason" not in status
    assert status["TargetId"] == member
    assert status["PermissionSetArn"] == arn
    assert status["PrincipalType"] == "USER"
    assert status["PrincipalId"] == user_id
    name = _set_name(center, arn)
    iam = member_iam(server, center, member)
    role = _role_of(server, center, member, name)
    role_name = ROLE_NAME.fullmatch(role["RoleName"])
    assert role_name is not None
    assert role_name["set"] == name
    assert role["Path"] == SSO_ROLE_PATH
    assert role["Arn"] == f"arn:aws:iam::{member}:role{SSO_ROLE_PATH}{role['RoleName']}"
    assert role["MaxSessionDuration"] == 4 * 3600
    trust = role["AssumeRolePolicyDocument"]
    statement = trust["Statement"][0]
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert statement["Condition"] == {
        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
    }
    provider = SAML_PROVIDER.fullmatch(statement["Principal"]["Federated"])
    assert provider is not None
    assert provider.group(1) == member
    inline = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="AwsSSOInlinePolicy")
    assert inline["PolicyDocument"] == READ_S3
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [POLICY_READ_ONLY]


def test_assignment_is_listed(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    user_id = user_in_store(center)
    group_id = new_group(center.identitystore, center.store_id, unique_name("group"))

    user_status = assign(center, arn, member, user_id)
    group_status = assign(center, arn, member, group_id, "GROUP")

    assert user_status["Status"] == group_status["Status"] == "SUCCEEDED"
    listed = center.sso_admin.list_account_assignments(
        InstanceArn=center.instance_arn, AccountId=member, PermissionSetArn=arn
    )["AccountAssignments"]
    assert sorted(listed, key=lambda item: item["PrincipalType"]) == [
        {
            "AccountId": member,
            "PermissionSetArn": arn,
            "PrincipalType": "GROUP",
            "PrincipalId": group_id,
        },
        {
            "AccountId": member,
            "PermissionSetArn": arn,
            "PrincipalType": "USER",
            "PrincipalId": user_id,
        },
    ]
    for_user = center.sso_admin.list_account_assignments_for_principal(
        InstanceArn=center.instance_arn, PrincipalType="USER", PrincipalId=user_id
    )["AccountAssignments"]
    assert for_user == [
        {
            "AccountId": member,
            "PermissionSetArn": arn,
            "PrincipalType": "USER",
            "PrincipalId": user_id,
        }
    ]
    filtered = center.sso_admin.list_account_assignments_for_principal(
        InstanceArn=center.instance_arn,
        PrincipalType="USER",
        PrincipalId=user_id,
        Filter={"AccountId": "123456789012"},
    )["AccountAssignments"]
    assert filtered == []
    provisioned = center.sso_admin.list_permission_sets_provisioned_to_account(
        InstanceArn=center.instance_arn, AccountId=member
    )["PermissionSets"]
    assert arn in provisioned
    accounts = center.sso_admin.list_accounts_for_provisioned_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["AccountIds"]
    assert accounts == [member]


def test_repeated_assignment_is_idempotent(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    user_id = user_in_store(center)

    first = assign(center, arn, member, user_id)
    second = assign(center, arn, member, user_id)

    assert first["Status"] == second["Status"] == "SUCCEEDED"
    assert first["RequestId"] != second["RequestId"]
    listed = center.sso_admin.list_account_assignments(
        InstanceArn=center.instance_arn, AccountId=member, PermissionSetArn=arn
    )["AccountAssignments"]
    assert len(listed) == 1


def test_account_outside_organization_fails(server: Server, center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    outsider = server.new_account().account_id

    status = assign(center, arn, outsider, user_in_store(center))

    assert status["Status"] == "FAILED"
    assert status["FailureReason"] == (
        f"Received a 400 status error: The account {outsider} is not a member of the organization."
    )
    listed = center.sso_admin.list_account_assignments(
        InstanceArn=center.instance_arn, AccountId=outsider, PermissionSetArn=arn
    )["AccountAssignments"]
    assert listed == []


def test_missing_principal_fails(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    missing = f"{center.store_id.removeprefix('d-')}-{uuid.uuid4()}"

    status = assign(center, arn, member, missing, "GROUP")

    assert status["Status"] == "FAILED"
    assert status["FailureReason"] == f"Received a 404 status error: GROUP {missing} not found."


def test_unknown_permission_set_not_found(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    center.sso_admin.delete_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)

    status, error, _ = failure(
        center.sso_admin.create_account_assignment,
        InstanceArn=center.instance_arn,
        TargetId=member,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn,
        PrincipalType="USER",
        PrincipalId=user_in_store(center),
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Could not find PermissionSet with id {arn.rsplit('/', 1)[-1]}"


def test_last_deletion_removes_role(server: Server, center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    name = _set_name(center, arn)
    first, second = user_in_store(center), user_in_store(center)
    assign(center, arn, member, first)
    assign(center, arn, member, second)

    one_left = unassign(center, arn, member, first)
    role_after_one = _role_of(server, center, member, name)
    none_left = unassign(center, arn, member, second)

    assert one_left["Status"] == none_left["Status"] == "SUCCEEDED"
    assert ROLE_NAME.fullmatch(role_after_one["RoleName"])
    remaining = [
        role["RoleName"]
        for role in sso_roles(member_iam(server, center, member))
        if role["RoleName"].startswith(f"AWSReservedSSO_{name}_")
    ]
    assert remaining == []
    accounts = center.sso_admin.list_accounts_for_provisioned_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["AccountIds"]
    assert accounts == []


def test_deleting_missing_assignment_fails(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)

    status = unassign(center, arn, member, user_in_store(center))

    assert status["Status"] == "FAILED"
    assert status["FailureReason"] == "Received a 404 status error: Assignment not found."


def test_delete_set_in_use_conflicts(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    user_id = user_in_store(center)
    assign(center, arn, member, user_id)

    status, error, _ = failure(
        center.sso_admin.delete_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
    )
    unassign(center, arn, member, user_id)
    center.sso_admin.delete_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == (
        "Could not delete because PermissionSet has ApplicationProfile associated with it."
    )


def test_status_lists_and_filters(center: IdentityCenter, member: str) -> None:
    arn = new_permission_set(center)
    succeeded = assign(center, arn, member, user_in_store(center))
    failed = assign(center, arn, "123456789012", user_in_store(center))

    everything = center.sso_admin.list_account_assignment_creation_status(
        InstanceArn=center.instance_arn
    )["AccountAssignmentsCreationStatus"]
    only_failed = center.sso_admin.list_account_assignment_creation_status(
        InstanceArn=center.instance_arn, Filter={"Status": "FAILED"}
    )["AccountAssignmentsCreationStatus"]

    ids = [item["RequestId"] for item in everything]
    assert succeeded["RequestId"] in ids
    assert failed["RequestId"] in ids
    assert set(everything[0]) == {"Status", "RequestId", "CreatedDate"}
    failed_ids = [item["RequestId"] for item in only_failed]
    assert failed["RequestId"] in failed_ids
    assert succeeded["RequestId"] not in failed_ids


def test_unknown_request_not_found(center: IdentityCenter) -> None:
    request_id = str(uuid.uuid4())

    status, error, _ = failure(
        center.sso_admin.describe_account_assignment_deletion_status,
        InstanceArn=center.instance_arn,
        AccountAssignmentDeletionRequestId=request_id,
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Request {request_id} not found."
