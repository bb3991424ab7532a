"""ProvisionPermissionSet, DescribePermissionSetProvisioningStatus and
ListPermissionSetProvisioningStatus.

Provisioning writes the permission set's current policies to its role in one account
(`AWS_ACCOUNT`) or in every account it is provisioned to (`ALL_PROVISIONED_ACCOUNTS`). It is
asynchronous like the assignment operations: a request `IN_PROGRESS` and a job, enqueued in the
same transaction. When a customer managed policy is missing in one of the accounts, the request
fails and no role is changed.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

import logging
from typing import Any

from orgstack import identity_center
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    permission_set_store,
    request_statuses,
    resources,
    role_provisioning,
    status_listing,
)
from orgstack.services.sso_admin.assignments import (
    ACCOUNT_NOT_IN_ORGANIZATION,
    INTERNAL_FAILURE,
    PERMISSION_SET_NOT_FOUND,
)
from orgstack.store import jobs

log = logging.getLogger("orgstack.sso_admin")

PROVISION_JOB = "sso_admin.provision_permission_set"
AWS_ACCOUNT = "AWS_ACCOUNT"
# NOTE: AWS does not document this message; it states the rule of the API reference.
TARGET_ID_REQUIRED_MESSAGE = "TargetId is required when TargetType is AWS_ACCOUNT."


@operation(
    "sso-admin", "ProvisionPermissionSet", read_only=False, resources=resources.provisioning_target
)
def provision_permission_set(context: RequestContext, params: Params) -> Result:
    instance, permission_set = access.instance_and_permission_set(context, params)
    target_type = params["TargetType"]
    target_id = params.get("TargetId")
    if target_type == AWS_ACCOUNT and target_id is None:
        raise ValidationException(TARGET_ID_REQUIRED_MESSAGE)

    details: dict[str, Any] = {"PermissionSetArn": permission_set.arn}
    if target_type == AWS_ACCOUNT:
        details["AccountId"] = target_id
    now = context.now()
    request = request_statuses.start(
        context.db, instance.instance_arn, request_statuses.PROVISIONING, details, now
    )
    jobs.enqueue(context.db, PROVISION_JOB, {"request_id": request.request_id}, now)
    return {"PermissionSetProvisioningStatus": request.reply()}


@operation(
    "sso-admin",
    "DescribePermissionSetProvisioningStatus",
    read_only=True,
    resources=resources.instance,
)
def describe_provisioning_status(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    request = status_listing.require_request(
        context,
        instance,
        request_statuses.PROVISIONING,
        params["ProvisionPermissionSetRequestId"],
    )
    return {"PermissionSetProvisioningStatus": request.reply()}


@operation(
    "sso-admin", "ListPermissionSetProvisioningStatus", read_only=True, resources=resources.instance
)
def list_provisioning_status(context: RequestContext, params: Params) -> Result:
    return status_listing.list_requests(
        context, params, request_statuses.PROVISIONING, "PermissionSetsProvisioningStatus"
    )


# The job


def run_provision(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Write the set's roles in the request's accounts, or record why that is not possible."""
    request = request_statuses.find(context.db, str(payload["request_id"]))
    if request is None or request.status != request_statuses.IN_PROGRESS:
        return
    arn = str(request.details["PermissionSetArn"])
    instance = identity_center.find_by_arn(context.db, request.instance_arn)
    permission_set = permission_set_store.find(context.db, arn)
    if instance is None or permission_set is None:
        request_statuses.finish(context.db, request, PERMISSION_SET_NOT_FOUND.format(arn=arn))
        return

    target = request.details.get("AccountId")
    if target is not None:
        accounts = [str(target)]
    else:
        accounts = [
            item.account_id for item in permission_set_store.provisioned_accounts(context.db, arn)
        ]
    failure = _failure(context, instance, permission_set, accounts)
    if failure is None:
        for account_id in accounts:
            role_provisioning.write_role(
                context.db, instance, permission_set, account_id, context.now()
            )
    request_statuses.finish(context.db, request, failure)
    log.info(
        "permission set provisioned request_id=%s accounts=%d failed=%s",
        request.request_id,
        len(accounts),
        failure is not None,
    )


def _failure(
    context: jobs.JobContext,
    instance: identity_center.Instance,
    permission_set: permission_set_store.PermissionSet,
    accounts: list[str],
) -> str | None:
    """Return why the set cannot be provisioned to one of the accounts, or None."""
    owner = identity_center.organization_of(context.db, instance.owner_account_id)
    for account_id in accounts:
        member = identity_center.organization_of(context.db, account_id)
        if owner is None or member is None or member[0] != owner[0]:
            return ACCOUNT_NOT_IN_ORGANIZATION.format(account_id=account_id)
        try:
            role_provisioning.resolve_policies(context.db, permission_set, account_id)
        except role_provisioning.ProvisioningFailed as failed:
            return str(failed)
    return None


def give_up_provision(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Fail a request whose job failed on every attempt, so it does not stay IN_PROGRESS."""
    request = request_statuses.find(context.db, str(payload["request_id"]))
    if request is not None and request.status == request_statuses.IN_PROGRESS:
        request_statuses.finish(context.db, request, INTERNAL_FAILURE)


jobs.register(PROVISION_JOB, run_provision, on_give_up=give_up_provision)
