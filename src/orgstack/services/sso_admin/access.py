"""Access checks of sso-admin calls: the instance and permission set a call addresses and
whether the caller may use them. Also the paging that the list operations share.

The organization instance is administered from the management account and from a delegated
administrator for sso.amazonaws.com; an account instance from the account that owns it. Any other
caller gets AccessDeniedException, also for an instance that does not exist, so that a caller
cannot learn which instances exist in other accounts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.identitystore import pagination
from orgstack.services.registry import Params, RequestContext
from orgstack.services.sso_admin import permission_set_store
from orgstack.services.sso_admin.errors import AccessDeniedException, ResourceNotFoundException
from orgstack.services.sso_admin.permission_set_store import PermissionSet

PERMISSION_SET_RESOURCE_TYPE = "AWS::SSO::PermissionSet"
# NOTE: AWS does not document the message for permission sets on an account instance that has them
# switched off. This message states the rule.
PERMISSION_SETS_DISABLED_MESSAGE = "Permission sets are not enabled for this instance."

Item = TypeVar("Item")


def administered_instance(context: RequestContext, instance_arn: str) -> Instance:
    """Return the instance if the caller may administer it; raise AccessDeniedException if not."""
    account_id = context.require_caller().account_id
    instance = identity_center.find_by_arn(context.db, instance_arn)
    if instance is None or not identity_center.may_administer(context.db, instance, account_id):
        raise AccessDeniedException()
    context.audit.recipient_account_id = instance.owner_account_id
    return instance


def permission_set_instance(context: RequestContext, instance_arn: str) -> Instance:
    """Return the administered instance, if it may hold permission sets."""
    instance = administered_instance(context, instance_arn)
    enabled = instance.settings.get("permission_sets_enabled", instance.is_organization_instance)
    if not enabled:
        raise ValidationException(PERMISSION_SETS_DISABLED_MESSAGE)
    return instance


def permission_set_id(arn: str) -> str:
    """Return the `ps-…` id at the end of a permission set ARN."""
    return arn.rsplit("/", 1)[-1]


def require_permission_set(context: RequestContext, instance: Instance, arn: str) -> PermissionSet:
    """Return the instance's permission set `arn`; raise ResourceNotFoundException if absent."""
    permission_set = permission_set_store.find(context.db, arn)
    if permission_set is None or permission_set.instance_arn != instance.instance_arn:
        # NOTE: the message is the form AWS clients report for a missing permission set; AWS
        # does not document it.
        raise ResourceNotFoundException(
            f"Could not find PermissionSet with id {permission_set_id(arn)}"
        )
    context.audit.resources.append((PERMISSION_SET_RESOURCE_TYPE, arn))
    return permission_set


def instance_and_permission_set(
    context: RequestContext, params: Params
) -> tuple[Instance, PermissionSet]:
    """Return the `InstanceArn` and `PermissionSetArn` of a request, both checked."""
    instance = permission_set_instance(context, params["InstanceArn"])
    return instance, require_permission_set(context, instance, params["PermissionSetArn"])


def page(
    context: RequestContext,
    params: Params,
    scope_parts: Sequence[Any],
    items: Sequence[Item],
    key: Callable[[Item], str],
) -> tuple[list[Item], str | None]:
    """Return one page of `items` (sorted by `key`) and the token of the next page, if any.

    The token is bound to `scope_parts` (the operation and its filters), so that it cannot be
    replayed with other parameters.
    """
    scope = pagination.scope_of(*scope_parts)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if key(item) > after]
    size = pagination.page_size(params)
    count, token = pagination.next_token(context, scope, [key(item) for item in ordered], size)
    return ordered[:count], token


def with_token(result: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        result["NextToken"] = token
    return result
