"""CreateTokenWithIAM: tokens for customer managed applications that call with IAM credentials
(`POST /token?aws_iam=t`, signed with SigV4 as `sso-oauth`).

`clientId` is the application's ARN. The grant type must be one of the application's grants
(PutApplicationGrant), and the caller must be allowed `sso-oauth:CreateTokenWithIAM` on the
application (see `iam_authorization`). The four grants are in `iam_grants`.

The reply follows the SSO OIDC API reference. The Bearer access token lasts one hour. A refresh
token comes when the application has the refresh_token grant, and `issuedTokenType` then names
the refresh token type. The `idToken` comes when the token has the `openid` scope.
"""

from __future__ import annotations

from typing import Any

from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin.application_access import APPLICATION_RESOURCE_TYPE
from orgstack.services.sso_oidc import application_clients, iam_grants, id_tokens
from orgstack.services.sso_oidc.application_clients import ApplicationClient
from orgstack.services.sso_oidc.errors import (
    InvalidClientException,
    UnauthorizedClientException,
    UnsupportedGrantTypeException,
)
from orgstack.services.sso_oidc.iam_grants import Issued

ACCESS_TOKEN_TYPE = iam_grants.ACCESS_TOKEN_TYPE
REFRESH_TOKEN_TYPE = iam_grants.REFRESH_TOKEN_TYPE
# AWS does not document these descriptions, so each states the rule that failed.
UNKNOWN_APPLICATION = "Invalid client: {client_id} is not an enabled application."
GRANT_NOT_ALLOWED = "The application does not have the {grant_type} grant."
HANDLERS = {
    "authorization_code": iam_grants.authorization_code,
    "refresh_token": iam_grants.refresh_token,
    iam_grants.JWT_BEARER: iam_grants.jwt_bearer_grant,
    iam_grants.TOKEN_EXCHANGE: iam_grants.token_exchange,
}


@operation(
    "sso-oidc",
    "CreateTokenWithIAM",
    read_only=False,
    notes=(
        "Customer managed applications only. A token exchange accepts subject tokens issued to "
        "another application whose access scope lists the calling application as a target."
    ),
)
def create_token_with_iam(context: RequestContext, params: Params) -> Result:
    """Issue tokens of the application `clientId` for one of its grants."""
    grant_type = str(params["grantType"])
    handler = HANDLERS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantTypeException(f"Unsupported grant type `{grant_type}`.")
    application = _application(context, str(params["clientId"]))
    if not application.allows(grant_type):
        raise UnauthorizedClientException(GRANT_NOT_ALLOWED.format(grant_type=grant_type))

    issued = handler(context, application, params)

    # CloudTrail records the call in the account that owns the application's instance.
    context.audit.recipient_account_id = application.instance.owner_account_id
    context.audit.resources.append((APPLICATION_RESOURCE_TYPE, application.arn))
    context.audit.response_elements = _audited_reply(issued)
    return _reply(context, application, issued)


def _application(context: RequestContext, client_id: str) -> ApplicationClient:
    application = application_clients.find(context.db, client_id)
    if application is None or application.status != application_clients.ENABLED:
        raise InvalidClientException(UNKNOWN_APPLICATION.format(client_id=client_id))
    return application


def _reply(context: RequestContext, application: ApplicationClient, issued: Issued) -> Result:
    tokens = issued.tokens
    result: dict[str, Any] = tokens.as_result()
    result["issuedTokenType"] = REFRESH_TOKEN_TYPE if tokens.refresh_token else ACCESS_TOKEN_TYPE
    result["scope"] = list(issued.scopes)

    facts = id_tokens.IdentityFacts(
        instance=application.instance,
        user_id=issued.user_id,
        application_arn=application.arn,
        credential_id=tokens.credential_id,
        auth_time=issued.auth_time,
        trusted_token_issuer_arn=issued.trusted_token_issuer_arn,
    )
    identity_assertion = id_tokens.identity_context(context.box, facts)
    if "openid" in issued.scopes:
        result["idToken"] = id_tokens.issue(
            context.box, facts, identity_assertion, context.now(), tokens.expires_in
        )
    if "sts:identity_context" in issued.scopes:
        result["awsAdditionalDetails"] = {"identityContext": identity_assertion}
    return result


def _audited_reply(issued: Issued) -> dict[str, Any]:
    """Return the reply as CloudTrail records it: no token and no identity context."""
    tokens = issued.tokens
    return {
        "tokenType": "Bearer",
        "expiresIn": tokens.expires_in,
        "issuedTokenType": REFRESH_TOKEN_TYPE if tokens.refresh_token else ACCESS_TOKEN_TYPE,
        "scope": list(issued.scopes),
    }
