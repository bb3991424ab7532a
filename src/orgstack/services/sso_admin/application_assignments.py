"""sso-admin application assignments: Create, Describe, Delete and ListApplicationAssignments, and
ListApplicationAssignmentsForPrincipal.

An assignment grants a user or group of the instance's identity store access to an application.
It is one `sso_resources` row keyed `<application ARN>/assignment/<USER|GROUP>/<principal id>`.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

from typing import Any

from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import access, application_access, application_store, resources
from orgstack.services.sso_admin.application_store import Record
from orgstack.services.sso_admin.errors import ConflictException, ResourceNotFoundException

# AWS does not document these messages, so each states the rule that failed.
FILTER_REQUIRED_MESSAGE = (
    "A member account must set Filter.ApplicationArn to list the application assignments of a "
    "principal of the organization instance."
)
EXISTS_MESSAGE = "{principal_type} {principal_id} is already assigned to the application."
MISSING_MESSAGE = "{principal_type} {principal_id} is not assigned to the application."


def _key(application_arn: str, principal_type: str, principal_id: str) -> str:
    return f"{application_arn}/assignment/{principal_type}/{principal_id}"


def _view(assignment: Record) -> dict[str, Any]:
    return {
        "ApplicationArn": assignment.record["ApplicationArn"],
        "PrincipalType": assignment.record["PrincipalType"],
        "PrincipalId": assignment.record["PrincipalId"],
    }


def _stored(context: RequestContext, params: Params) -> tuple[str, Record | None]:
    """Return the assignment key of a request and its record, after the access checks."""
    _instance, application = application_access.application(context, params["ApplicationArn"])
    key = _key(application.key, params["PrincipalType"], params["PrincipalId"])
    return key, application_store.find(context.db, application_store.ASSIGNMENT, key)


def _missing(params: Params) -> ResourceNotFoundException:
    return ResourceNotFoundException(
        MISSING_MESSAGE.format(
            principal_type=params["PrincipalType"], principal_id=params["PrincipalId"]
        )
    )


@operation(
    "sso-admin",
    "CreateApplicationAssignment",
    read_only=False,
    resources=application_access.application_resources,
)
def create_application_assignment(context: RequestContext, params: Params) -> Result:
    """Assign an existing identity store user or group to the application."""
    instance, application = application_access.application(context, params["ApplicationArn"])
    principal_type, principal_id = params["PrincipalType"], params["PrincipalId"]
    application_access.require_principal(context, instance, principal_type, principal_id)
    key = _key(application.key, principal_type, principal_id)
    if application_store.find(context.db, application_store.ASSIGNMENT, key) is not None:
        raise ConflictException(
            EXISTS_MESSAGE.format(principal_type=principal_type, principal_id=principal_id)
        )
    record = {
        "ApplicationArn": application.key,
        "PrincipalType": principal_type,
        "PrincipalId": principal_id,
    }
    application_store.insert(
        context.db, application_store.ASSIGNMENT, key, instance.instance_arn, record, context.now()
    )
    return {}


@operation(
    "sso-admin",
    "DescribeApplicationAssignment",
    read_only=True,
    resources=application_access.application_resources,
)
def describe_application_assignment(context: RequestContext, params: Params) -> Result:
    _key_of, assignment = _stored(context, params)
    if assignment is None:
        raise _missing(params)
    return _view(assignment)


@operation(
    "sso-admin",
    "DeleteApplicationAssignment",
    read_only=False,
    resources=application_access.application_resources,
)
def delete_application_assignment(context: RequestContext, params: Params) -> Result:
    key, assignment = _stored(context, params)
    if assignment is None:
        raise _missing(params)
    application_store.remove(context.db, application_store.ASSIGNMENT, key)
    return {}


@operation(
    "sso-admin",
    "ListApplicationAssignments",
    read_only=True,
    resources=application_access.application_resources,
)
def list_application_assignments(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    found = application_store.under(context.db, application_store.ASSIGNMENT, application.key)
    scope = ("ListApplicationAssignments", application.key)
    selected, token = access.page(context, params, scope, found, lambda item: item.key)
    return access.with_token({"ApplicationAssignments": [_view(item) for item in selected]}, token)


@operation(
    "sso-admin",
    "ListApplicationAssignmentsForPrincipal",
    read_only=True,
    resources=resources.instance,
)
def list_application_assignments_for_principal(context: RequestContext, params: Params) -> Result:
    """Return the principal's direct assignments in the instance, optionally for one application."""
    instance = access.administered_instance(context, params["InstanceArn"])
    principal_type, principal_id = params["PrincipalType"], params["PrincipalId"]
    application_access.require_principal(context, instance, principal_type, principal_id)
    found = [
        item
        for item in application_store.in_instance(
            context.db, application_store.ASSIGNMENT, instance.instance_arn
        )
        if item.record["PrincipalType"] == principal_type
        and item.record["PrincipalId"] == principal_id
    ]
    application_arn = (params.get("Filter") or {}).get("ApplicationArn")
    # The API reference requires member accounts to filter when they list for the organization
    # instance. The instance owner may list everything.
    if application_arn is None and context.require_caller().account_id != instance.owner_account_id:
        raise ValidationException(FILTER_REQUIRED_MESSAGE)
    if application_arn is not None:
        found = [item for item in found if item.record["ApplicationArn"] == application_arn]

    scope = (
        "ListApplicationAssignmentsForPrincipal",
        instance.instance_arn,
        principal_type,
        principal_id,
        application_arn,
    )
    selected, token = access.page(context, params, scope, found, lambda item: item.key)
    return access.with_token({"ApplicationAssignments": [_view(item) for item in selected]}, token)
