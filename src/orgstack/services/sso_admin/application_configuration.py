"""Settings of one application: Put/GetApplicationAssignmentConfiguration,
Put/GetApplicationSessionConfiguration and the IAM authentication method
(Put, Get, Delete, ListApplicationAuthenticationMethods).

The assignment and session settings live in the application's own record. The authentication
method is one `sso_resources` row keyed `<application ARN>/authentication-method/IAM`; its actor
policy is a resource-based policy that names who may call CreateTokenWithIAM for the application.
Shapes and errors follow botocore's sso-admin model (2020-07-20).

CreateTokenWithIAM reads these settings: the assignment setting decides whether a user must be
assigned, and the actor policy is the application's resource-based policy when IAM authorizes
the call.
"""

from __future__ import annotations

from typing import Any

from orgstack.policy.findings import PolicySyntaxError
from orgstack.policy.model import PolicyKind
from orgstack.policy.validation import parse
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import access, application_access, application_store
from orgstack.services.sso_admin.application_store import Record
from orgstack.services.sso_admin.errors import ResourceNotFoundException

# Defaults of an application that was never configured: users need an assignment (the console's
# default for customer managed applications), and background sessions are off.
DEFAULT_ASSIGNMENT_REQUIRED = True
DEFAULT_BACKGROUND_SESSIONS = "DISABLED"
# AWS does not document these messages, so each states the rule that failed.
METHOD_MISSING_MESSAGE = "The application has no {method_type} authentication method."
POLICY_INVALID_MESSAGE = "The ActorPolicy is not a valid resource-based policy: {reason}"


def _save(context: RequestContext, application: Record, changes: dict[str, Any]) -> None:
    record = {**application.record, **changes}
    application_store.replace(
        context.db, application_store.APPLICATION, application.key, record, context.now()
    )


@operation(
    "sso-admin",
    "PutApplicationAssignmentConfiguration",
    read_only=False,
    resources=application_access.application_resources,
)
def put_assignment_configuration(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    _save(context, application, {"AssignmentRequired": bool(params["AssignmentRequired"])})
    return {}


@operation(
    "sso-admin",
    "GetApplicationAssignmentConfiguration",
    read_only=True,
    resources=application_access.application_resources,
)
def get_assignment_configuration(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    required = application.record.get("AssignmentRequired", DEFAULT_ASSIGNMENT_REQUIRED)
    return {"AssignmentRequired": required}


@operation(
    "sso-admin",
    "PutApplicationSessionConfiguration",
    read_only=False,
    resources=application_access.application_resources,
)
def put_session_configuration(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    status = params.get("UserBackgroundSessionApplicationStatus")
    if status is not None:
        _save(context, application, {"UserBackgroundSessionApplicationStatus": status})
    return {}


@operation(
    "sso-admin",
    "GetApplicationSessionConfiguration",
    read_only=True,
    resources=application_access.application_resources,
)
def get_session_configuration(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    status = application.record.get(
        "UserBackgroundSessionApplicationStatus", DEFAULT_BACKGROUND_SESSIONS
    )
    return {"UserBackgroundSessionApplicationStatus": status}


def _method_key(application_arn: str, method_type: str) -> str:
    return f"{application_arn}/authentication-method/{method_type}"


def _checked_policy(method: dict[str, Any]) -> dict[str, Any]:
    """Return the method after parsing its actor policy as a resource-based policy."""
    policy = method["Iam"]["ActorPolicy"] if method.get("Iam") else None
    if not isinstance(policy, dict):
        raise ValidationException(POLICY_INVALID_MESSAGE.format(reason="expected a JSON object."))
    try:
        parse(policy, PolicyKind.RESOURCE)
    except PolicySyntaxError as error:
        raise ValidationException(POLICY_INVALID_MESSAGE.format(reason=error)) from None
    return {"Iam": {"ActorPolicy": policy}}


@operation(
    "sso-admin",
    "PutApplicationAuthenticationMethod",
    read_only=False,
    resources=application_access.application_resources,
)
def put_authentication_method(context: RequestContext, params: Params) -> Result:
    instance, application = application_access.application(context, params["ApplicationArn"])
    method_type = params["AuthenticationMethodType"]
    method = _checked_policy(params["AuthenticationMethod"])
    record = {"AuthenticationMethodType": method_type, "AuthenticationMethod": method}
    key = _method_key(application.key, method_type)
    application_store.put(
        context.db,
        application_store.AUTHENTICATION_METHOD,
        key,
        instance.instance_arn,
        record,
        context.now(),
    )
    return {}


def _method(context: RequestContext, params: Params) -> tuple[str, Record]:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    method_type = params["AuthenticationMethodType"]
    key = _method_key(application.key, method_type)
    found = application_store.find(context.db, application_store.AUTHENTICATION_METHOD, key)
    if found is None:
        raise ResourceNotFoundException(METHOD_MISSING_MESSAGE.format(method_type=method_type))
    return key, found


@operation(
    "sso-admin",
    "GetApplicationAuthenticationMethod",
    read_only=True,
    resources=application_access.application_resources,
)
def get_authentication_method(context: RequestContext, params: Params) -> Result:
    _key, found = _method(context, params)
    return {"AuthenticationMethod": found.record["AuthenticationMethod"]}


@operation(
    "sso-admin",
    "DeleteApplicationAuthenticationMethod",
    read_only=False,
    resources=application_access.application_resources,
)
def delete_authentication_method(context: RequestContext, params: Params) -> Result:
    key, _found = _method(context, params)
    application_store.remove(context.db, application_store.AUTHENTICATION_METHOD, key)
    return {}


@operation(
    "sso-admin",
    "ListApplicationAuthenticationMethods",
    read_only=True,
    resources=application_access.application_resources,
)
def list_authentication_methods(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    found = application_store.under(
        context.db, application_store.AUTHENTICATION_METHOD, application.key
    )
    scope = ("ListApplicationAuthenticationMethods", application.key)
    selected, token = access.page(context, params, scope, found, lambda item: item.key)
    return access.with_token({"AuthenticationMethods": [item.record for item in selected]}, token)
