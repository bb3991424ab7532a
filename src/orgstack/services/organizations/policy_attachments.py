"""Policy attachments: AttachPolicy, DetachPolicy, ListPoliciesForTarget, ListTargetsForPolicy."""

from __future__ import annotations

import logging

from orgstack.services.invalidation import NOTHING, Invalidation, accounts_below
from orgstack.services.organizations import access, policy_rules, policy_store
from orgstack.services.organizations.attachments import (
    RCP_FULL_AWS_ACCESS_ID,
    attach,
    enabled_policy_types,
)
from orgstack.services.organizations.errors import (
    DuplicatePolicyAttachmentException,
    PolicyNotAttachedException,
    PolicyTypeNotEnabledException,
    TargetNotFoundException,
)
from orgstack.services.organizations.pagination import decode_token, encode_token, page, page_size
from orgstack.services.organizations.policies import AUDIT_POLICY_TYPE, policy_summary
from orgstack.services.organizations.policy_access import authorized_policy, require_reader
from orgstack.services.organizations.policy_store import Attached
from orgstack.services.organizations.policy_targets import (
    AUDIT_TYPES,
    Target,
    find_target,
    find_targets,
    target_arn,
)
from orgstack.services.registry import Params, RequestContext, Result, operation

log = logging.getLogger("orgstack.organizations")

# The sentence AWS sends when the policy's type is not enabled in the root.
TYPE_NOT_ENABLED_MESSAGE = "This operation can be performed only for enabled policy types."


def require_target(
    context: RequestContext, view: access.OrganizationView, target_id: str
) -> Target:
    target = find_target(context.db, view, target_id)
    if target is None:
        raise TargetNotFoundException()
    return target


def _audit(context: RequestContext, policy_arn: str, target: Target) -> None:
    context.audit.resources.append((AUDIT_POLICY_TYPE, policy_arn))
    context.audit.resources.append((AUDIT_TYPES[target.type], target.arn))


@operation("organizations", "AttachPolicy", read_only=False)
def attach_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    target_arns = [target_arn(view, params["TargetId"])]
    policy = authorized_policy(context, view, "AttachPolicy", params["PolicyId"], target_arns)
    policy_store.lock_organization(context.db, view.id)
    target = require_target(context, view, params["TargetId"])

    policy_rules.require_type_available(view, policy.type)
    if policy.type not in enabled_policy_types(context.db, view.root_id):
        raise PolicyTypeNotEnabledException(TYPE_NOT_ENABLED_MESSAGE)
    if policy_store.is_attached(context.db, policy.id, target.id):
        raise DuplicatePolicyAttachmentException()
    # NOTE: the AWS managed default policy (FullAWSAccess, RCPFullAWSAccess) counts toward the
    # limit here; the guide does not say whether AWS counts it.
    attached = policy_store.count_attached(context.db, target.id, policy.type)
    if attached >= policy_rules.attachments_per_target(policy.type):
        raise policy_rules.attachment_limit_exceeded()

    attach(context.db, policy.id, target.id, target.type, view.id, context.now())
    context.invalidation = _invalidation(policy.type, target.id)
    log.info("attached policy policy_id=%s target_id=%s", policy.id, target.id)
    _audit(context, policy.arn, target)
    return {}


@operation("organizations", "DetachPolicy", read_only=False)
def detach_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    target_arns = [target_arn(view, params["TargetId"])]
    policy = authorized_policy(context, view, "DetachPolicy", params["PolicyId"], target_arns)
    policy_store.lock_organization(context.db, view.id)
    target = require_target(context, view, params["TargetId"])

    # RCPFullAWSAccess stays on every target while RCPs are enabled.
    if policy.id == RCP_FULL_AWS_ACCESS_ID:
        raise policy_rules.non_detachable_policy()
    if not policy_store.is_attached(context.db, policy.id, target.id):
        raise PolicyNotAttachedException()
    minimum = policy_rules.MIN_ATTACHMENTS_PER_TARGET.get(policy.type, 0)
    if policy_store.count_attached(context.db, target.id, policy.type) <= minimum:
        raise policy_rules.last_attachment()

    policy_store.detach(context.db, policy.id, target.id)
    context.invalidation = _invalidation(policy.type, target.id)
    log.info("detached policy policy_id=%s target_id=%s", policy.id, target.id)
    _audit(context, policy.arn, target)
    return {}


def _invalidation(policy_type: str, target_id: str) -> Invalidation:
    """Return the scope of an attachment change: SCPs and RCPs are policy layers of the accounts
    at or below the target, and no other policy type takes part in authorization."""
    if policy_type in policy_rules.AUTHORIZATION_POLICY_KINDS:
        return accounts_below(target_id)
    return NOTHING


def _attached_id(attached: Attached) -> str:
    return attached.policy.id


@operation("organizations", "ListPoliciesForTarget", read_only=True)
def list_policies_for_target(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["Filter"]
    arns = [target_arn(view, params["TargetId"])]
    require_reader(context, view, "ListPoliciesForTarget", arns, policy_type)
    target = require_target(context, view, params["TargetId"])

    found = policy_store.attached_policies(context.db, target.id, policy_type)
    found.sort(key=_attached_id)
    items, token = page(
        context,
        [policy_summary(attached.policy) for attached in found],
        [[attached.policy.id] for attached in found],
        params,
        f"policies-for-target/{target.id}/{policy_type}",
    )
    return {"Policies": items, "NextToken": token}


@operation("organizations", "ListTargetsForPolicy", read_only=True)
def list_targets_for_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy = authorized_policy(
        context, view, "ListTargetsForPolicy", params["PolicyId"], read_only=True
    )

    # FullAWSAccess may be attached to every account of a large organization, so the page is
    # cut in SQL. The one row fetched beyond the page shows whether another page follows.
    scope = f"targets-for-policy/{policy.id}"
    after = decode_token(context, scope, params.get("NextToken"))
    size = page_size(params)
    after_id = str(after[0]) if after else None
    target_ids = policy_store.target_ids_page(context.db, view.id, policy.id, after_id, size + 1)

    page_ids = target_ids[:size]
    targets = find_targets(context.db, view, page_ids)
    items = [targets[target_id].summary() for target_id in page_ids if target_id in targets]
    token = encode_token(context, scope, [page_ids[-1]]) if len(target_ids) > size else None
    return {"Targets": items, "NextToken": token}
