"""Permission sets: CreatePermissionSet, DescribePermissionSet, UpdatePermissionSet,
DeletePermissionSet, ListPermissionSets, ListPermissionSetsProvisionedToAccount and
ListAccountsForProvisionedPermissionSet.

A permission set belongs to the organization instance. Its name is unique in the instance, its
session duration is an ISO 8601 duration of 1 to 12 hours (PT1H unless given). A change to a set
makes every account's copy outdated until the set is provisioned again.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from sqlalchemy.exc import IntegrityError

from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    assignment_store,
    permission_set_rules,
    permission_set_store,
    resources,
    role_provisioning,
    tagging,
)
from orgstack.services.sso_admin.errors import ConflictException
from orgstack.services.sso_admin.permission_set_store import PermissionSet

LATEST_PROVISIONED = "LATEST_PERMISSION_SET_PROVISIONED"
# NOTE: AWS does not document this message; it is the one AWS clients report when a set that
# account assignments use is deleted.
IN_USE_MESSAGE = "Could not delete because PermissionSet has ApplicationProfile associated with it."


def new_permission_set_arn(instance_arn: str) -> str:
    instance_id = instance_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sso:::permissionSet/{instance_id}/ps-{secrets.token_hex(8)}"


def describe(permission_set: PermissionSet) -> dict[str, Any]:
    """Return the `PermissionSet` structure of the API."""
    reply: dict[str, Any] = {
        "Name": permission_set.name,
        "PermissionSetArn": permission_set.arn,
        "CreatedDate": permission_set.created_at,
        "SessionDuration": permission_set.session_duration,
    }
    if permission_set.description is not None:
        reply["Description"] = permission_set.description
    if permission_set.relay_state is not None:
        reply["RelayState"] = permission_set.relay_state
    return reply


def _name_conflict(name: str) -> ConflictException:
    return ConflictException(f"PermissionSet with name {name} already exists.")


@operation("sso-admin", "CreatePermissionSet", read_only=False, resources=resources.instance)
def create_permission_set(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    name = params["Name"]
    duration = permission_set_rules.check_session_duration(
        params.get("SessionDuration") or permission_set_rules.DEFAULT_SESSION_DURATION
    )
    tags = tagging.merged([], params.get("Tags") or [])
    if permission_set_store.find_by_name(context.db, instance.instance_arn, name) is not None:
        raise _name_conflict(name)

    now = context.now()
    permission_set = PermissionSet(
        arn=new_permission_set_arn(instance.instance_arn),
        instance_arn=instance.instance_arn,
        name=name,
        description=params.get("Description"),
        session_duration=duration,
        relay_state=params.get("RelayState"),
        inline_policy=None,
        permissions_boundary=None,
        created_at=now,
        updated_at=now,
    )
    try:
        permission_set_store.insert_permission_set(context.db, permission_set)
    except IntegrityError:
        # A concurrent CreatePermissionSet of the same name committed first.
        raise _name_conflict(name) from None
    tagging.save_tags(context.db, permission_set.arn, instance.instance_arn, tags, now)
    context.audit.resources.append((access.PERMISSION_SET_RESOURCE_TYPE, permission_set.arn))
    return {"PermissionSet": describe(permission_set)}


@operation("sso-admin", "DescribePermissionSet", read_only=True, resources=resources.permission_set)
def describe_permission_set(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    return {"PermissionSet": describe(permission_set)}


@operation("sso-admin", "UpdatePermissionSet", read_only=False, resources=resources.permission_set)
def update_permission_set(context: RequestContext, params: Params) -> Result:
    """Change the description, session duration or relay state; the set becomes outdated."""
    _, permission_set = access.instance_and_permission_set(context, params)
    changes: dict[str, Any] = {"updated_at": context.now()}
    if params.get("SessionDuration") is not None:
        changes["session_duration"] = permission_set_rules.check_session_duration(
            params["SessionDuration"]
        )
    if params.get("Description") is not None:
        changes["description"] = params["Description"]
    if params.get("RelayState") is not None:
        changes["relay_state"] = params["RelayState"]
    permission_set_store.save(context.db, dataclasses.replace(permission_set, **changes))
    return {}


@operation("sso-admin", "DeletePermissionSet", read_only=False, resources=resources.permission_set)
def delete_permission_set(context: RequestContext, params: Params) -> Result:
    """Delete a set that no account assignment uses, with the roles it left provisioned."""
    _, permission_set = access.instance_and_permission_set(context, params)
    if assignment_store.count_for_permission_set(context.db, permission_set.arn) > 0:
        raise ConflictException(IN_USE_MESSAGE)
    for provisioned in permission_set_store.provisioned_accounts(context.db, permission_set.arn):
        role_provisioning.remove_role(context.db, provisioned.account_id, provisioned.role_name)
    permission_set_store.delete_permission_set(context.db, permission_set.arn)
    return {}


@operation("sso-admin", "ListPermissionSets", read_only=True, resources=resources.instance)
def list_permission_sets(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    arns = [
        item.arn
        for item in permission_set_store.list_for_instance(context.db, instance.instance_arn)
    ]
    scope = ("ListPermissionSets", instance.instance_arn)
    selected, token = access.page(context, params, scope, arns, lambda arn: arn)
    return access.with_token({"PermissionSets": selected}, token)


def _status_matches(
    permission_set: PermissionSet,
    provisioned: permission_set_store.Provisioning,
    status_filter: str | None,
) -> bool:
    if status_filter is None:
        return True
    latest = permission_set_store.is_latest(permission_set, provisioned)
    return latest == (status_filter == LATEST_PROVISIONED)


@operation(
    "sso-admin",
    "ListPermissionSetsProvisionedToAccount",
    read_only=True,
    resources=resources.sets_in_account,
)
def list_permission_sets_provisioned_to_account(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    account_id = params["AccountId"]
    status_filter = params.get("ProvisioningStatus")
    pairs = permission_set_store.provisioned_to_account(
        context.db, instance.instance_arn, account_id
    )
    arns = [
        item.arn for item, provisioned in pairs if _status_matches(item, provisioned, status_filter)
    ]
    scope = (
        "ListPermissionSetsProvisionedToAccount",
        instance.instance_arn,
        account_id,
        status_filter,
    )
    selected, token = access.page(context, params, scope, arns, lambda arn: arn)
    return access.with_token({"PermissionSets": selected}, token)


@operation(
    "sso-admin",
    "ListAccountsForProvisionedPermissionSet",
    read_only=True,
    resources=resources.permission_set,
)
def list_accounts_for_provisioned_permission_set(context: RequestContext, params: Params) -> Result:
    _, permission_set = access.instance_and_permission_set(context, params)
    status_filter = params.get("ProvisioningStatus")
    accounts = [
        provisioned.account_id
        for provisioned in permission_set_store.provisioned_accounts(context.db, permission_set.arn)
        if _status_matches(permission_set, provisioned, status_filter)
    ]
    scope = ("ListAccountsForProvisionedPermissionSet", permission_set.arn, status_filter)
    selected, token = access.page(context, params, scope, accounts, lambda account: account)
    return access.with_token({"AccountIds": selected}, token)
