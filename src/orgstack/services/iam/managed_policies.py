"""Managed policies: customer managed policies of the caller's account and AWS managed policies.

AWS managed policies are shipped data: every account lists, reads and attaches them, and none can
change them. A customer managed policy document counts at most 6,144 characters that are not
whitespace (IAM's quota).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from orgstack import ids
from orgstack.policy import PolicyKind
from orgstack.services.iam import (
    aws_managed,
    documents,
    policy_store,
    references,
    resources,
    role_store,
    tags,
)
from orgstack.services.iam.errors import (
    AccessDenied,
    DeleteConflictException,
    EntityAlreadyExistsException,
    LimitExceededException,
    NoSuchEntityException,
)
from orgstack.services.iam.pagination import page
from orgstack.services.iam.references import ManagedPolicy
from orgstack.services.registry import Params, RequestContext, Result, operation

POLICY_SIZE_QUOTA = 6144
FIRST_VERSION = "v1"
POLICY_RESOURCE_TYPE = "AWS::IAM::ManagedPolicy"


def require_policy(connection: Connection, account_id: str, arn: str) -> ManagedPolicy:
    """Return the managed policy `arn` names or raise IAM's NoSuchEntity."""
    policy = references.resolve(connection, account_id, arn)
    if policy is None:
        raise NoSuchEntityException(f"Policy {arn} was not found.")
    return policy


def require_customer_policy(
    context: RequestContext, arn: str
) -> tuple[ManagedPolicy, policy_store.PolicyRow]:
    """Return a customer managed policy that the caller may change.

    An AWS managed policy belongs to AWS, so changing it is denied as a call on another account's
    resource would be.
    """
    caller = context.require_caller()
    policy = require_policy(context.db, caller.account_id, arn)
    stored = policy_store.find_by_arn(context.db, caller.account_id, arn)
    if policy.aws_managed or stored is None:
        raise AccessDenied(
            f"User: {caller.arn} is not authorized to perform: iam:{context.operation} on "
            f"resource: {arn} because no resource-based policy allows the "
            f"iam:{context.operation} action"
        )
    return policy, stored


def check_policy_size(document: str) -> None:
    if documents.size(document) > POLICY_SIZE_QUOTA:
        raise LimitExceededException(f"Cannot exceed quota for PolicySize: {POLICY_SIZE_QUOTA}")


class Usage:
    """How often each managed policy is used in one account: attached and as a boundary."""

    def __init__(self, connection: Connection, account_id: str) -> None:
        self.attachments = role_store.attachment_counts(connection, account_id)
        self.boundaries = role_store.boundary_counts(connection, account_id)

    def attached(self, arn: str) -> int:
        return self.attachments.get(arn, 0)

    def as_boundary(self, arn: str) -> int:
        return self.boundaries.get(arn, 0)


def policy_reply(policy: ManagedPolicy, usage: Usage, *, description: bool) -> dict[str, Any]:
    """Return the `Policy` structure; ListPolicies leaves out the description, as IAM does."""
    reply: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": usage.attached(policy.arn),
        "PermissionsBoundaryUsageCount": usage.as_boundary(policy.arn),
        "IsAttachable": True,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }
    if description and policy.description:
        reply["Description"] = policy.description
    return reply


@operation("iam", "CreatePolicy", read_only=False, resources=resources.new_policy)
def create_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    name = params["PolicyName"]
    path = params.get("Path", "/")
    document = params["PolicyDocument"]
    policy_tags = tags.from_params(params.get("Tags"))

    check_policy_size(document)
    documents.check(document, PolicyKind.IDENTITY)
    tags.check_count([], policy_tags)
    if policy_store.find_by_name(context.db, account_id, name) is not None:
        raise EntityAlreadyExistsException(
            f"A policy called {name} already exists. Duplicate names are not allowed."
        )

    now = context.now()
    row = policy_store.PolicyRow(
        account_id=account_id,
        name=name,
        policy_id=ids.unique_id("ANPA"),
        arn=f"arn:aws:iam::{account_id}:policy{path}{name}",
        path=path,
        description=params.get("Description", ""),
        default_version_id=FIRST_VERSION,
        next_version_number=2,
        created_at=now,
        updated_at=now,
    )
    try:
        policy_store.insert_policy(context.db, row, document)
    except IntegrityError:
        # A concurrent CreatePolicy of the same name committed first (possible on PostgreSQL).
        raise EntityAlreadyExistsException(
            f"A policy called {name} already exists. Duplicate names are not allowed."
        ) from None
    policy_store.put_policy_tags(context.db, row.policy_id, policy_tags)
    context.audit.resources.append((POLICY_RESOURCE_TYPE, row.arn))

    reply = policy_reply(references.from_row(row), Usage(context.db, account_id), description=True)
    if policy_tags:
        reply["Tags"] = tags.to_reply(policy_tags)
    return {"Policy": reply}


@operation("iam", "GetPolicy", read_only=True, resources=resources.policy)
def get_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    policy = require_policy(context.db, account_id, params["PolicyArn"])
    reply = policy_reply(policy, Usage(context.db, account_id), description=True)
    if not policy.aws_managed:
        policy_tags = policy_store.policy_tags(context.db, policy.policy_id)
        if policy_tags:
            reply["Tags"] = tags.to_reply(policy_tags)
    return {"Policy": reply}


@operation("iam", "ListPolicies", read_only=True)
def list_policies(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    scope = params.get("Scope", "All")
    prefix = params.get("PathPrefix", "/")
    usage = Usage(context.db, account_id)

    candidates: list[ManagedPolicy] = []
    if scope in ("All", "AWS"):
        candidates += [
            policy
            for shipped in aws_managed.all_policies().values()
            if (policy := references.resolve(context.db, account_id, shipped.arn)) is not None
        ]
    if scope in ("All", "Local"):
        candidates += [
            references.from_row(row) for row in policy_store.list_policies(context.db, account_id)
        ]

    selected = [
        policy
        for policy in candidates
        if policy.path.startswith(prefix) and _matches_usage(policy, usage, params)
    ]
    selected.sort(key=_sort_key)
    shown, paging = page(selected, params, _sort_key)
    return {
        "Policies": [policy_reply(policy, usage, description=False) for policy in shown],
        **paging,
    }


def _sort_key(policy: ManagedPolicy) -> str:
    return f"{policy.name.lower()}\x00{policy.arn}"


def _matches_usage(policy: ManagedPolicy, usage: Usage, params: Params) -> bool:
    attached = usage.attached(policy.arn)
    as_boundary = usage.as_boundary(policy.arn)
    if params.get("OnlyAttached") and attached == 0:
        return False
    usage_filter = params.get("PolicyUsageFilter")
    if usage_filter == "PermissionsPolicy" and attached == 0:
        return False
    return not (usage_filter == "PermissionsBoundary" and as_boundary == 0)


@operation("iam", "DeletePolicy", read_only=False, resources=resources.policy)
def delete_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    policy, stored = require_customer_policy(context, params["PolicyArn"])
    usage = Usage(context.db, account_id)
    # NOTE: a policy that is only a permissions boundary is treated as attached, so the role
    # never keeps a boundary that no longer exists.
    if usage.attached(policy.arn) or usage.as_boundary(policy.arn):
        raise DeleteConflictException("Cannot delete a policy attached to entities.")
    if len(policy_store.versions(context.db, stored.policy_id)) > 1:
        raise DeleteConflictException(
            "This policy has more than one version. Before you delete a policy, you must delete "
            "the policy's versions. The default version is deleted with the policy."
        )
    policy_store.delete_policy(context.db, stored.policy_id)
    context.audit.resources.append((POLICY_RESOURCE_TYPE, policy.arn))
    return {}


@operation("iam", "ListEntitiesForPolicy", read_only=True, resources=resources.policy)
def list_entities_for_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    policy = require_policy(context.db, account_id, params["PolicyArn"])
    prefix = params.get("PathPrefix", "/")
    usage_filter = params.get("PolicyUsageFilter")

    roles: dict[str, role_store.RoleRow] = {}
    if usage_filter in (None, "PermissionsPolicy"):
        roles.update(
            {
                role.role_id: role
                for role in role_store.roles_attached_to(context.db, account_id, policy.arn)
            }
        )
    if usage_filter in (None, "PermissionsBoundary"):
        roles.update(
            {
                role.role_id: role
                for role in role_store.roles_with_boundary(context.db, account_id, policy.arn)
            }
        )
    # orgstack has no IAM users or groups, so only roles can use a policy.
    wanted = params.get("EntityFilter") in (None, "Role")
    matching = sorted(
        (role for role in roles.values() if wanted and role.path.startswith(prefix)),
        key=lambda role: role.name.lower(),
    )
    shown, paging = page(matching, params, lambda role: role.name.lower())
    return {
        "PolicyGroups": [],
        "PolicyUsers": [],
        "PolicyRoles": [{"RoleName": role.name, "RoleId": role.role_id} for role in shown],
        **paging,
    }
