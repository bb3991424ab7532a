"""Identity Store user operations: CreateUser, DescribeUser, UpdateUser, DeleteUser, ListUsers,
GetUserId.

AWS API reference: Identity Store, the page of each operation.
"""

from __future__ import annotations

from typing import Any

from orgstack.protocol.errors import ValidationException
from orgstack.services.identitystore import pagination, user_attributes, user_store
from orgstack.services.identitystore.access import (
    administered_store,
    new_resource_id,
    resource_arn,
    resource_id_of,
)
from orgstack.services.identitystore.errors import (
    CONCURRENT_MODIFICATION,
    USER,
    ConflictException,
    ResourceNotFoundException,
)
from orgstack.services.identitystore.user_store import StoredUser
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import principal_access

# ListUsers accepts only this filter path (Identity Store API reference, Filter); the filter is
# deprecated in favour of GetUserId but still served.
USER_FILTER_PATH = "username"
# GetUserId's unique attributes of a user (Identity Store API reference, UniqueAttribute).
UNIQUE_USER_PATHS = ("username", "emails.value")
# The PrincipalType of a user in account and application assignments.
USER_PRINCIPAL = "USER"
REVISION_MESSAGE = "The resource was modified; describe it again to get its current revision."


@operation("identitystore", "CreateUser", read_only=False, not_honoured=("Extensions",))
def create_user(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    attributes = user_attributes.from_create(params)
    now = context.now()
    user = StoredUser(
        store_id=instance.identity_store_id,
        user_id=new_resource_id(instance.identity_store_id),
        attributes=attributes,
        external_ids=[],
        created_at=now,
        updated_at=now,
    )
    user_store.insert(context.db, user)
    return {
        "IdentityStoreId": user.store_id,
        "UserId": user.user_id,
        "UserArn": resource_arn("user", user.user_id),
        "Revision": user.revision,
    }


@operation("identitystore", "DescribeUser", read_only=True, not_honoured=("Extensions",))
def describe_user(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    user = existing_user(context, instance.identity_store_id, params["UserId"])
    return user_view(user)


@operation("identitystore", "UpdateUser", read_only=False)
def update_user(context: RequestContext, params: Params) -> Result:
    """Apply AttributeOperations to a user; a given Revision must be the user's current one."""
    instance = administered_store(context, params["IdentityStoreId"])
    user = existing_user(context, instance.identity_store_id, params["UserId"])
    check_revision(params, user.revision)

    attributes = user_attributes.UserAttributes(
        user.attributes.user_name, user.attributes.display_name, dict(user.attributes.other)
    )
    user_attributes.apply_operations(attributes, params["Operations"])
    updated = StoredUser(
        store_id=user.store_id,
        user_id=user.user_id,
        attributes=attributes,
        external_ids=user.external_ids,
        created_at=user.created_at,
        updated_at=user_store.next_update_time(user.updated_at, context.now()),
    )
    user_store.update(context.db, updated)
    return {
        "IdentityStoreId": updated.store_id,
        "UserId": updated.user_id,
        "UserArn": resource_arn("user", updated.user_id),
        "Revision": updated.revision,
    }


@operation("identitystore", "DeleteUser", read_only=False)
def delete_user(context: RequestContext, params: Params) -> Result:
    """Delete a user with its group memberships, assignments and portal sign-in state.

    AWS removes a deleted user's access to accounts and applications and its ability to sign in
    (IAM Identity Center user guide, "Delete users in IAM Identity Center").
    """
    instance = administered_store(context, params["IdentityStoreId"])
    user = existing_user(context, instance.identity_store_id, params["UserId"])
    check_revision(params, user.revision)
    principal_access.remove_principal_access(
        context.db, instance.instance_arn, USER_PRINCIPAL, user.user_id
    )
    user_store.remove(context.db, user.store_id, user.user_id)
    return {}


@operation("identitystore", "ListUsers", read_only=True, not_honoured=("Extensions",))
def list_users(context: RequestContext, params: Params) -> Result:
    """Return one page of the store's users ordered by id, optionally filtered by user name."""
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    user_name = single_filter(params, USER_FILTER_PATH)
    scope = pagination.scope_of("ListUsers", store_id, user_name)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    size = pagination.page_size(params)

    # One row more than the page shows whether another page follows.
    users = user_store.page(context.db, store_id, after, size + 1, user_name)
    count, token = pagination.next_token(context, scope, [user.user_id for user in users], size)
    result: dict[str, Any] = {"Users": [user_view(user) for user in users[:count]]}
    if token is not None:
        result["NextToken"] = token
    return result


@operation("identitystore", "GetUserId", read_only=True)
def get_user_id(context: RequestContext, params: Params) -> Result:
    """Return the id of the user with a unique attribute value or an external id."""
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    identifier = params["AlternateIdentifier"]
    external = identifier.get("ExternalId")
    unique = identifier.get("UniqueAttribute")

    user: StoredUser | None
    if external is not None:
        user = user_store.find_by_external_id(
            context.db, store_id, external["Issuer"], external["Id"]
        )
    elif unique is not None:
        user = _find_by_unique_attribute(context, store_id, unique)
    else:
        raise ValidationException("AlternateIdentifier must contain ExternalId or UniqueAttribute")
    if user is None:
        raise ResourceNotFoundException(USER, _lookup_key(identifier))
    return {
        "IdentityStoreId": store_id,
        "UserId": user.user_id,
        "UserArn": resource_arn("user", user.user_id),
    }


def _find_by_unique_attribute(
    context: RequestContext, store_id: str, unique: dict[str, Any]
) -> StoredUser | None:
    path = str(unique["AttributePath"])
    value = unique.get("AttributeValue")
    if path.lower() not in UNIQUE_USER_PATHS:
        raise ValidationException(f"The attribute {path} is not a unique attribute")
    if not isinstance(value, str) or not value:
        raise ValidationException(
            f"attribute value cannot be empty or null for attribute path {path}"
        )
    if path.lower() == "username":
        return user_store.find_by_user_name(context.db, store_id, value)
    return user_store.find_by_email(context.db, store_id, value)


def _lookup_key(identifier: dict[str, Any]) -> str:
    external = identifier.get("ExternalId")
    if external is not None:
        return str(external["Id"])
    return str((identifier.get("UniqueAttribute") or {}).get("AttributeValue"))


def existing_user(context: RequestContext, store_id: str, parameter: str) -> StoredUser:
    """Return the user named by a `UserId` parameter, or raise ResourceNotFoundException."""
    user_id = resource_id_of(parameter)
    user = user_store.find(context.db, store_id, user_id)
    if user is None:
        raise ResourceNotFoundException(USER, user_id)
    return user


def check_revision(params: Params, current: str) -> None:
    expected = params.get("Revision")
    if expected is not None and expected != current:
        raise ConflictException(REVISION_MESSAGE, CONCURRENT_MODIFICATION)


def single_filter(params: Params, allowed_path: str) -> str | None:
    """Return the value of the request's one filter, None without filters.

    Raises ValidationException for a filter on any other attribute path.
    """
    filters = params.get("Filters") or []
    if not filters:
        return None
    path = str(filters[0]["AttributePath"])
    if path.lower() != allowed_path:
        raise ValidationException(f"Filtering by attribute path {path} is not supported")
    return str(filters[0]["AttributeValue"])


def user_view(user: StoredUser) -> dict[str, Any]:
    """Return the User shape of DescribeUser and ListUsers."""
    view: dict[str, Any] = {
        "IdentityStoreId": user.store_id,
        "UserId": user.user_id,
        "UserArn": resource_arn("user", user.user_id),
        "Revision": user.revision,
        "UserName": user.attributes.user_name,
        "DisplayName": user.attributes.display_name,
        "CreatedAt": user.created_at,
        "UpdatedAt": user.updated_at,
        **user.attributes.other,
    }
    if user.external_ids:
        view["ExternalIds"] = user.external_ids
    return view
