"""The policies of a permission set: its inline policy, AWS managed policies, customer managed
policy references and permissions boundary.

Every change records the time on the set, so that accounts provisioned before it are reported
outdated until the set is provisioned again. Customer managed policies are referenced by name and
path and resolved in each account only when the set is provisioned there.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.exc import IntegrityError

from orgstack.protocol.errors import ValidationException
from orgstack.services.iam import aws_managed
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    permission_set_rules,
    permission_set_store,
    resources,
)
from orgstack.services.sso_admin.errors import ConflictException, ResourceNotFoundException
from orgstack.services.sso_admin.permission_set_store import PermissionSet

# NOTE: AWS does not document the messages of this module; each states the rule that failed,
# and the missing-policy one uses IAM's wording.
BOUNDARY_CHOICE_MESSAGE = (
    "Specify either CustomerManagedPolicyReference or ManagedPolicyArn in PermissionsBoundary, "
    "but not both."
)
NO_BOUNDARY_MESSAGE = "The permission set has no permissions boundary."


def _touch(context: RequestContext, permission_set: PermissionSet) -> None:
    permission_set_store.touch(context.db, permission_set.arn, context.now())


def _attached_count(context: RequestContext, arn: str) -> int:
    managed = permission_set_store.managed_policy_arns(context.db, arn)
    customer = permission_set_store.customer_policies(context.db, arn)
    return len(managed) + len(customer)


def _require_aws_managed(arn: str) -> aws_managed.AwsManagedPolicy:
    shipped = aws_managed.find(arn)
    if shipped is None:
        raise ValidationException(f"Policy {arn} does not exist or is not attachable.")
    return shipped


# Inline policy


@operation(
    "sso-admin",
    "PutInlinePolicyToPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def put_inline_policy(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    document = permission_set_rules.check_inline_policy(params["InlinePolicy"])
    updated = dataclasses.replace(permission_set, inline_policy=document, updated_at=context.now())
    permission_set_store.save(context.db, updated)
    return {}


@operation(
    "sso-admin",
    "GetInlinePolicyForPermissionSet",
    read_only=True,
    resources=resources.permission_set,
)
def get_inline_policy(context: RequestContext, params: Params) -> Result:
    """Return the inline policy; a set without one replies with no InlinePolicy member."""
    _, permission_set = access.instance_and_permission_set(context, params)
    if permission_set.inline_policy is None:
        return {}
    return {"InlinePolicy": permission_set.inline_policy}


@operation(
    "sso-admin",
    "DeleteInlinePolicyFromPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def delete_inline_policy(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    updated = dataclasses.replace(permission_set, inline_policy=None, updated_at=context.now())
    permission_set_store.save(context.db, updated)
    return {}


# AWS managed policies


@operation(
    "sso-admin",
    "AttachManagedPolicyToPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def attach_managed_policy(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    policy_arn = params["ManagedPolicyArn"]
    _require_aws_managed(policy_arn)
    conflict = ConflictException(f"Policy {policy_arn} is already attached to the permission set.")
    if policy_arn in permission_set_store.managed_policy_arns(context.db, permission_set.arn):
        raise conflict
    permission_set_rules.check_managed_policy_count(_attached_count(context, permission_set.arn))

    try:
        permission_set_store.attach_managed_policy(context.db, permission_set.arn, policy_arn)
    except IntegrityError:
        raise conflict from None
    _touch(context, permission_set)
    return {}


@operation(
    "sso-admin",
    "DetachManagedPolicyFromPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def detach_managed_policy(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    policy_arn = params["ManagedPolicyArn"]
    if permission_set_store.detach_managed_policy(context.db, permission_set.arn, policy_arn) == 0:
        raise ResourceNotFoundException(
            f"Policy {policy_arn} is not attached to the permission set."
        )
    _touch(context, permission_set)
    return {}


@operation(
    "sso-admin",
    "ListManagedPoliciesInPermissionSet",
    read_only=True,
    resources=resources.permission_set,
)
def list_managed_policies(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    arns = permission_set_store.managed_policy_arns(context.db, permission_set.arn)
    scope = ("ListManagedPoliciesInPermissionSet", permission_set.arn)
    selected, token = access.page(context, params, scope, arns, lambda arn: arn)
    policies = [{"Name": _policy_name(arn), "Arn": arn} for arn in selected]
    return access.with_token({"AttachedManagedPolicies": policies}, token)


def _policy_name(arn: str) -> str:
    shipped = aws_managed.find(arn)
    return shipped.name if shipped is not None else arn.rsplit("/", 1)[-1]


# Customer managed policy references


def _reference(params: Params) -> tuple[str, str]:
    reference: dict[str, Any] = params["CustomerManagedPolicyReference"]
    return reference["Name"], reference.get("Path") or permission_set_rules.DEFAULT_POLICY_PATH


@operation(
    "sso-admin",
    "AttachCustomerManagedPolicyReferenceToPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def attach_customer_policy(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    name, path = _reference(params)
    conflict = ConflictException(
        f"Customer managed policy {path}{name} is already attached to the permission set."
    )
    if (name, path) in permission_set_store.customer_policies(context.db, permission_set.arn):
        raise conflict
    permission_set_rules.check_managed_policy_count(_attached_count(context, permission_set.arn))

    try:
        permission_set_store.attach_customer_policy(context.db, permission_set.arn, name, path)
    except IntegrityError:
        raise conflict from None
    _touch(context, permission_set)
    return {}


@operation(
    "sso-admin",
    "DetachCustomerManagedPolicyReferenceFromPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def detach_customer_policy(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    name, path = _reference(params)
    if permission_set_store.detach_customer_policy(context.db, permission_set.arn, name, path) == 0:
        raise ResourceNotFoundException(
            f"Customer managed policy {path}{name} is not attached to the permission set."
        )
    _touch(context, permission_set)
    return {}


@operation(
    "sso-admin",
    "ListCustomerManagedPolicyReferencesInPermissionSet",
    read_only=True,
    resources=resources.permission_set,
)
def list_customer_policies(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    references = permission_set_store.customer_policies(context.db, permission_set.arn)
    scope = ("ListCustomerManagedPolicyReferencesInPermissionSet", permission_set.arn)
    selected, token = access.page(
        context, params, scope, references, lambda reference: f"{reference[1]}{reference[0]}"
    )
    replies = [{"Name": name, "Path": path} for name, path in selected]
    return access.with_token({"CustomerManagedPolicyReferences": replies}, token)


# Permissions boundary


def _boundary(params: Params) -> dict[str, Any]:
    """Return the boundary of the request with the default path filled in."""
    requested: dict[str, Any] = params["PermissionsBoundary"]
    reference: dict[str, Any] | None = requested.get("CustomerManagedPolicyReference")
    policy_arn: str = requested.get("ManagedPolicyArn", "")
    if (reference is None) == (policy_arn == ""):
        raise ValidationException(BOUNDARY_CHOICE_MESSAGE)
    if reference is None:
        _require_aws_managed(policy_arn)
        return {"ManagedPolicyArn": policy_arn}
    path = reference.get("Path") or permission_set_rules.DEFAULT_POLICY_PATH
    return {"CustomerManagedPolicyReference": {"Name": reference["Name"], "Path": path}}


@operation(
    "sso-admin",
    "PutPermissionsBoundaryToPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def put_permissions_boundary(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    updated = dataclasses.replace(
        permission_set, permissions_boundary=_boundary(params), updated_at=context.now()
    )
    permission_set_store.save(context.db, updated)
    return {}


@operation(
    "sso-admin",
    "GetPermissionsBoundaryForPermissionSet",
    read_only=True,
    resources=resources.permission_set,
)
def get_permissions_boundary(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    if permission_set.permissions_boundary is None:
        raise ResourceNotFoundException(NO_BOUNDARY_MESSAGE)
    return {"PermissionsBoundary": permission_set.permissions_boundary}


@operation(
    "sso-admin",
    "DeletePermissionsBoundaryFromPermissionSet",
    read_only=False,
    resources=resources.permission_set,
)
def delete_permissions_boundary(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    if permission_set.permissions_boundary is None:
        raise ResourceNotFoundException(NO_BOUNDARY_MESSAGE)
    updated = dataclasses.replace(
        permission_set, permissions_boundary=None, updated_at=context.now()
    )
    permission_set_store.save(context.db, updated)
    return {}
