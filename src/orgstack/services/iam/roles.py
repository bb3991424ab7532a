"""IAM roles: create, read, list, update, delete, tag, and set the permissions boundary.

A role belongs to the caller's account. Names are unique per account without regard to case, and
the trust policy counts at most 2,048 characters that are not whitespace (IAM's default quota).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from orgstack import ids
from orgstack.policy import PolicyKind
from orgstack.services.iam import documents, references, resources, role_store, tags
from orgstack.services.iam.errors import (
    DeleteConflictException,
    EntityAlreadyExistsException,
    LimitExceededException,
    NoSuchEntityException,
    UnmodifiableEntityException,
)
from orgstack.services.iam.pagination import page
from orgstack.services.registry import Params, RequestContext, Result, operation

TRUST_POLICY_QUOTA = 2048
DEFAULT_MAX_SESSION_SECONDS = 3600
# A role principal, `arn:aws:iam::<account>:role/<path><name>`.
_ROLE_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):role/(?:[^/]+/)*(?P<name>[^/]+)")
ROLE_RESOURCE_TYPE = "AWS::IAM::Role"
# IAM Identity Center's AWSReservedSSO_* roles live under this path (then the home Region when it
# is not us-east-1). Only Identity Center changes them, through the role store, not the IAM API.
PROTECTED_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"


def require_role(connection: Connection, account_id: str, name: str) -> role_store.RoleRow:
    """Return the role or raise IAM's NoSuchEntity."""
    role = role_store.find_role(connection, account_id, name)
    if role is None:
        raise NoSuchEntityException(f"The role with name {name} cannot be found.")
    return role


def require_modifiable_role(
    connection: Connection, account_id: str, name: str
) -> role_store.RoleRow:
    """Return the role, or raise NoSuchEntity, or UnmodifiableEntity for a protected role.

    These are the operations whose errors in the service model include UnmodifiableEntity.
    TagRole and UntagRole do not list it, so they use `require_role`.
    """
    role = require_role(connection, account_id, name)
    if role.path.startswith(PROTECTED_ROLE_PATH):
        # NOTE: AWS protects service-linked roles (path /aws-service-role/) the same way;
        # orgstack protects only Identity Center's roles.
        raise UnmodifiableEntityException(
            f"Cannot perform the operation on the protected role '{role.name}' - this role is "
            "only modifiable by AWS"
        )
    return role


def check_trust_policy(connection: Connection, document: str) -> None:
    """Raise unless `document` is a valid trust policy within IAM's size quota.

    Like IAM, a trust policy may not name a role that does not exist. Roles are checked only in
    accounts that orgstack stores, because it cannot know the roles of any other account.
    """
    if documents.size(document) > TRUST_POLICY_QUOTA:
        raise LimitExceededException(
            f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_QUOTA}"
        )
    documents.check(document, PolicyKind.TRUST)

    for arn in _aws_principals(document):
        match = _ROLE_ARN.fullmatch(arn)
        if match is None or not role_store.account_exists(connection, match["account"]):
            continue
        role = role_store.find_role(connection, match["account"], match["name"])
        if role is None or role.arn != arn:
            raise documents.invalid_principal("AWS", arn)


def _aws_principals(document: str) -> list[str]:
    """Return the `AWS` principals of every statement of a document that passed validation."""
    parsed = orjson.loads(document)
    statements = parsed["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    found: list[str] = []
    for statement in statements:
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        values = principal.get("AWS", [])
        found += [values] if isinstance(values, str) else list(values)
    return found


def require_boundary_policy(connection: Connection, account_id: str, arn: str) -> str:
    """Return `arn` if it names a managed policy the account can use as a permissions boundary."""
    if references.resolve(connection, account_id, arn) is None:
        raise NoSuchEntityException(f"Scope ARN: {arn} does not exist or is not attachable.")
    return arn


def role_reply(
    connection: Connection, role: role_store.RoleRow, *, details: bool
) -> dict[str, Any]:
    """Return the `Role` structure; `details` adds the boundary and tags, which ListRoles omits."""
    reply: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn,
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": documents.encode(role.assume_role_policy),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description:
        reply["Description"] = role.description
    if not details:
        return reply

    if role.permissions_boundary_arn is not None:
        reply["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": role.permissions_boundary_arn,
        }
    role_tags = role_store.role_tags(connection, role.account_id, role.name)
    if role_tags:
        reply["Tags"] = tags.to_reply(role_tags)
    return reply


@operation("iam", "CreateRole", read_only=False, resources=resources.role)
def create_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    name = params["RoleName"]
    path = params.get("Path", "/")
    trust_policy = params["AssumeRolePolicyDocument"]
    role_tags = tags.from_params(params.get("Tags"))

    check_trust_policy(context.db, trust_policy)
    tags.check_count([], role_tags)
    boundary = params.get("PermissionsBoundary")
    if boundary is not None:
        require_boundary_policy(context.db, account_id, boundary)
    if role_store.find_role(context.db, account_id, name) is not None:
        raise EntityAlreadyExistsException(f"Role with name {name} already exists.")

    role = role_store.RoleRow(
        account_id=account_id,
        name=name,
        role_id=ids.unique_id("AROA"),
        arn=ids.role_arn(account_id, path, name),
        path=path,
        assume_role_policy=trust_policy,
        description=params.get("Description", ""),
        max_session_duration=params.get("MaxSessionDuration", DEFAULT_MAX_SESSION_SECONDS),
        permissions_boundary_arn=boundary,
        created_at=context.now(),
    )
    try:
        role_store.insert_role(context.db, role)
    except IntegrityError:
        # A concurrent CreateRole of the same name committed first (possible on PostgreSQL).
        raise EntityAlreadyExistsException(f"Role with name {name} already exists.") from None
    role_store.put_role_tags(context.db, account_id, name, role_tags)
    context.audit.resources.append((ROLE_RESOURCE_TYPE, role.arn))
    return {"Role": role_reply(context.db, role, details=True)}


@operation("iam", "GetRole", read_only=True, resources=resources.role)
def get_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    reply = role_reply(context.db, role, details=True)
    # NOTE: orgstack does not record when a role was last used, so RoleLastUsed is always empty.
    reply["RoleLastUsed"] = {}
    return {"Role": reply}


@operation("iam", "ListRoles", read_only=True)
def list_roles(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    prefix = params.get("PathPrefix", "/")
    roles = [
        role
        for role in role_store.list_roles(context.db, account_id)
        if role.path.startswith(prefix)
    ]
    selected, paging = page(roles, params, lambda role: role.name.lower())
    return {"Roles": [role_reply(context.db, role, details=False) for role in selected], **paging}


@operation("iam", "UpdateRole", read_only=False, resources=resources.role)
def update_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    values: dict[str, object] = {}
    if "Description" in params:
        values["description"] = params["Description"]
    if "MaxSessionDuration" in params:
        values["max_session_duration"] = params["MaxSessionDuration"]
    if values:
        role_store.update_role(context.db, account_id, role.name, **values)
    return {}


@operation("iam", "UpdateRoleDescription", read_only=False, resources=resources.role)
def update_role_description(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    role_store.update_role(context.db, account_id, role.name, description=params["Description"])
    updated = require_role(context.db, account_id, role.name)
    return {"Role": role_reply(context.db, updated, details=True)}


@operation("iam", "UpdateAssumeRolePolicy", read_only=False, resources=resources.role)
def update_assume_role_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    document = params["PolicyDocument"]
    check_trust_policy(context.db, document)
    role_store.update_role(context.db, account_id, role.name, assume_role_policy=document)
    context.audit.resources.append((ROLE_RESOURCE_TYPE, role.arn))
    return {}


@operation("iam", "DeleteRole", read_only=False, resources=resources.role)
def delete_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    if role_store.inline_policies(context.db, account_id, role.name):
        raise DeleteConflictException("Cannot delete entity, must delete policies first.")
    if role_store.attached_policy_arns(context.db, account_id, role.name):
        raise DeleteConflictException("Cannot delete entity, must detach all policies first.")
    role_store.delete_role(context.db, account_id, role.name)
    context.audit.resources.append((ROLE_RESOURCE_TYPE, role.arn))
    return {}


@operation("iam", "PutRolePermissionsBoundary", read_only=False, resources=resources.role)
def put_role_permissions_boundary(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    boundary = require_boundary_policy(context.db, account_id, params["PermissionsBoundary"])
    role_store.update_role(context.db, account_id, role.name, permissions_boundary_arn=boundary)
    return {}


@operation("iam", "DeleteRolePermissionsBoundary", read_only=False, resources=resources.role)
def delete_role_permissions_boundary(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    role_store.update_role(context.db, account_id, role.name, permissions_boundary_arn=None)
    return {}


@operation("iam", "TagRole", read_only=False, resources=resources.role)
def tag_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    added = tags.from_params(params["Tags"])
    tags.check_count(role_store.role_tags(context.db, account_id, role.name), added)
    role_store.put_role_tags(context.db, account_id, role.name, added)
    return {}


@operation("iam", "UntagRole", read_only=False, resources=resources.role)
def untag_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    role_store.remove_role_tags(context.db, account_id, role.name, list(params["TagKeys"]))
    return {}


@operation("iam", "ListRoleTags", read_only=True, resources=resources.role)
def list_role_tags(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    role_tags = role_store.role_tags(context.db, account_id, role.name)
    selected, paging = page(role_tags, params, lambda tag: tag[0].lower())
    return {"Tags": tags.to_reply(selected), **paging}


@operation("iam", "ListInstanceProfilesForRole", read_only=True, resources=resources.role)
def list_instance_profiles_for_role(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    require_role(context.db, account_id, params["RoleName"])
    # orgstack has no EC2 instance profiles, so every role has none; Terraform lists them before
    # it deletes a role.
    return {"InstanceProfiles": [], "IsTruncated": False}
