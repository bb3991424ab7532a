"""Access checks of the application and trusted token issuer operations: which instance an ARN
belongs to, whether the caller may administer it, and which resources a call is authorized on.

Application ARNs (`arn:aws:sso::<owner account>:application/ssoins-…/apl-…`) and trusted token
issuer ARNs (`…:trustedTokenIssuer/ssoins-…/tti-…`) embed the instance id, so the instance is
found from the ARN alone. A caller that may not administer that instance gets
AccessDeniedException, also when the instance does not exist.
"""

from __future__ import annotations

from orgstack.identity_center import Instance
from orgstack.services.identitystore import group_store, user_store
from orgstack.services.registry import Params, RequestContext
from orgstack.services.sso_admin import access, application_store
from orgstack.services.sso_admin.application_store import Record
from orgstack.services.sso_admin.errors import ResourceNotFoundException

INSTANCE_ARN_PREFIX = "arn:aws:sso:::instance/"
APPLICATION_RESOURCE_TYPE = "AWS::SSO::Application"
ISSUER_RESOURCE_TYPE = "AWS::SSO::TrustedTokenIssuer"
USER = "USER"
# NOTE: AWS does not document the messages for a missing application, trusted token issuer or
# principal, so these name the missing resource.
APPLICATION_NOT_FOUND = "Application {arn} not found."
ISSUER_NOT_FOUND = "Trusted token issuer {arn} not found."
PRINCIPAL_NOT_FOUND = "{principal_type} {principal_id} not found in identity store {store_id}."


def instance_arn_of(resource_arn: str) -> str:
    """Return the instance ARN embedded in `…:<type>/ssoins-…/<id>`."""
    parts = resource_arn.split("/")
    instance_id = parts[1] if len(parts) > 2 else ""
    return INSTANCE_ARN_PREFIX + instance_id


def owner_account_of(resource_arn: str) -> str:
    parts = resource_arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def application(context: RequestContext, application_arn: str) -> tuple[Instance, Record]:
    """Return the administered instance and the application; raise if either is missing."""
    instance = access.administered_instance(context, instance_arn_of(application_arn))
    found = application_store.find(context.db, application_store.APPLICATION, application_arn)
    if found is None or found.instance_arn != instance.instance_arn:
        raise ResourceNotFoundException(APPLICATION_NOT_FOUND.format(arn=application_arn))
    context.audit.resources.append((APPLICATION_RESOURCE_TYPE, application_arn))
    return instance, found


def trusted_token_issuer(context: RequestContext, issuer_arn: str) -> tuple[Instance, Record]:
    """Return the administered instance and the trusted token issuer; raise if either is missing."""
    instance = access.administered_instance(context, instance_arn_of(issuer_arn))
    found = application_store.find(context.db, application_store.TRUSTED_TOKEN_ISSUER, issuer_arn)
    if found is None or found.instance_arn != instance.instance_arn:
        raise ResourceNotFoundException(ISSUER_NOT_FOUND.format(arn=issuer_arn))
    context.audit.resources.append((ISSUER_RESOURCE_TYPE, issuer_arn))
    return instance, found


def require_principal(
    context: RequestContext, instance: Instance, principal_type: str, principal_id: str
) -> None:
    """Raise ResourceNotFoundException unless the user or group is in the instance's store."""
    store_id = instance.identity_store_id
    if principal_type == USER:
        exists = user_store.find(context.db, store_id, principal_id) is not None
    else:
        exists = group_store.find(context.db, store_id, principal_id) is not None
    if not exists:
        raise ResourceNotFoundException(
            PRINCIPAL_NOT_FOUND.format(
                principal_type=principal_type, principal_id=principal_id, store_id=store_id
            )
        )


def _own_or_instance(context: RequestContext, resource_arn: str) -> list[str]:
    """Return the instance ARN, and `resource_arn` when it names the caller's own account.

    These ARNs name the instance owner's account. A delegated administrator of the organization
    instance is authorized by its own account's policies on the instance, as for permission sets,
    because a cross-account check would ask for a resource policy that these resources cannot have.
    """
    arns = [instance_arn_of(resource_arn)]
    caller = context.caller
    if caller is not None and owner_account_of(resource_arn) == caller.account_id:
        arns.append(resource_arn)
    return arns


def application_resources(context: RequestContext, params: Params) -> list[str]:
    return _own_or_instance(context, str(params["ApplicationArn"]))


def issuer_resources(context: RequestContext, params: Params) -> list[str]:
    return _own_or_instance(context, str(params["TrustedTokenIssuerArn"]))
