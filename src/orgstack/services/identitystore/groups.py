"""Identity Store group operations: CreateGroup, DescribeGroup, UpdateGroup, DeleteGroup,
ListGroups, GetGroupId.

A group has a display name (required by IAM Identity Center, unique per store) and an optional
description. AWS API reference: Identity Store, the page of each operation.
"""

from __future__ import annotations

from typing import Any

from orgstack.protocol.errors import ValidationException
from orgstack.services.identitystore import group_store, pagination
from orgstack.services.identitystore.access import (
    administered_store,
    new_resource_id,
    resource_arn,
    resource_id_of,
)
from orgstack.services.identitystore.errors import GROUP, ResourceNotFoundException
from orgstack.services.identitystore.group_store import StoredGroup
from orgstack.services.identitystore.user_attributes import MAX_STRING, check_not_reserved
from orgstack.services.identitystore.user_store import next_update_time
from orgstack.services.identitystore.users import check_revision, single_filter
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import principal_access

GROUP_FILTER_PATH = "displayname"
UNIQUE_GROUP_PATHS = ("displayname",)
# The PrincipalType of a group in account and application assignments.
GROUP_PRINCIPAL = "GROUP"
DISPLAY_NAME_REQUIRED = "displayname: The attribute displayname is required"


@operation("identitystore", "CreateGroup", read_only=False)
def create_group(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    display_name = params.get("DisplayName")
    if not display_name:
        raise ValidationException(DISPLAY_NAME_REQUIRED)
    check_not_reserved(display_name)

    now = context.now()
    group = StoredGroup(
        store_id=instance.identity_store_id,
        group_id=new_resource_id(instance.identity_store_id),
        display_name=display_name,
        description=params.get("Description"),
        external_ids=[],
        created_at=now,
        updated_at=now,
    )
    group_store.insert(context.db, group)
    return _identifiers(group)


@operation("identitystore", "DescribeGroup", read_only=True)
def describe_group(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    return group_view(existing_group(context, instance.identity_store_id, params["GroupId"]))


@operation("identitystore", "UpdateGroup", read_only=False)
def update_group(context: RequestContext, params: Params) -> Result:
    """Set or remove `displayName` and `description`; the display name cannot be removed."""
    instance = administered_store(context, params["IdentityStoreId"])
    group = existing_group(context, instance.identity_store_id, params["GroupId"])
    check_revision(params, group.revision)

    display_name: str | None = group.display_name
    description = group.description
    for item in params["Operations"]:
        path = str(item["AttributePath"])
        value = _string_value(path, item.get("AttributeValue"))
        if path.lower() == "displayname":
            display_name = value
        elif path.lower() == "description":
            description = value
        else:
            raise ValidationException(f"Invalid attribute path {path}")
    if not display_name:
        raise ValidationException(DISPLAY_NAME_REQUIRED)
    check_not_reserved(display_name)

    updated = StoredGroup(
        store_id=group.store_id,
        group_id=group.group_id,
        display_name=display_name,
        description=description,
        external_ids=group.external_ids,
        created_at=group.created_at,
        updated_at=next_update_time(group.updated_at, context.now()),
    )
    group_store.update(context.db, updated)
    return _identifiers(updated)


def _string_value(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_STRING:
        raise ValidationException(f"Invalid value for attribute {path}")
    return value


@operation("identitystore", "DeleteGroup", read_only=False)
def delete_group(context: RequestContext, params: Params) -> Result:
    """Delete a group with its memberships and its account and application assignments."""
    instance = administered_store(context, params["IdentityStoreId"])
    group = existing_group(context, instance.identity_store_id, params["GroupId"])
    check_revision(params, group.revision)
    principal_access.remove_principal_access(
        context.db, instance.instance_arn, GROUP_PRINCIPAL, group.group_id
    )
    group_store.remove(context.db, group.store_id, group.group_id)
    return {}


@operation("identitystore", "ListGroups", read_only=True)
def list_groups(context: RequestContext, params: Params) -> Result:
    """Return one page of the store's groups ordered by id, optionally by display name."""
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    display_name = single_filter(params, GROUP_FILTER_PATH)
    scope = pagination.scope_of("ListGroups", store_id, display_name)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    size = pagination.page_size(params)

    groups = group_store.page(context.db, store_id, after, size + 1, display_name)
    count, token = pagination.next_token(context, scope, [group.group_id for group in groups], size)
    result: dict[str, Any] = {"Groups": [group_view(group) for group in groups[:count]]}
    if token is not None:
        result["NextToken"] = token
    return result


@operation("identitystore", "GetGroupId", read_only=True)
def get_group_id(context: RequestContext, params: Params) -> Result:
    """Return the id of the group with a display name or an external id."""
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    identifier = params["AlternateIdentifier"]
    external = identifier.get("ExternalId")
    unique = identifier.get("UniqueAttribute")

    group: StoredGroup | None
    if external is not None:
        group = group_store.find_by_external_id(
            context.db, store_id, external["Issuer"], external["Id"]
        )
        key = str(external["Id"])
    elif unique is not None:
        path = str(unique["AttributePath"])
        value = unique.get("AttributeValue")
        if path.lower() not in UNIQUE_GROUP_PATHS:
            raise ValidationException(f"The attribute {path} is not a unique attribute")
        if not isinstance(value, str) or not value:
            raise ValidationException(
                f"attribute value cannot be empty or null for attribute path {path}"
            )
        group = group_store.find_by_display_name(context.db, store_id, value)
        key = value
    else:
        raise ValidationException("AlternateIdentifier must contain ExternalId or UniqueAttribute")
    if group is None:
        raise ResourceNotFoundException(GROUP, key)
    return {
        "IdentityStoreId": store_id,
        "GroupId": group.group_id,
        "GroupArn": resource_arn("group", group.group_id),
    }


def existing_group(context: RequestContext, store_id: str, parameter: str) -> StoredGroup:
    """Return the group named by a `GroupId` parameter, or raise ResourceNotFoundException."""
    group_id = resource_id_of(parameter)
    group = group_store.find(context.db, store_id, group_id)
    if group is None:
        raise ResourceNotFoundException(GROUP, group_id)
    return group


def _identifiers(group: StoredGroup) -> dict[str, Any]:
    return {
        "IdentityStoreId": group.store_id,
        "GroupId": group.group_id,
        "GroupArn": resource_arn("group", group.group_id),
        "Revision": group.revision,
    }


def group_view(group: StoredGroup) -> dict[str, Any]:
    """Return the Group shape of DescribeGroup and ListGroups."""
    view: dict[str, Any] = {
        **_identifiers(group),
        "DisplayName": group.display_name,
        "Description": group.description,
        "CreatedAt": group.created_at,
        "UpdatedAt": group.updated_at,
    }
    if group.external_ids:
        view["ExternalIds"] = group.external_ids
    return view
