"""Account assignments: CreateAccountAssignment, DeleteAccountAssignment, their Describe… and
List…Status operations, ListAccountAssignments and ListAccountAssignmentsForPrincipal.

Both changes are asynchronous as in AWS: the call stores a request `IN_PROGRESS` and enqueues a
job in the same transaction. The creation job checks that the account belongs to the instance's
organization and that the user or group exists in the identity store. It then provisions the
permission set to the account when it is not there yet, and stores the assignment. Repeating an
existing assignment succeeds. The deletion job removes the assignment. Removing the last
assignment of a set in an account also removes the set's role there.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

import logging
from typing import Any

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.services.identitystore import group_store, user_store
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    assignment_store,
    permission_set_store,
    principal_access,
    request_statuses,
    resources,
    role_provisioning,
    status_listing,
)
from orgstack.services.sso_admin.assignment_store import Assignment
from orgstack.services.sso_admin.request_statuses import RequestStatus
from orgstack.store import jobs

log = logging.getLogger("orgstack.sso_admin")

CREATE_JOB = "sso_admin.create_account_assignment"
DELETE_JOB = "sso_admin.delete_account_assignment"
USER = "USER"

# NOTE: AWS documents no FailureReason texts. "Assignment not found" is the text AWS clients
# report; the others name the missing account or principal in the same form.
ACCOUNT_NOT_IN_ORGANIZATION = (
    "Received a 400 status error: The account {account_id} is not a member of the organization."
)
PRINCIPAL_NOT_FOUND = "Received a 404 status error: {principal_type} {principal_id} not found."
PERMISSION_SET_NOT_FOUND = "Received a 404 status error: Permission set {arn} not found."
ASSIGNMENT_NOT_FOUND = "Received a 404 status error: Assignment not found."
INTERNAL_FAILURE = "Received a 500 status error: The request failed because of an internal error."


def _assignment(instance: Instance, params: Params) -> Assignment:
    return Assignment(
        instance_arn=instance.instance_arn,
        account_id=params["TargetId"],
        permission_set_arn=params["PermissionSetArn"],
        principal_type=params["PrincipalType"],
        principal_id=params["PrincipalId"],
    )


def _details(assignment: Assignment) -> dict[str, Any]:
    return {
        "TargetId": assignment.account_id,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": assignment.permission_set_arn,
        "PrincipalType": assignment.principal_type,
        "PrincipalId": assignment.principal_id,
    }


def _assignment_of(request: RequestStatus) -> Assignment:
    details = request.details
    return Assignment(
        instance_arn=request.instance_arn,
        account_id=details["TargetId"],
        permission_set_arn=details["PermissionSetArn"],
        principal_type=details["PrincipalType"],
        principal_id=details["PrincipalId"],
    )


def _start(context: RequestContext, params: Params, kind: str, job_kind: str) -> RequestStatus:
    instance, _ = access.instance_and_permission_set(context, params)
    now = context.now()
    request = request_statuses.start(
        context.db, instance.instance_arn, kind, _details(_assignment(instance, params)), now
    )
    jobs.enqueue(context.db, job_kind, {"request_id": request.request_id}, now)
    return request


@operation(
    "sso-admin", "CreateAccountAssignment", read_only=False, resources=resources.assignment_target
)
def create_account_assignment(context: RequestContext, params: Params) -> Result:
    request = _start(context, params, request_statuses.ASSIGNMENT_CREATION, CREATE_JOB)
    return {"AccountAssignmentCreationStatus": request.reply()}


@operation(
    "sso-admin", "DeleteAccountAssignment", read_only=False, resources=resources.assignment_target
)
def delete_account_assignment(context: RequestContext, params: Params) -> Result:
    request = _start(context, params, request_statuses.ASSIGNMENT_DELETION, DELETE_JOB)
    return {"AccountAssignmentDeletionStatus": request.reply()}


@operation(
    "sso-admin",
    "DescribeAccountAssignmentCreationStatus",
    read_only=True,
    resources=resources.instance,
)
def describe_creation_status(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    request = status_listing.require_request(
        context,
        instance,
        request_statuses.ASSIGNMENT_CREATION,
        params["AccountAssignmentCreationRequestId"],
    )
    return {"AccountAssignmentCreationStatus": request.reply()}


@operation(
    "sso-admin",
    "DescribeAccountAssignmentDeletionStatus",
    read_only=True,
    resources=resources.instance,
)
def describe_deletion_status(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    request = status_listing.require_request(
        context,
        instance,
        request_statuses.ASSIGNMENT_DELETION,
        params["AccountAssignmentDeletionRequestId"],
    )
    return {"AccountAssignmentDeletionStatus": request.reply()}


@operation(
    "sso-admin", "ListAccountAssignmentCreationStatus", read_only=True, resources=resources.instance
)
def list_creation_status(context: RequestContext, params: Params) -> Result:
    return status_listing.list_requests(
        context, params, request_statuses.ASSIGNMENT_CREATION, "AccountAssignmentsCreationStatus"
    )


@operation(
    "sso-admin", "ListAccountAssignmentDeletionStatus", read_only=True, resources=resources.instance
)
def list_deletion_status(context: RequestContext, params: Params) -> Result:
    return status_listing.list_requests(
        context, params, request_statuses.ASSIGNMENT_DELETION, "AccountAssignmentsDeletionStatus"
    )


@operation(
    "sso-admin",
    "ListAccountAssignments",
    read_only=True,
    resources=resources.assignments_in_account,
)
def list_account_assignments(context: RequestContext, params: Params) -> Result:
    instance, permission_set = access.instance_and_permission_set(context, params)
    found = assignment_store.for_account_and_set(
        context.db, instance.instance_arn, params["AccountId"], permission_set.arn
    )
    scope = ("ListAccountAssignments", permission_set.arn, params["AccountId"])
    selected, token = access.page(context, params, scope, found, Assignment.sort_key)
    return access.with_token({"AccountAssignments": [item.reply() for item in selected]}, token)


@operation(
    "sso-admin", "ListAccountAssignmentsForPrincipal", read_only=True, resources=resources.instance
)
def list_account_assignments_for_principal(context: RequestContext, params: Params) -> Result:
    instance = access.permission_set_instance(context, params["InstanceArn"])
    account_id = (params.get("Filter") or {}).get("AccountId")
    principal_type, principal_id = params["PrincipalType"], params["PrincipalId"]
    found = assignment_store.for_principal(
        context.db, instance.instance_arn, principal_type, principal_id, account_id
    )
    scope = ("ListAccountAssignmentsForPrincipal", principal_type, principal_id, account_id)
    selected, token = access.page(context, params, scope, found, Assignment.sort_key)
    return access.with_token({"AccountAssignments": [item.reply() for item in selected]}, token)


# The jobs


def _in_organization(connection: Any, instance: Instance, account_id: str) -> bool:
    """Tell whether the account belongs to the organization of the instance's owner."""
    owner = identity_center.organization_of(connection, instance.owner_account_id)
    member = identity_center.organization_of(connection, account_id)
    return owner is not None and member is not None and owner[0] == member[0]


def _principal_exists(connection: Any, instance: Instance, assignment: Assignment) -> bool:
    store_id = instance.identity_store_id
    if assignment.principal_type == USER:
        return user_store.find(connection, store_id, assignment.principal_id) is not None
    return group_store.find(connection, store_id, assignment.principal_id) is not None


def _creation_failure(
    context: jobs.JobContext, instance: Instance, assignment: Assignment
) -> str | None:
    if not _in_organization(context.db, instance, assignment.account_id):
        return ACCOUNT_NOT_IN_ORGANIZATION.format(account_id=assignment.account_id)
    if not _principal_exists(context.db, instance, assignment):
        return PRINCIPAL_NOT_FOUND.format(
            principal_type=assignment.principal_type, principal_id=assignment.principal_id
        )
    return None


def _pending(context: jobs.JobContext, payload: jobs.Payload) -> RequestStatus | None:
    """Return the job's request while it is still IN_PROGRESS; None once an attempt finished it."""
    request = request_statuses.find(context.db, str(payload["request_id"]))
    if request is None or request.status != request_statuses.IN_PROGRESS:
        return None
    return request


def run_create(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Create one assignment, provisioning its permission set to the account if needed."""
    request = _pending(context, payload)
    if request is None:
        return
    assignment = _assignment_of(request)
    instance = identity_center.find_by_arn(context.db, request.instance_arn)
    permission_set = permission_set_store.find(context.db, assignment.permission_set_arn)
    if instance is None or permission_set is None:
        reason = PERMISSION_SET_NOT_FOUND.format(arn=assignment.permission_set_arn)
        request_statuses.finish(context.db, request, reason)
        return

    failure = _creation_failure(context, instance, assignment)
    if failure is None and not assignment_store.exists(context.db, assignment):
        failure = _provision_once(context, instance, permission_set, assignment.account_id)
        if failure is None:
            assignment_store.insert_assignment(context.db, assignment, context.now())
    request_statuses.finish(context.db, request, failure)
    log.info(
        "account assignment created request_id=%s account_id=%s failed=%s",
        request.request_id,
        assignment.account_id,
        failure is not None,
    )


def _provision_once(
    context: jobs.JobContext,
    instance: Instance,
    permission_set: permission_set_store.PermissionSet,
    account_id: str,
) -> str | None:
    """Provision the set to the account unless it is there already; return a failure reason."""
    if permission_set_store.provisioning(context.db, permission_set.arn, account_id) is not None:
        return None
    try:
        role_provisioning.write_role(
            context.db, instance, permission_set, account_id, context.now()
        )
    except role_provisioning.ProvisioningFailed as failed:
        return str(failed)
    return None


def run_delete(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Delete one assignment; the last one of a set in an account takes the role with it."""
    request = _pending(context, payload)
    if request is None:
        return
    assignment = _assignment_of(request)
    if not principal_access.remove_assignment(context.db, assignment):
        request_statuses.finish(context.db, request, ASSIGNMENT_NOT_FOUND)
        return
    request_statuses.finish(context.db, request)
    log.info(
        "account assignment deleted request_id=%s account_id=%s",
        request.request_id,
        assignment.account_id,
    )


def give_up(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Fail a request whose job failed on every attempt, so it does not stay IN_PROGRESS."""
    request = _pending(context, payload)
    if request is not None:
        request_statuses.finish(context.db, request, INTERNAL_FAILURE)


jobs.register(CREATE_JOB, run_create, on_give_up=give_up)
jobs.register(DELETE_JOB, run_delete, on_give_up=give_up)
