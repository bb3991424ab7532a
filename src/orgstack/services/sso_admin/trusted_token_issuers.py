"""sso-admin trusted token issuers: Create, Describe, List, Update and DeleteTrustedTokenIssuer.

A trusted token issuer is an external OIDC identity provider whose JWTs an application may
exchange for Identity Center tokens. The claim at `ClaimAttributePath` is matched against the
identity store attribute at `IdentityStoreAttributePath` to find the user. Each issuer is one
`sso_resources` row keyed by its ARN, `arn:aws:sso::<owner account>:trustedTokenIssuer/ssoins-…/
tti-<uuid>`. Names are unique within an instance. Shapes and errors follow botocore's sso-admin
model (2020-07-20).

CreateTokenWithIAM's JWT bearer grant verifies tokens of these issuers with the keys that OpenID
Connect Discovery finds at the issuer URL.
"""

from __future__ import annotations

import uuid
from typing import Any

from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    application_access,
    application_store,
    resources,
    tagging,
)
from orgstack.services.sso_admin.application_store import Record
from orgstack.services.sso_admin.errors import ConflictException

# AWS does not document these messages, so each states the rule that failed.
NAME_TAKEN_MESSAGE = "A trusted token issuer named {name} already exists in this instance."
TOKEN_REUSED_MESSAGE = "The ClientToken was already used with different parameters."  # noqa: S105 (a message)
CONFIGURATION_REQUIRED_MESSAGE = (
    "TrustedTokenIssuerConfiguration must set OidcJwtConfiguration for the type OIDC_JWT."
)
CREATE_MEMBERS = ("Name", "TrustedTokenIssuerType", "TrustedTokenIssuerConfiguration", "Tags")


def new_issuer_arn(instance: Instance) -> str:
    instance_id = instance.instance_arn.rsplit("/", 1)[-1]
    return (
        f"arn:aws:sso::{instance.owner_account_id}:trustedTokenIssuer/{instance_id}/"
        f"tti-{uuid.uuid4()}"
    )


def _issuers(context: RequestContext, instance: Instance) -> list[Record]:
    return application_store.in_instance(
        context.db, application_store.TRUSTED_TOKEN_ISSUER, instance.instance_arn
    )


def _check_name_free(issuers: list[Record], name: str, own_arn: str | None) -> None:
    for issuer in issuers:
        if issuer.record["Name"] == name and issuer.key != own_arn:
            raise ConflictException(NAME_TAKEN_MESSAGE.format(name=name))


def _retried(issuers: list[Record], token: str | None, request: dict[str, Any]) -> Record | None:
    """Return the issuer a ClientToken already created, or None for a new token."""
    if token is None:
        return None
    for issuer in issuers:
        if issuer.record.get("ClientToken") == token:
            if issuer.record.get("Request") != request:
                raise ValidationException(TOKEN_REUSED_MESSAGE)
            return issuer
    return None


@operation("sso-admin", "CreateTrustedTokenIssuer", read_only=False, resources=resources.instance)
def create_trusted_token_issuer(context: RequestContext, params: Params) -> Result:
    """Create an OIDC_JWT issuer. A retry with the same ClientToken returns the first one."""
    instance = access.administered_instance(context, params["InstanceArn"])
    configuration = params["TrustedTokenIssuerConfiguration"]
    if configuration.get("OidcJwtConfiguration") is None:
        raise ValidationException(CONFIGURATION_REQUIRED_MESSAGE)

    request = {member: params.get(member) for member in CREATE_MEMBERS}
    token = params.get("ClientToken")
    issuers = _issuers(context, instance)
    retried = _retried(issuers, token, request)
    if retried is not None:
        return {"TrustedTokenIssuerArn": retried.key}
    _check_name_free(issuers, params["Name"], None)

    arn = new_issuer_arn(instance)
    record = {
        "Name": params["Name"],
        "TrustedTokenIssuerType": params["TrustedTokenIssuerType"],
        "TrustedTokenIssuerConfiguration": {
            "OidcJwtConfiguration": configuration["OidcJwtConfiguration"]
        },
        "ClientToken": token,
        "Request": request,
    }
    now = context.now()
    application_store.insert(
        context.db, application_store.TRUSTED_TOKEN_ISSUER, arn, instance.instance_arn, record, now
    )
    if params.get("Tags"):
        tagging.save_tags(context.db, arn, instance.instance_arn, params["Tags"], now)
    context.audit.resources.append((application_access.ISSUER_RESOURCE_TYPE, arn))
    return {"TrustedTokenIssuerArn": arn}


@operation(
    "sso-admin",
    "DescribeTrustedTokenIssuer",
    read_only=True,
    resources=application_access.issuer_resources,
)
def describe_trusted_token_issuer(context: RequestContext, params: Params) -> Result:
    _instance, issuer = application_access.trusted_token_issuer(
        context, params["TrustedTokenIssuerArn"]
    )
    return {
        **_metadata(issuer),
        "TrustedTokenIssuerConfiguration": issuer.record["TrustedTokenIssuerConfiguration"],
    }


def _metadata(issuer: Record) -> dict[str, Any]:
    return {
        "TrustedTokenIssuerArn": issuer.key,
        "Name": issuer.record["Name"],
        "TrustedTokenIssuerType": issuer.record["TrustedTokenIssuerType"],
    }


@operation("sso-admin", "ListTrustedTokenIssuers", read_only=True, resources=resources.instance)
def list_trusted_token_issuers(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    issuers = _issuers(context, instance)
    scope = ("ListTrustedTokenIssuers", instance.instance_arn)
    selected, token = access.page(context, params, scope, issuers, lambda item: item.key)
    return access.with_token({"TrustedTokenIssuers": [_metadata(item) for item in selected]}, token)


@operation(
    "sso-admin",
    "UpdateTrustedTokenIssuer",
    read_only=False,
    resources=application_access.issuer_resources,
)
def update_trusted_token_issuer(context: RequestContext, params: Params) -> Result:
    """Rename the issuer or change its claim mapping. The issuer URL cannot change."""
    instance, issuer = application_access.trusted_token_issuer(
        context, params["TrustedTokenIssuerArn"]
    )
    record = dict(issuer.record)
    if params.get("Name") is not None:
        _check_name_free(_issuers(context, instance), params["Name"], issuer.key)
        record["Name"] = params["Name"]
    changes = (params.get("TrustedTokenIssuerConfiguration") or {}).get("OidcJwtConfiguration")
    if changes:
        current = record["TrustedTokenIssuerConfiguration"]["OidcJwtConfiguration"]
        record["TrustedTokenIssuerConfiguration"] = {"OidcJwtConfiguration": {**current, **changes}}
    application_store.replace(
        context.db, application_store.TRUSTED_TOKEN_ISSUER, issuer.key, record, context.now()
    )
    return {}


@operation(
    "sso-admin",
    "DeleteTrustedTokenIssuer",
    read_only=False,
    resources=application_access.issuer_resources,
)
def delete_trusted_token_issuer(context: RequestContext, params: Params) -> Result:
    """Delete the issuer and its tags. A JwtBearer grant that names the issuer keeps the ARN."""
    _instance, issuer = application_access.trusted_token_issuer(
        context, params["TrustedTokenIssuerArn"]
    )
    application_store.remove_with_children(context.db, issuer.key)
    return {}
