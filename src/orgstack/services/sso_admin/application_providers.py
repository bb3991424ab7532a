"""ListApplicationProviders and DescribeApplicationProvider over a fixed catalogue.

Application providers are owned by AWS, not by an instance, so any signed-in caller may read them.
The catalogue holds the two customer managed providers that the IAM Identity Center API reference
and user guide name. `custom` is for OAuth 2.0 applications and is the only provider that
CreateApplication accepts. `custom-saml` is for SAML 2.0 applications, which AWS creates from the
console only.
Source: IAM Identity Center API reference, "CreateApplication" (its note on the providers it
supports), and the user guide, "Customer managed applications". The display texts are orgstack's.
"""

from __future__ import annotations

from typing import Any

from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import access
from orgstack.services.sso_admin.errors import ResourceNotFoundException

PROVIDER_ARN_PREFIX = "arn:aws:sso::aws:applicationProvider/"
CUSTOM_OAUTH = PROVIDER_ARN_PREFIX + "custom"
CUSTOM_SAML = PROVIDER_ARN_PREFIX + "custom-saml"
# Providers that CreateApplication accepts. AWS rejects the others with UNSUPPORTED_MESSAGE.
CREATABLE = frozenset({CUSTOM_OAUTH})
UNSUPPORTED_MESSAGE = "The application provider with arn '{arn}' is not supported for this action."
# AWS does not document the message for an unknown provider, so this one names it.
NOT_FOUND_MESSAGE = "Application provider {arn} not found."

CATALOGUE: dict[str, dict[str, Any]] = {
    CUSTOM_OAUTH: {
        "ApplicationProviderArn": CUSTOM_OAUTH,
        "FederationProtocol": "OAUTH",
        "DisplayData": {
            "DisplayName": "Customer managed OAuth 2.0 application",
            "Description": "An application of your own that signs users in with OAuth 2.0.",
        },
    },
    CUSTOM_SAML: {
        "ApplicationProviderArn": CUSTOM_SAML,
        "FederationProtocol": "SAML",
        "DisplayData": {
            "DisplayName": "Customer managed SAML 2.0 application",
            "Description": "An application of your own that signs users in with SAML 2.0.",
        },
    },
}


def provider(arn: str) -> dict[str, Any] | None:
    return CATALOGUE.get(arn)


@operation("sso-admin", "ListApplicationProviders", read_only=True)
def list_application_providers(context: RequestContext, params: Params) -> Result:
    providers = list(CATALOGUE.values())
    selected, token = access.page(
        context,
        params,
        ("ListApplicationProviders",),
        providers,
        lambda item: str(item["ApplicationProviderArn"]),
    )
    return access.with_token({"ApplicationProviders": selected}, token)


@operation("sso-admin", "DescribeApplicationProvider", read_only=True)
def describe_application_provider(context: RequestContext, params: Params) -> Result:
    arn = params["ApplicationProviderArn"]
    found = provider(arn)
    if found is None:
        raise ResourceNotFoundException(NOT_FOUND_MESSAGE.format(arn=arn))
    return dict(found)
