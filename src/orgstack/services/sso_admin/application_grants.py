"""Grants and access scopes of one application: Put, Get, Delete and ListApplicationGrants, and
Put, Get, Delete and ListApplicationAccessScopes.

A grant sets how the application may obtain tokens (an OAuth 2.0 grant type with its settings).
An access scope names a scope the application may request, optionally for given target
applications. Each is one `sso_resources` row keyed under the application's ARN
(`…/grant/<grant type>`, `…/scope/<scope>`). Shapes and errors follow botocore's sso-admin model
(2020-07-20).

CreateTokenWithIAM accepts only the grant types an application has, and issues tokens with at
most its access scopes.
"""

from __future__ import annotations

from typing import Any

from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import access, application_access, application_store
from orgstack.services.sso_admin.application_store import Record
from orgstack.services.sso_admin.errors import ResourceNotFoundException

# The Grant member that each GrantType must carry, from the model's Grant union.
GRANT_MEMBERS = {
    "authorization_code": "AuthorizationCode",
    "refresh_token": "RefreshToken",
    "urn:ietf:params:oauth:grant-type:jwt-bearer": "JwtBearer",
    "urn:ietf:params:oauth:grant-type:token-exchange": "TokenExchange",
}
# AWS does not document these messages, so each states the rule that failed.
GRANT_MEMBER_MESSAGE = "A grant of type {grant_type} must set exactly the Grant member {member}."
GRANT_MISSING_MESSAGE = "The application has no grant of type {grant_type}."
SCOPE_MISSING_MESSAGE = "The application has no access scope {scope}."
TARGET_MISSING_MESSAGE = "The scope target {target} is not an application of this instance."


def _checked_grant(
    context: RequestContext, instance: Instance, grant_type: str, grant: dict[str, Any]
) -> dict[str, Any]:
    """Return the grant if it sets only its type's member and names this instance's issuers."""
    member = GRANT_MEMBERS[grant_type]
    if set(grant) != {member}:
        raise ValidationException(GRANT_MEMBER_MESSAGE.format(grant_type=grant_type, member=member))
    for issuer in (grant[member] or {}).get("AuthorizedTokenIssuers", []):
        arn = issuer.get("TrustedTokenIssuerArn")
        if arn is not None:
            application_access.trusted_token_issuer(context, arn)
    return grant


def _grant_key(application_arn: str, grant_type: str) -> str:
    return f"{application_arn}/grant/{grant_type}"


@operation(
    "sso-admin",
    "PutApplicationGrant",
    read_only=False,
    resources=application_access.application_resources,
)
def put_application_grant(context: RequestContext, params: Params) -> Result:
    instance, application = application_access.application(context, params["ApplicationArn"])
    grant_type = params["GrantType"]
    grant = _checked_grant(context, instance, grant_type, params["Grant"])
    application_store.put(
        context.db,
        application_store.GRANT,
        _grant_key(application.key, grant_type),
        instance.instance_arn,
        {"GrantType": grant_type, "Grant": grant},
        context.now(),
    )
    return {}


def _grant(context: RequestContext, params: Params) -> Record:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    grant_type = params["GrantType"]
    key = _grant_key(application.key, grant_type)
    found = application_store.find(context.db, application_store.GRANT, key)
    if found is None:
        raise ResourceNotFoundException(GRANT_MISSING_MESSAGE.format(grant_type=grant_type))
    return found


@operation(
    "sso-admin",
    "GetApplicationGrant",
    read_only=True,
    resources=application_access.application_resources,
)
def get_application_grant(context: RequestContext, params: Params) -> Result:
    return {"Grant": _grant(context, params).record["Grant"]}


@operation(
    "sso-admin",
    "DeleteApplicationGrant",
    read_only=False,
    resources=application_access.application_resources,
)
def delete_application_grant(context: RequestContext, params: Params) -> Result:
    found = _grant(context, params)
    application_store.remove(context.db, application_store.GRANT, found.key)
    return {}


@operation(
    "sso-admin",
    "ListApplicationGrants",
    read_only=True,
    resources=application_access.application_resources,
)
def list_application_grants(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    found = application_store.under(context.db, application_store.GRANT, application.key)
    scope = ("ListApplicationGrants", application.key)
    selected, token = access.page(context, params, scope, found, lambda item: item.key)
    return access.with_token({"Grants": [item.record for item in selected]}, token)


def _scope_key(application_arn: str, scope: str) -> str:
    return f"{application_arn}/scope/{scope}"


def _check_targets(context: RequestContext, instance: Instance, targets: list[str]) -> None:
    """Require each target to be this instance or one of its applications."""
    for target in targets:
        if target == instance.instance_arn:
            continue
        found = application_store.find(context.db, application_store.APPLICATION, target)
        if found is None or found.instance_arn != instance.instance_arn:
            raise ResourceNotFoundException(TARGET_MISSING_MESSAGE.format(target=target))


def _scope_view(found: Record) -> dict[str, Any]:
    shape: dict[str, Any] = {"Scope": found.record["Scope"]}
    if found.record.get("AuthorizedTargets"):
        shape["AuthorizedTargets"] = found.record["AuthorizedTargets"]
    return shape


@operation(
    "sso-admin",
    "PutApplicationAccessScope",
    read_only=False,
    resources=application_access.application_resources,
)
def put_application_access_scope(context: RequestContext, params: Params) -> Result:
    instance, application = application_access.application(context, params["ApplicationArn"])
    targets = list(params.get("AuthorizedTargets") or [])
    _check_targets(context, instance, targets)
    record = {"Scope": params["Scope"], "AuthorizedTargets": targets}
    application_store.put(
        context.db,
        application_store.ACCESS_SCOPE,
        _scope_key(application.key, params["Scope"]),
        instance.instance_arn,
        record,
        context.now(),
    )
    return {}


def _access_scope(context: RequestContext, params: Params) -> Record:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    key = _scope_key(application.key, params["Scope"])
    found = application_store.find(context.db, application_store.ACCESS_SCOPE, key)
    if found is None:
        raise ResourceNotFoundException(SCOPE_MISSING_MESSAGE.format(scope=params["Scope"]))
    return found


@operation(
    "sso-admin",
    "GetApplicationAccessScope",
    read_only=True,
    resources=application_access.application_resources,
)
def get_application_access_scope(context: RequestContext, params: Params) -> Result:
    return _scope_view(_access_scope(context, params))


@operation(
    "sso-admin",
    "DeleteApplicationAccessScope",
    read_only=False,
    resources=application_access.application_resources,
)
def delete_application_access_scope(context: RequestContext, params: Params) -> Result:
    found = _access_scope(context, params)
    application_store.remove(context.db, application_store.ACCESS_SCOPE, found.key)
    return {}


@operation(
    "sso-admin",
    "ListApplicationAccessScopes",
    read_only=True,
    resources=application_access.application_resources,
)
def list_application_access_scopes(context: RequestContext, params: Params) -> Result:
    _instance, application = application_access.application(context, params["ApplicationArn"])
    found = application_store.under(context.db, application_store.ACCESS_SCOPE, application.key)
    scope = ("ListApplicationAccessScopes", application.key)
    selected, token = access.page(context, params, scope, found, lambda item: item.key)
    return access.with_token({"Scopes": [_scope_view(item) for item in selected]}, token)
