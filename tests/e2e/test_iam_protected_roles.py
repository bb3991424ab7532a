"""IAM rejects changes to IAM Identity Center's AWSReservedSSO_* roles, which only Identity Center
may change, through boto3 against the real server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import (
    POLICY_READ_ONLY,
    IdentityCenter,
    assign,
    member_iam,
    new_identity_center,
    new_permission_set,
    provision,
    sso_roles,
    unassign,
    user_in_store,
)
from tests.harness import Server, create_member_account

POLICY_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ALLOW_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)
TRUST_ACCOUNT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

# Every role operation whose errors in IAM's service model include UnmodifiableEntity.
CHANGES: dict[str, Callable[[Any, str], Any]] = {
    "DeleteRole": lambda iam, name: iam.delete_role(RoleName=name),
    "UpdateRole": lambda iam, name: iam.update_role(RoleName=name, MaxSessionDuration=7200),
    "UpdateRoleDescription": lambda iam, name: iam.update_role_description(
        RoleName=name, Description="changed"
    ),
    "UpdateAssumeRolePolicy": lambda iam, name: iam.update_assume_role_policy(
        RoleName=name, PolicyDocument=TRUST_ACCOUNT
    ),
    "PutRolePolicy": lambda iam, name: iam.put_role_policy(
        RoleName=name, PolicyName="extra", PolicyDocument=ALLOW_S3
    ),
    "DeleteRolePolicy": lambda iam, name: iam.delete_role_policy(
        RoleName=name, PolicyName="AwsSSOInlinePolicy"
    ),
    "AttachRolePolicy": lambda iam, name: iam.attach_role_policy(
        RoleName=name, PolicyArn=POLICY_ADMIN
    ),
    "DetachRolePolicy": lambda iam, name: iam.detach_role_policy(
        RoleName=name, PolicyArn=POLICY_READ_ONLY
    ),
    "PutRolePermissionsBoundary": lambda iam, name: iam.put_role_permissions_boundary(
        RoleName=name, PermissionsBoundary=POLICY_READ_ONLY
    ),
    "DeleteRolePermissionsBoundary": lambda iam, name: iam.delete_role_permissions_boundary(
        RoleName=name
    ),
}


@pytest.fixture(scope="module")
def center(server: Server) -> IdentityCenter:
    return new_identity_center(server)


@pytest.fixture(scope="module")
def member(server: Server, center: IdentityCenter) -> str:
    return create_member_account(server, center.organizations)


@pytest.fixture(scope="module")
def provisioned(server: Server, center: IdentityCenter, member: str) -> tuple[str, str]:
    """Assign a set with an inline policy and ReadOnlyAccess; return its ARN and its role name."""
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}
    center.sso_admin.put_inline_policy_to_permission_set(**request, InlinePolicy=ALLOW_S3)
    center.sso_admin.attach_managed_policy_to_permission_set(
        **request, ManagedPolicyArn=POLICY_READ_ONLY
    )
    assert assign(center, arn, member, user_in_store(center))["Status"] == "SUCCEEDED"
    [role] = sso_roles(member_iam(server, center, member))
    return arn, str(role["RoleName"])


@pytest.mark.parametrize("operation", sorted(CHANGES))
def test_iam_cannot_change_sso_role(
    server: Server,
    center: IdentityCenter,
    member: str,
    provisioned: tuple[str, str],
    operation: str,
) -> None:
    _, role_name = provisioned
    iam = member_iam(server, center, member)

    status, error, _ = failure(lambda: CHANGES[operation](iam, role_name))

    assert status == 400
    assert error["Code"] == "UnmodifiableEntity"
    assert error["Message"] == (
        f"Cannot perform the operation on the protected role '{role_name}' - this role is only "
        "modifiable by AWS"
    )
    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["MaxSessionDuration"] == 3600
    assert "PermissionsBoundary" not in role
    assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == ["AwsSSOInlinePolicy"]
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [POLICY_READ_ONLY]


def test_unknown_role_is_still_no_such_entity(
    server: Server, center: IdentityCenter, member: str
) -> None:
    iam = member_iam(server, center, member)

    status, error, _ = failure(lambda: iam.delete_role(RoleName="AWSReservedSSO_Missing_0"))

    assert status == 404
    assert error["Code"] == "NoSuchEntity"


def _role_of_set(iam: Any, center: IdentityCenter, arn: str) -> list[dict[str, Any]]:
    name = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["PermissionSet"]["Name"]
    return [
        role for role in sso_roles(iam) if role["RoleName"].startswith(f"AWSReservedSSO_{name}_")
    ]


def test_sso_admin_still_changes_and_removes_role(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    user_id = user_in_store(center)
    assign(center, arn, member, user_id)
    center.sso_admin.attach_managed_policy_to_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=POLICY_ADMIN
    )
    iam = member_iam(server, center, member)

    reprovisioned = provision(center, arn, member)
    [role] = _role_of_set(iam, center, arn)
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    removed = unassign(center, arn, member, user_id)

    assert reprovisioned["Status"] == "SUCCEEDED"
    assert [policy["PolicyArn"] for policy in attached] == [POLICY_ADMIN]
    assert removed["Status"] == "SUCCEEDED"
    assert _role_of_set(iam, center, arn) == []
