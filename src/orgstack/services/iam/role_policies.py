"""A role's permissions policies: inline policies and attached managed policies.

IAM's default quotas apply: the inline policies of one role count at most 10,240 characters that
are not whitespace in total, and at most 10 managed policies are attached to one role.
"""

from __future__ import annotations

from orgstack.policy import PolicyKind
from orgstack.services.iam import documents, references, resources, role_store
from orgstack.services.iam.errors import LimitExceededException, NoSuchEntityException
from orgstack.services.iam.pagination import page
from orgstack.services.iam.roles import require_modifiable_role, require_role
from orgstack.services.registry import Params, RequestContext, Result, operation

INLINE_POLICY_QUOTA = 10240
ATTACHED_POLICY_QUOTA = 10


@operation("iam", "PutRolePolicy", read_only=False, resources=resources.role)
def put_role_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    policy_name = params["PolicyName"]
    document = params["PolicyDocument"]
    documents.check(document, PolicyKind.IDENTITY)

    # The replaced document of the same name no longer counts against the quota.
    others = [
        existing
        for name, existing in role_store.inline_policies(context.db, account_id, role.name)
        if name != policy_name
    ]
    total = documents.size(document) + sum(documents.size(existing) for existing in others)
    if total > INLINE_POLICY_QUOTA:
        raise LimitExceededException(
            f"Maximum policy size of {INLINE_POLICY_QUOTA} bytes exceeded for role {role.name}"
        )

    role_store.put_inline_policy(context.db, account_id, role.name, policy_name, document)
    return {}


@operation("iam", "GetRolePolicy", read_only=True, resources=resources.role)
def get_role_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    policy_name = params["PolicyName"]
    for name, document in role_store.inline_policies(context.db, account_id, role.name):
        if name == policy_name:
            return {
                "RoleName": role.name,
                "PolicyName": name,
                "PolicyDocument": documents.encode(document),
            }
    raise NoSuchEntityException(f"The role policy with name {policy_name} cannot be found.")


@operation("iam", "DeleteRolePolicy", read_only=False, resources=resources.role)
def delete_role_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    policy_name = params["PolicyName"]
    if role_store.delete_inline_policy(context.db, account_id, role.name, policy_name) == 0:
        raise NoSuchEntityException(f"The role policy with name {policy_name} cannot be found.")
    return {}


@operation("iam", "ListRolePolicies", read_only=True, resources=resources.role)
def list_role_policies(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    names = [name for name, _ in role_store.inline_policies(context.db, account_id, role.name)]
    selected, paging = page(names, params, lambda name: name)
    return {"PolicyNames": selected, **paging}


@operation("iam", "AttachRolePolicy", read_only=False, resources=resources.role)
def attach_role_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    arn = params["PolicyArn"]
    if references.resolve(context.db, account_id, arn) is None:
        raise NoSuchEntityException(f"Policy {arn} does not exist or is not attachable.")

    attached = role_store.attached_policy_arns(context.db, account_id, role.name)
    # Attaching a policy that is already attached changes nothing, as in IAM.
    if arn in attached:
        return {}
    if len(attached) >= ATTACHED_POLICY_QUOTA:
        raise LimitExceededException(
            f"Cannot exceed quota for PoliciesPerRole: {ATTACHED_POLICY_QUOTA}"
        )
    role_store.attach_policy(context.db, account_id, role.name, arn)
    return {}


@operation("iam", "DetachRolePolicy", read_only=False, resources=resources.role)
def detach_role_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_modifiable_role(context.db, account_id, params["RoleName"])
    arn = params["PolicyArn"]
    references.check_policy_arn(arn)
    if role_store.detach_policy(context.db, account_id, role.name, arn) == 0:
        raise NoSuchEntityException(f"Policy {arn} was not found.")
    return {}


@operation("iam", "ListAttachedRolePolicies", read_only=True, resources=resources.role)
def list_attached_role_policies(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = require_role(context.db, account_id, params["RoleName"])
    prefix = params.get("PathPrefix", "/")
    attached = []
    for arn in role_store.attached_policy_arns(context.db, account_id, role.name):
        policy = references.resolve(context.db, account_id, arn)
        if policy is not None and policy.path.startswith(prefix):
            attached.append({"PolicyName": policy.name, "PolicyArn": policy.arn})
    selected, paging = page(attached, params, lambda entry: entry["PolicyArn"])
    return {"AttachedPolicies": selected, **paging}
