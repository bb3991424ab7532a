"""sso-admin instance operations: CreateInstance, DescribeInstance, ListInstances, UpdateInstance,
DeleteInstance.

CreateInstance makes account instances only, in a standalone account or a member account of an
organization. The organization instance is enabled from the management account with
`orgstack identity-center enable`, as AWS enables it from the console. An account has at most one
instance. AWS API reference: IAM Identity Center, "CreateInstance" and its sibling pages.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.identitystore import pagination
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import regions
from orgstack.services.sso_admin.errors import (
    AccessDeniedException,
    ConflictException,
    ResourceNotFoundException,
)

AWS_OWNED_KEY = "AWS_OWNED_KMS_KEY"
CUSTOMER_MANAGED_KEY = "CUSTOMER_MANAGED_KEY"
# AWS does not document these messages; each states the rule from the API reference.
MANAGEMENT_ACCOUNT_MESSAGE = (
    "An account instance cannot be created in the management account of an organization."
)
INSTANCE_EXISTS_MESSAGE = "An instance of IAM Identity Center already exists in this account."
ACCOUNT_INSTANCES_DISABLED_MESSAGE = (
    "The organization instance of IAM Identity Center does not allow account instances."
)
TOKEN_REUSED_MESSAGE = "The ClientToken was already used with different parameters."  # noqa: S105 (a message)
KEY_REQUIRED_MESSAGE = "KmsKeyArn is required when KeyType is CUSTOMER_MANAGED_KEY."
KEY_NOT_ALLOWED_MESSAGE = "KmsKeyArn must not be given when KeyType is AWS_OWNED_KMS_KEY."
OWNER_ONLY_MESSAGE = "Only the account that owns the instance can delete it."


@operation("sso-admin", "CreateInstance", read_only=False)
def create_instance(context: RequestContext, params: Params) -> Result:
    """Create the caller's account instance and its identity store; return its ARN."""
    account_id = context.require_caller().account_id
    organization = identity_center.organization_of(context.db, account_id)
    if organization is not None and organization[1] == account_id:
        raise ValidationException(MANAGEMENT_ACCOUNT_MESSAGE)

    token = params.get("ClientToken")
    existing = identity_center.find_by_owner(context.db, account_id)
    if existing is not None:
        return {"InstanceArn": _repeated_create(existing, token, params)}

    shared = identity_center.organization_instance(context.db, account_id)
    if shared is not None and not shared.settings.get("account_instances_allowed", True):
        raise AccessDeniedException(ACCOUNT_INSTANCES_DISABLED_MESSAGE)

    settings: dict[str, Any] = {
        "start_url": identity_center.start_url(context.settings.base_url),
        "primary_region": context.region,
        "client_token": token,
        "tags": params.get("Tags") or [],
        # Account instances cannot hold permission sets (IAM Identity Center user guide,
        # "Account instances of IAM Identity Center").
        "permission_sets_enabled": False,
    }
    instance = identity_center.insert_instance(
        context.db, account_id, identity_center.ACCOUNT, params.get("Name"), settings, context.now()
    )
    context.audit.resources.append(("AWS::SSO::Instance", instance.instance_arn))
    return {"InstanceArn": instance.instance_arn}


def _repeated_create(existing: Instance, token: str | None, params: Params) -> str:
    """Return the instance of a retried CreateInstance, or raise for a second instance."""
    if token is None or existing.settings.get("client_token") != token:
        raise ConflictException(INSTANCE_EXISTS_MESSAGE)
    if existing.name != params.get("Name"):
        raise ValidationException(TOKEN_REUSED_MESSAGE)
    return existing.instance_arn


@operation("sso-admin", "DescribeInstance", read_only=True)
def describe_instance(context: RequestContext, params: Params) -> Result:
    instance = _administered(context, params["InstanceArn"])
    return _describe(context, instance)


@operation("sso-admin", "ListInstances", read_only=True, not_honoured=("RegionScope",))
def list_instances(context: RequestContext, params: Params) -> Result:
    """Return the instances the caller may administer, ordered by ARN."""
    account_id = context.require_caller().account_id
    instances = sorted(
        identity_center.instances_for(context.db, account_id), key=lambda item: item.instance_arn
    )
    scope = pagination.scope_of("ListInstances", account_id)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    if after is not None:
        instances = [item for item in instances if item.instance_arn > after]
    size = pagination.page_size(params)
    count, token = pagination.next_token(
        context, scope, [item.instance_arn for item in instances], size
    )
    result: dict[str, Any] = {"Instances": [_metadata(context, item) for item in instances[:count]]}
    if token is not None:
        result["NextToken"] = token
    return result


@operation("sso-admin", "UpdateInstance", read_only=False, not_honoured=("NetworkConfiguration",))
def update_instance(context: RequestContext, params: Params) -> Result:
    """Rename the instance, set its encryption key type, or switch permission sets on."""
    instance = _administered(context, params["InstanceArn"], missing_error=True)
    settings = dict(instance.settings)
    encryption = params.get("EncryptionConfiguration")
    if encryption is not None:
        settings["encryption"] = _encryption(encryption)
    if params.get("PermissionSetsEnabled") is not None:
        settings["permission_sets_enabled"] = bool(params["PermissionSetsEnabled"])
    name = params["Name"] if params.get("Name") is not None else instance.name
    updated = dataclasses.replace(instance, name=name, settings=settings)
    identity_center.save_instance(context.db, updated)
    context.audit.resources.append(("AWS::SSO::Instance", instance.instance_arn))
    return {}


def _encryption(encryption: dict[str, Any]) -> dict[str, Any]:
    key_type = encryption["KeyType"]
    key_arn = encryption.get("KmsKeyArn")
    if key_type == CUSTOMER_MANAGED_KEY and not key_arn:
        raise ValidationException(KEY_REQUIRED_MESSAGE)
    if key_type == AWS_OWNED_KEY and key_arn:
        raise ValidationException(KEY_NOT_ALLOWED_MESSAGE)
    # NOTE: orgstack encrypts with its master key whatever key type is chosen; a customer
    # managed key ARN is stored and shown but not used.
    return {"KeyType": key_type, "KmsKeyArn": key_arn}


@operation("sso-admin", "DeleteInstance", read_only=False)
def delete_instance(context: RequestContext, params: Params) -> Result:
    """Delete the instance with its identity store; only the owning account may."""
    account_id = context.require_caller().account_id
    instance = _administered(context, params["InstanceArn"])
    if instance.owner_account_id != account_id:
        raise AccessDeniedException(OWNER_ONLY_MESSAGE)
    identity_center.delete_instance(context.db, instance)
    context.audit.resources.append(("AWS::SSO::Instance", instance.instance_arn))
    return {}


def _administered(
    context: RequestContext, instance_arn: str, missing_error: bool = False
) -> Instance:
    """Return the instance when the caller may administer it.

    DescribeInstance and DeleteInstance declare no ResourceNotFoundException, so an unknown ARN is
    reported like another account's instance; UpdateInstance reports it as not found.
    """
    account_id = context.require_caller().account_id
    instance = identity_center.find_by_arn(context.db, instance_arn)
    if instance is None and missing_error:
        raise ResourceNotFoundException(f"Instance {instance_arn} not found.")
    if instance is None or not identity_center.may_administer(context.db, instance, account_id):
        raise AccessDeniedException()
    return instance


def _metadata(context: RequestContext, instance: Instance) -> dict[str, Any]:
    view: dict[str, Any] = {
        "InstanceArn": instance.instance_arn,
        "IdentityStoreId": instance.identity_store_id,
        "IdentityStoreArn": instance.identity_store_arn,
        "OwnerAccountId": instance.owner_account_id,
        "CreatedDate": instance.created_at,
        "Status": instance.status,
        "PrimaryRegion": regions.primary_region(instance),
        # The primary Region first, then those AddRegion added, as ListRegions returns them.
        "Regions": regions.region_views(context.db, instance),
    }
    if instance.name:
        view["Name"] = instance.name
    return view


def _describe(context: RequestContext, instance: Instance) -> dict[str, Any]:
    view = _metadata(context, instance)
    encryption = instance.settings.get("encryption") or {"KeyType": AWS_OWNED_KEY}
    view["EncryptionConfigurationDetails"] = {
        "KeyType": encryption["KeyType"],
        "KmsKeyArn": encryption.get("KmsKeyArn"),
        "EncryptionStatus": "ENABLED",
    }
    default_enabled = instance.is_organization_instance
    view["PermissionSetsEnabled"] = bool(
        instance.settings.get("permission_sets_enabled", default_enabled)
    )
    return view
