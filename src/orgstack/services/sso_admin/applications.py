"""sso-admin applications: CreateApplication, DescribeApplication, ListApplications,
UpdateApplication and DeleteApplication.

An application is a customer managed OAuth 2.0 application of one instance, stored whole as an
`sso_resources` row keyed by its ARN, `arn:aws:sso::<account>:application/ssoins-…/apl-…`. The
account is the one that created the application (its ApplicationAccount), which is the instance
owner or a delegated administrator of the organization instance. Names are unique within an
instance. Shapes and errors follow botocore's sso-admin model (2020-07-20) and the API reference
pages of the same names.

sso-oidc reads an application's settings (assignments, grants, access scopes, authentication
method) when the application signs a user in through `/authorize` or calls CreateTokenWithIAM.
"""

from __future__ import annotations

import secrets
from typing import Any

from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    application_access,
    application_providers,
    application_store,
    resources,
    tagging,
)
from orgstack.services.sso_admin.application_store import Record
from orgstack.services.sso_admin.errors import AccessDeniedException, ConflictException

ENABLED = "ENABLED"
APPLICATION_ORIGIN = "APPLICATION"
# AWS does not document these messages, so each states the rule that failed.
NAME_TAKEN_MESSAGE = "An application named {name} already exists in this instance."
TOKEN_REUSED_MESSAGE = "The ClientToken was already used with different parameters."  # noqa: S105 (a message)
URL_REQUIRED_MESSAGE = "ApplicationUrl is required when the sign-in Origin is APPLICATION."
ACCOUNT_FILTER_MESSAGE = (
    "A member account must set Filter.ApplicationAccount to its own account ID to list the "
    "applications of the organization instance."
)
# The model allows MaxResults up to 100 but at most 50 applications in a reply, so pages are cut
# at 50, as the API reference allows ("the service might return fewer results").
MAX_APPLICATIONS_PER_PAGE = 50
# The request members that a retried CreateApplication must repeat unchanged.
CREATE_MEMBERS = (
    "ApplicationProviderArn",
    "Name",
    "Description",
    "PortalOptions",
    "Status",
    "Tags",
)


def new_application_arn(instance: Instance, account_id: str) -> str:
    instance_id = instance.instance_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sso::{account_id}:application/{instance_id}/apl-{secrets.token_hex(8)}"


@operation("sso-admin", "CreateApplication", read_only=False, resources=resources.instance)
def create_application(context: RequestContext, params: Params) -> Result:
    """Create an OAuth 2.0 application. A retry with the same ClientToken returns the first one."""
    instance = access.administered_instance(context, params["InstanceArn"])
    provider_arn = params["ApplicationProviderArn"]
    if provider_arn not in application_providers.CREATABLE:
        raise ValidationException(
            application_providers.UNSUPPORTED_MESSAGE.format(arn=provider_arn)
        )
    _check_portal_options(params.get("PortalOptions"))

    request = {member: params.get(member) for member in CREATE_MEMBERS}
    token = params.get("ClientToken")
    applications = application_store.in_instance(
        context.db, application_store.APPLICATION, instance.instance_arn
    )
    retried = _retried(applications, token, request)
    if retried is not None:
        return _created(instance, retried.key)
    _check_name_free(applications, params["Name"], None)

    arn = new_application_arn(instance, context.require_caller().account_id)
    record: dict[str, Any] = {
        "ApplicationProviderArn": provider_arn,
        "Name": params["Name"],
        "Description": params.get("Description"),
        "Status": params.get("Status") or ENABLED,
        "PortalOptions": params.get("PortalOptions"),
        "CreatedFrom": context.region,
        "ClientToken": token,
        "Request": request,
    }
    now = context.now()
    application_store.insert(
        context.db, application_store.APPLICATION, arn, instance.instance_arn, record, now
    )
    if params.get("Tags"):
        tagging.save_tags(context.db, arn, instance.instance_arn, params["Tags"], now)
    context.audit.resources.append((application_access.APPLICATION_RESOURCE_TYPE, arn))
    return _created(instance, arn)


def _created(instance: Instance, arn: str) -> dict[str, Any]:
    return {
        "ApplicationArn": arn,
        "InstanceArn": instance.instance_arn,
        "IdentityStoreArn": instance.identity_store_arn,
    }


def _retried(
    applications: list[Record], token: str | None, request: dict[str, Any]
) -> Record | None:
    """Return the application a ClientToken already created, or None for a new token."""
    if token is None:
        return None
    for application in applications:
        if application.record.get("ClientToken") == token:
            if application.record.get("Request") != request:
                raise ValidationException(TOKEN_REUSED_MESSAGE)
            return application
    return None


def _check_name_free(applications: list[Record], name: str, own_arn: str | None) -> None:
    for application in applications:
        if application.record["Name"] == name and application.key != own_arn:
            raise ConflictException(NAME_TAKEN_MESSAGE.format(name=name))


def _check_portal_options(options: dict[str, Any] | None) -> None:
    """Require an ApplicationUrl when users start sign-in at the application."""
    sign_in = (options or {}).get("SignInOptions")
    if sign_in and sign_in["Origin"] == APPLICATION_ORIGIN and not sign_in.get("ApplicationUrl"):
        raise ValidationException(URL_REQUIRED_MESSAGE)


def view(instance: Instance, application: Record) -> dict[str, Any]:
    """Return the Application shape of DescribeApplication and ListApplications."""
    record = application.record
    shape: dict[str, Any] = {
        "ApplicationArn": application.key,
        "ApplicationProviderArn": record["ApplicationProviderArn"],
        "Name": record["Name"],
        "ApplicationAccount": application_access.owner_account_of(application.key),
        "InstanceArn": instance.instance_arn,
        "IdentityStoreArn": instance.identity_store_arn,
        "Status": record["Status"],
        "CreatedDate": application.created_at,
        "CreatedFrom": record["CreatedFrom"],
    }
    if record.get("Description") is not None:
        shape["Description"] = record["Description"]
    if record.get("PortalOptions") is not None:
        shape["PortalOptions"] = record["PortalOptions"]
    return shape


@operation(
    "sso-admin",
    "DescribeApplication",
    read_only=True,
    resources=application_access.application_resources,
)
def describe_application(context: RequestContext, params: Params) -> Result:
    instance, application = application_access.application(context, params["ApplicationArn"])
    return view(instance, application)


@operation("sso-admin", "ListApplications", read_only=True, resources=resources.instance)
def list_applications(context: RequestContext, params: Params) -> Result:
    """Return the instance's applications by ARN, filtered by owner account or provider."""
    instance = access.administered_instance(context, params["InstanceArn"])
    found = application_store.in_instance(
        context.db, application_store.APPLICATION, instance.instance_arn
    )
    wanted = params.get("Filter") or {}
    account = wanted.get("ApplicationAccount")
    _check_member_filter(context, instance, account)
    if account is not None:
        found = [item for item in found if application_access.owner_account_of(item.key) == account]
    provider_arn = wanted.get("ApplicationProvider")
    if provider_arn is not None:
        found = [item for item in found if item.record["ApplicationProviderArn"] == provider_arn]

    scope = ("ListApplications", instance.instance_arn, account, provider_arn)
    size = min(params.get("MaxResults") or MAX_APPLICATIONS_PER_PAGE, MAX_APPLICATIONS_PER_PAGE)
    paged = {**params, "MaxResults": size}
    selected, token = access.page(context, paged, scope, found, lambda item: item.key)
    result = {"Applications": [view(instance, item) for item in selected]}
    return access.with_token(result, token)


def _check_member_filter(context: RequestContext, instance: Instance, account: str | None) -> None:
    """Require a delegated administrator to list only the applications its account created.

    The API reference of ListApplications requires member accounts that list the applications of the
    organization instance to filter by their own account.
    """
    caller_account = context.require_caller().account_id
    if caller_account == instance.owner_account_id:
        return
    if account is None:
        raise ValidationException(ACCOUNT_FILTER_MESSAGE)
    if account != caller_account:
        raise AccessDeniedException()


@operation(
    "sso-admin",
    "UpdateApplication",
    read_only=False,
    resources=application_access.application_resources,
)
def update_application(context: RequestContext, params: Params) -> Result:
    """Change the name, description, status or sign-in options. Members not given stay unchanged."""
    instance, application = application_access.application(context, params["ApplicationArn"])
    record = dict(application.record)
    if params.get("Name") is not None:
        applications = application_store.in_instance(
            context.db, application_store.APPLICATION, instance.instance_arn
        )
        _check_name_free(applications, params["Name"], application.key)
        record["Name"] = params["Name"]
    for member in ("Description", "Status"):
        if params.get(member) is not None:
            record[member] = params[member]
    sign_in = (params.get("PortalOptions") or {}).get("SignInOptions")
    if sign_in is not None:
        _check_portal_options({"SignInOptions": sign_in})
        record["PortalOptions"] = {**(record.get("PortalOptions") or {}), "SignInOptions": sign_in}
    application_store.replace(
        context.db, application_store.APPLICATION, application.key, record, context.now()
    )
    return {}


@operation(
    "sso-admin",
    "DeleteApplication",
    read_only=False,
    resources=application_access.application_resources,
)
def delete_application(context: RequestContext, params: Params) -> Result:
    """Delete the application with its assignments, settings and tags."""
    _instance, application = application_access.application(context, params["ApplicationArn"])
    application_store.remove_with_children(context.db, application.key)
    return {}
