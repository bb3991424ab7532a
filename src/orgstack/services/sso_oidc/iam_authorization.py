"""The IAM action and resource of CreateTokenWithIAM (Service Authorization Reference, "Actions,
resources, and condition keys for AWS IAM Identity Center OIDC service").

CreateTokenWithIAM is authorized as `sso-oauth:CreateTokenWithIAM` on the application named by
`clientId`. The actor policy of the application's IAM authentication method
(PutApplicationAuthenticationMethod) is the application's resource-based policy: within the
owner's account either it or the caller's identity-based policies may grant the call, and a
caller from another account needs both.
"""

from __future__ import annotations

from collections.abc import Sequence

from orgstack.authorize.actions import ANY_RESOURCE, CallerOrganization, Check, Target, authorizes
from orgstack.services.registry import Params, RequestContext
from orgstack.services.sso_oidc import application_clients


@authorizes("sso-oidc", "CreateTokenWithIAM")
def create_token_with_iam_checks(
    context: RequestContext, params: Params, organization: CallerOrganization | None
) -> Sequence[Check]:
    application_arn = str(params.get("clientId") or "")
    if not application_clients.is_application_arn(application_arn):
        # The handler rejects this client id later, so only identity-based policies apply here.
        return (Check("sso-oauth:CreateTokenWithIAM", Target(ANY_RESOURCE)),)
    policy = application_clients.actor_policy(context.db, application_arn)
    target = Target(application_arn, resource_policy=policy)
    return (Check("sso-oauth:CreateTokenWithIAM", target),)
