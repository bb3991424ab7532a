"""Organizations policies: CreatePolicy, UpdatePolicy, DeletePolicy, DescribePolicy and
ListPolicies."""

from __future__ import annotations

import logging
from typing import Any

from orgstack import ids
from orgstack.services.invalidation import NOTHING
from orgstack.services.organizations import access, policy_rules, policy_store
from orgstack.services.organizations.errors import (
    DuplicatePolicyException,
    PolicyInUseException,
)
from orgstack.services.organizations.pagination import page
from orgstack.services.organizations.policy_access import (
    authorized_policy,
    require_manager,
    require_policy,
    require_reader,
)
from orgstack.services.organizations.policy_store import PolicyRow
from orgstack.services.organizations.tagging import delete_resource_tags, tag_new_resource
from orgstack.services.registry import Params, RequestContext, Result, operation

log = logging.getLogger("orgstack.organizations")

AUDIT_POLICY_TYPE = "AWS::Organizations::Policy"


def policy_summary(policy: PolicyRow) -> dict[str, Any]:
    return {
        "Id": policy.id,
        "Arn": policy.arn,
        "Name": policy.name,
        "Description": policy.description,
        "Type": policy.type,
        "AwsManaged": policy.aws_managed,
    }


def policy_record(policy: PolicyRow) -> dict[str, Any]:
    return {"PolicySummary": policy_summary(policy), "Content": policy.content}


def _duplicate_name() -> DuplicatePolicyException:
    # The sentence AWS sends: names are unique per policy type.
    return DuplicatePolicyException("A policy with the specified name and type already exists.")


@operation("organizations", "CreatePolicy", read_only=False)
def create_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["Type"]
    require_manager(context, view, "CreatePolicy", (), policy_type)
    policy_store.lock_organization(context.db, view.id)
    name = params["Name"]
    content = params["Content"]

    policy_rules.require_type_available(view, policy_type)
    policy_rules.check_content(policy_type, content)
    if policy_store.name_taken(context.db, view.id, name, policy_type):
        raise _duplicate_name()
    count = policy_store.count_policies(context.db, view.id, policy_type)
    if count >= policy_rules.policies_per_organization(policy_type):
        raise policy_rules.policy_number_limit_exceeded()

    now = context.now()
    policy_id = ids.policy_id()
    policy = PolicyRow(
        id=policy_id,
        organization_id=view.id,
        name=name,
        description=params.get("Description", ""),
        type=policy_type,
        content=content,
        aws_managed=False,
        arn=ids.policy_arn(view.management_account_id, view.id, policy_type, policy_id),
        created_at=now,
        updated_at=now,
    )
    policy_store.insert_policy(context.db, policy)
    tag_new_resource(context.db, policy_id, params.get("Tags"))
    # A policy takes part in authorization only once it is attached.
    context.invalidation = NOTHING

    log.info(
        "created policy policy_id=%s type=%s organization_id=%s", policy_id, policy_type, view.id
    )
    context.audit.resources.append((AUDIT_POLICY_TYPE, policy.arn))
    return {"Policy": policy_record(policy)}


@operation("organizations", "UpdatePolicy", read_only=False)
def update_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy = authorized_policy(context, view, "UpdatePolicy", params["PolicyId"])
    policy_store.lock_organization(context.db, view.id)
    if policy.aws_managed:
        raise policy_rules.immutable_policy()

    changes: dict[str, str] = {}
    if "Content" in params:
        policy_rules.check_content(policy.type, params["Content"])
        changes["content"] = params["Content"]
    if "Name" in params:
        if policy_store.name_taken(
            context.db, view.id, params["Name"], policy.type, other_than=policy.id
        ):
            raise _duplicate_name()
        changes["name"] = params["Name"]
    if "Description" in params:
        changes["description"] = params["Description"]

    policy_store.update_policy(context.db, policy.id, changes, context.now())
    updated = require_policy(context, view, policy.id)
    context.audit.resources.append((AUDIT_POLICY_TYPE, updated.arn))
    return {"Policy": policy_record(updated)}


@operation("organizations", "DeletePolicy", read_only=False)
def delete_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy = authorized_policy(context, view, "DeletePolicy", params["PolicyId"])
    policy_store.lock_organization(context.db, view.id)
    if policy.aws_managed:
        raise policy_rules.immutable_policy()
    if policy_store.in_use(context.db, policy.id):
        raise PolicyInUseException(
            "The policy is attached to one or more entities. You must detach it from all roots, "
            "OUs, and accounts before performing this operation."
        )

    delete_resource_tags(context.db, policy.id)
    policy_store.delete_policy(context.db, policy.id)
    log.info("deleted policy policy_id=%s organization_id=%s", policy.id, view.id)
    context.audit.resources.append((AUDIT_POLICY_TYPE, policy.arn))
    return {}


@operation("organizations", "DescribePolicy", read_only=True)
def describe_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy = authorized_policy(context, view, "DescribePolicy", params["PolicyId"], read_only=True)
    return {"Policy": policy_record(policy)}


def _by_id(policy: PolicyRow) -> str:
    return policy.id


@operation("organizations", "ListPolicies", read_only=True)
def list_policies(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["Filter"]
    require_reader(context, view, "ListPolicies", (), policy_type)
    # Sorted here rather than by SQL so that the order matches the token's key comparison
    # whatever the database's collation.
    found = sorted(policy_store.list_policies(context.db, view.id, policy_type), key=_by_id)
    items, token = page(
        context,
        [policy_summary(policy) for policy in found],
        [[policy.id] for policy in found],
        params,
        f"policies/{policy_type}",
    )
    return {"Policies": items, "NextToken": token}
