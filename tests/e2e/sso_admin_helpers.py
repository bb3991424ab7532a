"""Steps shared by the sso-admin permission set, assignment and provisioning tests."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.e2e.identity_center_helpers import enable_organization_instance, new_user
from tests.e2e.organization_helpers import new_organization
from tests.e2e.sts_helpers import assume, role_arn, session_client
from tests.harness import Account, Server

POLICY_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
POLICY_READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SSO_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"


@dataclass(frozen=True)
class IdentityCenter:
    """An organization with its organization instance, and clients of its management account."""

    management: Account
    organizations: Any
    sso_admin: Any
    identitystore: Any
    instance_arn: str
    store_id: str


def new_identity_center(server: Server) -> IdentityCenter:
    management, organizations = new_organization(server)
    printed = enable_organization_instance(server, management)
    return IdentityCenter(
        management=management,
        organizations=organizations,
        sso_admin=server.client("sso-admin", management),
        identitystore=server.client("identitystore", management),
        instance_arn=printed["instance_arn"],
        store_id=printed["identity_store_id"],
    )


def unique_name(prefix: str = "Set") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def new_permission_set(center: IdentityCenter, name: str | None = None, **extra: Any) -> str:
    created = center.sso_admin.create_permission_set(
        InstanceArn=center.instance_arn, Name=name or unique_name(), **extra
    )
    return str(created["PermissionSet"]["PermissionSetArn"])


def user_in_store(center: IdentityCenter) -> str:
    return new_user(center.identitystore, center.store_id, f"user.{secrets.token_hex(4)}")


def wait_for_status(describe: Callable[..., Any], status_key: str, **request: Any) -> Any:
    """Poll a Describe…Status operation until its request leaves IN_PROGRESS; return the status."""
    deadline = time.monotonic() + 30
    while True:
        status = describe(**request)[status_key]
        if status["Status"] != "IN_PROGRESS":
            return status
        if time.monotonic() > deadline:
            raise RuntimeError(f"request {status['RequestId']} still IN_PROGRESS after 30 s")
        time.sleep(0.02)


def assign(
    center: IdentityCenter,
    permission_set_arn: str,
    account_id: str,
    principal_id: str,
    principal_type: str = "USER",
) -> Any:
    """Create an account assignment and return its final creation status."""
    started = center.sso_admin.create_account_assignment(
        InstanceArn=center.instance_arn,
        TargetId=account_id,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn,
        PrincipalType=principal_type,
        PrincipalId=principal_id,
    )["AccountAssignmentCreationStatus"]
    return wait_for_status(
        center.sso_admin.describe_account_assignment_creation_status,
        "AccountAssignmentCreationStatus",
        InstanceArn=center.instance_arn,
        AccountAssignmentCreationRequestId=started["RequestId"],
    )


def unassign(
    center: IdentityCenter,
    permission_set_arn: str,
    account_id: str,
    principal_id: str,
    principal_type: str = "USER",
) -> Any:
    """Delete an account assignment and return its final deletion status."""
    started = center.sso_admin.delete_account_assignment(
        InstanceArn=center.instance_arn,
        TargetId=account_id,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn,
        PrincipalType=principal_type,
        PrincipalId=principal_id,
    )["AccountAssignmentDeletionStatus"]
    return wait_for_status(
        center.sso_admin.describe_account_assignment_deletion_status,
        "AccountAssignmentDeletionStatus",
        InstanceArn=center.instance_arn,
        AccountAssignmentDeletionRequestId=started["RequestId"],
    )


def provision(center: IdentityCenter, permission_set_arn: str, account_id: str | None) -> Any:
    """Provision to one account, or to all provisioned accounts when `account_id` is None."""
    target: dict[str, Any] = {"TargetType": "ALL_PROVISIONED_ACCOUNTS"}
    if account_id is not None:
        target = {"TargetType": "AWS_ACCOUNT", "TargetId": account_id}
    started = center.sso_admin.provision_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=permission_set_arn, **target
    )["PermissionSetProvisioningStatus"]
    return wait_for_status(
        center.sso_admin.describe_permission_set_provisioning_status,
        "PermissionSetProvisioningStatus",
        InstanceArn=center.instance_arn,
        ProvisionPermissionSetRequestId=started["RequestId"],
    )


def member_iam(server: Server, center: IdentityCenter, account_id: str) -> Any:
    """Return an IAM client of the member account, through its OrganizationAccountAccessRole."""
    reply = assume(server, center.management, role_arn(account_id), "sso-tests")
    return session_client(server, "iam", reply["Credentials"])


def sso_roles(iam: Any) -> list[dict[str, Any]]:
    return list(iam.list_roles(PathPrefix=SSO_ROLE_PATH)["Roles"])
