"""The IAM role that a permission set becomes in each account it is provisioned to.

The role is `AWSReservedSSO_<permission set name>_<16 hex>` under the path
`/aws-reserved/sso.amazonaws.com/` (followed by the home Region and `/` when the instance's home
Region is not us-east-1). It trusts the account's Identity Center SAML provider and carries the
set's inline policy (named `AwsSSOInlinePolicy`), its AWS managed and customer managed policies,
and its permissions boundary. The role is an ordinary row of the IAM role tables, so the
authorizer applies these policies to the role's sessions like any other role's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection

from orgstack import ids
from orgstack.authorize.cache import bump_version
from orgstack.identity_center import Instance
from orgstack.services.iam import policy_store, role_store
from orgstack.services.sso_admin import permission_set_rules, permission_set_store
from orgstack.services.sso_admin.permission_set_store import PermissionSet

ROLE_PREFIX = "AWSReservedSSO_"
ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
HOME_REGION_WITHOUT_PATH = "us-east-1"
INLINE_POLICY_NAME = "AwsSSOInlinePolicy"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"


@dataclass(frozen=True)
class Policies:
    """The policies of a permission set, resolved to ARNs in one account."""

    attached_arns: list[str]
    boundary_arn: str | None


class ProvisioningFailed(Exception):
    """The set cannot be provisioned to the account. The message is the request's FailureReason."""


def role_path(instance: Instance) -> str:
    region = str(instance.settings.get("primary_region") or HOME_REGION_WITHOUT_PATH)
    if region == HOME_REGION_WITHOUT_PATH:
        return ROLE_PATH
    return f"{ROLE_PATH}{region}/"


def new_role_name(permission_set: PermissionSet) -> str:
    return f"{ROLE_PREFIX}{permission_set.name}_{secrets.token_hex(8)}"


def saml_provider_arn(instance: Instance, account_id: str) -> str:
    """Return the ARN of the instance's SAML provider in the account.

    The 16 hex digits are derived from the instance and account, so every role of the instance in
    one account names the same provider.
    """
    # NOTE: orgstack stores no IAM SAML providers, so the provider this ARN names is not created
    # in the account. The portal issues the role's credentials without SAML.
    digest = hashlib.sha256(f"{instance.instance_arn}|{account_id}".encode()).hexdigest()[:16]
    return f"arn:aws:iam::{account_id}:saml-provider/AWSSSO_{digest}_DO_NOT_DELETE"


def trust_policy(instance: Instance, account_id: str) -> str:
    """Return the trust policy AWS writes on the role, which admits SAML federation through the
    instance's SAML provider."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": saml_provider_arn(instance, account_id)},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
            }
        ],
    }
    return orjson.dumps(document).decode()


def customer_policy_arn(account_id: str, name: str, path: str) -> str:
    return f"arn:aws:iam::{account_id}:policy{path}{name}"


def _resolve_customer_policy(connection: Connection, account_id: str, name: str, path: str) -> str:
    arn = customer_policy_arn(account_id, name, path)
    if policy_store.find_by_arn(connection, account_id, arn) is None:
        # NOTE: AWS does not document this FailureReason. It names the missing policy and the
        # account in the form of AWS's other provisioning errors.
        raise ProvisioningFailed(
            f"Received a 404 status error: Policy {name} with path {path} does not exist "
            f"in account {account_id}."
        )
    return arn


def resolve_policies(
    connection: Connection, permission_set: PermissionSet, account_id: str
) -> Policies:
    """Resolve the set's managed policies and boundary in the account.

    Raises ProvisioningFailed when a customer managed policy it references is missing there.
    """
    attached = permission_set_store.managed_policy_arns(connection, permission_set.arn)
    for name, path in permission_set_store.customer_policies(connection, permission_set.arn):
        attached.append(_resolve_customer_policy(connection, account_id, name, path))

    boundary = permission_set.permissions_boundary
    boundary_arn = None
    if boundary is not None:
        reference = boundary.get("CustomerManagedPolicyReference")
        if reference is not None:
            path = reference.get("Path") or permission_set_rules.DEFAULT_POLICY_PATH
            boundary_arn = _resolve_customer_policy(connection, account_id, reference["Name"], path)
        else:
            boundary_arn = boundary.get("ManagedPolicyArn")
    return Policies(attached, boundary_arn)


def write_role(
    connection: Connection,
    instance: Instance,
    permission_set: PermissionSet,
    account_id: str,
    now: dt.datetime,
) -> str:
    """Create or update the set's role in the account and return the role name.

    Raises ProvisioningFailed, leaving the role as it was, when a policy cannot be resolved.
    """
    policies = resolve_policies(connection, permission_set, account_id)
    provisioned = permission_set_store.provisioning(connection, permission_set.arn, account_id)
    role_name = provisioned.role_name if provisioned is not None else new_role_name(permission_set)
    session_seconds = int(
        permission_set_rules.session_seconds(permission_set.session_duration) or 3600
    )

    role = role_store.find_role(connection, account_id, role_name)
    if role is None:
        path = role_path(instance)
        role_store.insert_role(
            connection,
            role_store.RoleRow(
                account_id=account_id,
                name=role_name,
                role_id=ids.unique_id("AROA"),
                arn=ids.role_arn(account_id, path, role_name),
                path=path,
                assume_role_policy=trust_policy(instance, account_id),
                description="",
                max_session_duration=session_seconds,
                permissions_boundary_arn=policies.boundary_arn,
                created_at=now,
            ),
        )
    else:
        role_store.update_role(
            connection,
            account_id,
            role_name,
            assume_role_policy=trust_policy(instance, account_id),
            max_session_duration=session_seconds,
            permissions_boundary_arn=policies.boundary_arn,
        )

    _replace_policies(connection, account_id, role_name, permission_set.inline_policy, policies)
    permission_set_store.save_provisioning(
        connection, permission_set.arn, account_id, role_name, now
    )
    # Every replica caches the policies of roles, so a new version makes them reload.
    bump_version(connection)
    return role_name


def _replace_policies(
    connection: Connection,
    account_id: str,
    role_name: str,
    inline_policy: str | None,
    policies: Policies,
) -> None:
    for policy_name, _ in role_store.inline_policies(connection, account_id, role_name):
        role_store.delete_inline_policy(connection, account_id, role_name, policy_name)
    if inline_policy is not None:
        role_store.put_inline_policy(
            connection, account_id, role_name, INLINE_POLICY_NAME, inline_policy
        )

    for arn in role_store.attached_policy_arns(connection, account_id, role_name):
        role_store.detach_policy(connection, account_id, role_name, arn)
    for arn in dict.fromkeys(policies.attached_arns):
        role_store.attach_policy(connection, account_id, role_name, arn)


def remove_role(connection: Connection, account_id: str, role_name: str) -> None:
    """Delete the role with its policies, as AWS does when the set leaves the account."""
    if role_store.find_role(connection, account_id, role_name) is not None:
        _replace_policies(connection, account_id, role_name, None, Policies([], None))
        role_store.delete_role(connection, account_id, role_name)
        bump_version(connection)


def deprovision(connection: Connection, permission_set_arn: str, account_id: str) -> None:
    """Remove the set's role from the account and forget that it was provisioned there."""
    provisioned = permission_set_store.provisioning(connection, permission_set_arn, account_id)
    if provisioned is None:
        return
    remove_role(connection, account_id, provisioned.role_name)
    permission_set_store.delete_provisioning(connection, permission_set_arn, account_id)
