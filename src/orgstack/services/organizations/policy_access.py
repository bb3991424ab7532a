"""Who may change and read Organizations policies, shared by every policy operation.

The management account may run every policy operation. Another member account may run one
when the organization's resource policy (PutResourcePolicy) allows the action on the resources
it names. Read-only operations are also open to a delegated administrator of any service.
"""

from __future__ import annotations

from collections.abc import Sequence

from orgstack import ids
from orgstack.services.organizations import access, policy_rules, policy_store
from orgstack.services.organizations.errors import AccessDeniedException, PolicyNotFoundException
from orgstack.services.organizations.policy_store import PolicyRow
from orgstack.services.registry import RequestContext


def may_manage_policies(
    context: RequestContext,
    view: access.OrganizationView,
    action: str,
    resource_arns: Sequence[str] = (),
    policy_type: str | None = None,
) -> bool:
    """Return whether the caller may run `action` (`CreatePolicy`, `AttachPolicy` …).

    The management account always may. Another member account may when the organization's
    resource policy (PutResourcePolicy) allows `organizations:<action>` on every ARN of
    `resource_arns`, with `policy_type` as the `organizations:PolicyType` condition key.
    """
    if view.caller_is_management:
        return True
    try:
        access.resource_policy_view(context, f"organizations:{action}", resource_arns, policy_type)
    except AccessDeniedException:
        return False
    return True


def may_read_policies(
    context: RequestContext,
    view: access.OrganizationView,
    action: str,
    resource_arns: Sequence[str] = (),
    policy_type: str | None = None,
) -> bool:
    """Return whether the caller may run the read-only `action` (`ListPolicies` …).

    That is the management account, a delegated administrator of any service, or an account
    that the resource policy allows the action.
    """
    if access.is_delegated_administrator(context.db, view.caller_account_id):
        return True
    return may_manage_policies(context, view, action, resource_arns, policy_type)


def require_manager(
    context: RequestContext,
    view: access.OrganizationView,
    action: str,
    resource_arns: Sequence[str] = (),
    policy_type: str | None = None,
) -> None:
    if not may_manage_policies(context, view, action, resource_arns, policy_type):
        raise AccessDeniedException(access.ACCESS_DENIED_MESSAGE)


def require_reader(
    context: RequestContext,
    view: access.OrganizationView,
    action: str,
    resource_arns: Sequence[str] = (),
    policy_type: str | None = None,
) -> None:
    if not may_read_policies(context, view, action, resource_arns, policy_type):
        raise AccessDeniedException(access.ACCESS_DENIED_MESSAGE)


def policy_arn_of(view: access.OrganizationView, policy: PolicyRow | None, policy_id: str) -> str:
    """Return the policy's ARN, or for an unknown ID an SCP ARN of the caller's organization.

    Authorization needs an ARN before the handler reports that the policy does not exist.
    """
    if policy is not None:
        return policy.arn
    return ids.policy_arn(
        view.management_account_id, view.id, policy_rules.SERVICE_CONTROL_POLICY, policy_id
    )


def authorized_policy(
    context: RequestContext,
    view: access.OrganizationView,
    action: str,
    policy_id: str,
    target_arns: Sequence[str] = (),
    read_only: bool = False,
) -> PolicyRow:
    """Authorize `action` on a policy (and on `target_arns`), then return the policy.

    Raises AccessDeniedException first, then PolicyNotFoundException for an unknown policy.
    """
    policy = policy_store.find_policy(context.db, view.id, policy_id)
    resource_arns = [policy_arn_of(view, policy, policy_id), *target_arns]
    policy_type = None if policy is None else policy.type
    if read_only:
        require_reader(context, view, action, resource_arns, policy_type)
    else:
        require_manager(context, view, action, resource_arns, policy_type)
    if policy is None:
        raise PolicyNotFoundException()
    return policy


def require_policy(
    context: RequestContext, view: access.OrganizationView, policy_id: str
) -> PolicyRow:
    policy = policy_store.find_policy(context.db, view.id, policy_id)
    if policy is None:
        raise PolicyNotFoundException()
    return policy
