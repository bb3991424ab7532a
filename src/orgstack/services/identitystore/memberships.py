"""Identity Store group membership operations: CreateGroupMembership, DeleteGroupMembership,
DescribeGroupMembership, ListGroupMemberships, ListGroupMembershipsForMember,
GetGroupMembershipId, IsMemberInGroups.

A membership joins one user to one group; the pair is unique per store. Members are users only
(the `MemberId` union has the single member `UserId`).
"""

from __future__ import annotations

from typing import Any

from orgstack.protocol.errors import ValidationException
from orgstack.services.identitystore import membership_store, pagination
from orgstack.services.identitystore.access import (
    administered_store,
    new_resource_id,
    resource_arn,
    resource_id_of,
)
from orgstack.services.identitystore.errors import GROUP_MEMBERSHIP, ResourceNotFoundException
from orgstack.services.identitystore.groups import existing_group
from orgstack.services.identitystore.membership_store import StoredMembership
from orgstack.services.identitystore.users import existing_user
from orgstack.services.registry import Params, RequestContext, Result, operation

MEMBER_ID_REQUIRED = "MemberId must contain UserId"


@operation("identitystore", "CreateGroupMembership", read_only=False)
def create_group_membership(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    group = existing_group(context, store_id, params["GroupId"])
    user = existing_user(context, store_id, _member_user_id(params))
    membership = StoredMembership(
        store_id=store_id,
        membership_id=new_resource_id(store_id),
        group_id=group.group_id,
        user_id=user.user_id,
        created_at=context.now(),
    )
    membership_store.insert(context.db, membership)
    return {
        "IdentityStoreId": store_id,
        "MembershipId": membership.membership_id,
        "MembershipArn": resource_arn("membership", membership.membership_id),
    }


@operation("identitystore", "DeleteGroupMembership", read_only=False)
def delete_group_membership(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    membership = _existing(context, instance.identity_store_id, params["MembershipId"])
    membership_store.remove(context.db, membership.store_id, membership.membership_id)
    return {}


@operation("identitystore", "DescribeGroupMembership", read_only=True)
def describe_group_membership(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    return _view(_existing(context, instance.identity_store_id, params["MembershipId"]))


@operation("identitystore", "ListGroupMemberships", read_only=True)
def list_group_memberships(context: RequestContext, params: Params) -> Result:
    """Return one page of a group's memberships, ordered by membership id."""
    instance = administered_store(context, params["IdentityStoreId"])
    group = existing_group(context, instance.identity_store_id, params["GroupId"])
    return _page(context, params, instance.identity_store_id, group_id=group.group_id)


@operation("identitystore", "ListGroupMembershipsForMember", read_only=True)
def list_group_memberships_for_member(context: RequestContext, params: Params) -> Result:
    """Return one page of a user's memberships, ordered by membership id."""
    instance = administered_store(context, params["IdentityStoreId"])
    user = existing_user(context, instance.identity_store_id, _member_user_id(params))
    return _page(context, params, instance.identity_store_id, user_id=user.user_id)


@operation("identitystore", "GetGroupMembershipId", read_only=True)
def get_group_membership_id(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    group_id = resource_id_of(params["GroupId"])
    user_id = resource_id_of(_member_user_id(params))
    membership = membership_store.find_pair(context.db, store_id, group_id, user_id)
    if membership is None:
        raise ResourceNotFoundException(GROUP_MEMBERSHIP, f"{group_id}/{user_id}")
    return {
        "IdentityStoreId": store_id,
        "MembershipId": membership.membership_id,
        "MembershipArn": resource_arn("membership", membership.membership_id),
    }


@operation("identitystore", "IsMemberInGroups", read_only=True)
def is_member_in_groups(context: RequestContext, params: Params) -> Result:
    """Tell for each group whether the user is a member. An unknown group is reported as false."""
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    user = existing_user(context, store_id, _member_user_id(params))
    group_ids = [resource_id_of(value) for value in params["GroupIds"]]
    joined = membership_store.groups_joined(context.db, store_id, user.user_id, group_ids)
    return {
        "Results": [
            {
                "GroupId": group_id,
                "MemberId": {"UserId": user.user_id},
                "MembershipExists": group_id in joined,
            }
            for group_id in group_ids
        ]
    }


def _member_user_id(params: Params) -> str:
    user_id = (params.get("MemberId") or {}).get("UserId")
    if not user_id:
        raise ValidationException(MEMBER_ID_REQUIRED)
    return str(user_id)


def _existing(context: RequestContext, store_id: str, parameter: str) -> StoredMembership:
    membership_id = resource_id_of(parameter)
    membership = membership_store.find(context.db, store_id, membership_id)
    if membership is None:
        raise ResourceNotFoundException(GROUP_MEMBERSHIP, membership_id)
    return membership


def _page(
    context: RequestContext,
    params: Params,
    store_id: str,
    group_id: str | None = None,
    user_id: str | None = None,
) -> Result:
    scope = pagination.scope_of(context.operation, store_id, group_id, user_id)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    size = pagination.page_size(params)

    found = membership_store.page(context.db, store_id, after, size + 1, group_id, user_id)
    keys = [membership.membership_id for membership in found]
    count, token = pagination.next_token(context, scope, keys, size)
    result: dict[str, Any] = {"GroupMemberships": [_view(item) for item in found[:count]]}
    if token is not None:
        result["NextToken"] = token
    return result


def _view(membership: StoredMembership) -> dict[str, Any]:
    # Memberships cannot be changed, so they were last updated when created.
    return {
        "IdentityStoreId": membership.store_id,
        "MembershipId": membership.membership_id,
        "MembershipArn": resource_arn("membership", membership.membership_id),
        "GroupId": membership.group_id,
        "MemberId": {"UserId": membership.user_id},
        "CreatedAt": membership.created_at,
        "UpdatedAt": membership.created_at,
    }
