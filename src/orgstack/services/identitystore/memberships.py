"""Identity Store group membership operations: CreateGroupMembership, DeleteGroupMembership,
DescribeGroupMembership, ListGroupMemberships, ListGroupMembershipsForMember,
GetGroupMembershipId, IsMemberInGroups.

A membership joins one user to one group; the pair is unique per store. Members are users only
(the `MemberId` union has the single member `UserId`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.exc import IntegrityError

from orgstack.protocol.errors import ValidationException
from orgstack.services.identitystore import pagination
from orgstack.services.identitystore.access import (
    administered_store,
    new_resource_id,
    resource_arn,
    resource_id_of,
)
from orgstack.services.identitystore.errors import (
    GROUP_MEMBERSHIP,
    ConflictException,
    ResourceNotFoundException,
)
from orgstack.services.identitystore.groups import existing_group
from orgstack.services.identitystore.users import existing_user
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema_identity import identitystore_memberships as memberships

# NOTE: AWS's message for a repeated membership is not documented; this one names the rule.
MEMBERSHIP_EXISTS = "Member and group relationship already exists."
MEMBER_ID_REQUIRED = "MemberId must contain UserId"


@operation("identitystore", "CreateGroupMembership", read_only=False)
def create_group_membership(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    group = existing_group(context, store_id, params["GroupId"])
    user = existing_user(context, store_id, _member_user_id(params))
    if _find_pair(context.db, store_id, group.group_id, user.user_id) is not None:
        raise ConflictException(MEMBERSHIP_EXISTS)

    membership_id = new_resource_id(store_id)
    try:
        context.db.execute(
            memberships.insert().values(
                identity_store_id=store_id,
                membership_id=membership_id,
                group_id=group.group_id,
                member_user_id=user.user_id,
                created_at=context.now(),
            )
        )
    except IntegrityError:
        # A concurrent call created the same membership first.
        raise ConflictException(MEMBERSHIP_EXISTS) from None
    return {
        "IdentityStoreId": store_id,
        "MembershipId": membership_id,
        "MembershipArn": resource_arn("membership", membership_id),
    }


@operation("identitystore", "DeleteGroupMembership", read_only=False)
def delete_group_membership(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    row = _existing(context, instance.identity_store_id, params["MembershipId"])
    context.db.execute(
        delete(memberships).where(
            memberships.c.identity_store_id == row.identity_store_id,
            memberships.c.membership_id == row.membership_id,
        )
    )
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
    condition = memberships.c.group_id == group.group_id
    return _page(context, instance.identity_store_id, condition, "group", group.group_id, params)


@operation("identitystore", "ListGroupMembershipsForMember", read_only=True)
def list_group_memberships_for_member(context: RequestContext, params: Params) -> Result:
    """Return one page of a user's memberships, ordered by membership id."""
    instance = administered_store(context, params["IdentityStoreId"])
    user = existing_user(context, instance.identity_store_id, _member_user_id(params))
    condition = memberships.c.member_user_id == user.user_id
    return _page(context, instance.identity_store_id, condition, "user", user.user_id, params)


@operation("identitystore", "GetGroupMembershipId", read_only=True)
def get_group_membership_id(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    group_id = resource_id_of(params["GroupId"])
    user_id = resource_id_of(_member_user_id(params))
    row = _find_pair(context.db, store_id, group_id, user_id)
    if row is None:
        raise ResourceNotFoundException(GROUP_MEMBERSHIP, f"{group_id}/{user_id}")
    return {
        "IdentityStoreId": store_id,
        "MembershipId": row.membership_id,
        "MembershipArn": resource_arn("membership", row.membership_id),
    }


@operation("identitystore", "IsMemberInGroups", read_only=True)
def is_member_in_groups(context: RequestContext, params: Params) -> Result:
    """Tell for each group whether the user is a member; an unknown group answers false."""
    instance = administered_store(context, params["IdentityStoreId"])
    store_id = instance.identity_store_id
    user = existing_user(context, store_id, _member_user_id(params))
    group_ids = [resource_id_of(value) for value in params["GroupIds"]]

    rows = context.db.execute(
        select(memberships.c.group_id).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.member_user_id == user.user_id,
            memberships.c.group_id.in_(group_ids),
        )
    )
    joined = {row.group_id for row in rows}
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


def _find_pair(
    connection: Connection, store_id: str, group_id: str, user_id: str
) -> Row[Any] | None:
    return connection.execute(
        select(memberships).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.group_id == group_id,
            memberships.c.member_user_id == user_id,
        )
    ).first()


def _existing(context: RequestContext, store_id: str, parameter: str) -> Row[Any]:
    membership_id = resource_id_of(parameter)
    row = context.db.execute(
        select(memberships).where(
            memberships.c.identity_store_id == store_id,
            memberships.c.membership_id == membership_id,
        )
    ).first()
    if row is None:
        raise ResourceNotFoundException(GROUP_MEMBERSHIP, membership_id)
    return row


def _page(
    context: RequestContext,
    store_id: str,
    condition: Any,
    kind: str,
    owner_id: str,
    params: Params,
) -> Result:
    scope = pagination.scope_of(context.operation, store_id, kind, owner_id)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    size = pagination.page_size(params)
    query = select(memberships).where(memberships.c.identity_store_id == store_id, condition)
    if after is not None:
        query = query.where(memberships.c.membership_id > after)
    rows = list(context.db.execute(query.order_by(memberships.c.membership_id).limit(size + 1)))
    count, token = pagination.next_token(context, scope, [row.membership_id for row in rows], size)
    result: dict[str, Any] = {"GroupMemberships": [_view(row) for row in rows[:count]]}
    if token is not None:
        result["NextToken"] = token
    return result


def _view(row: Row[Any]) -> dict[str, Any]:
    created: dt.datetime = row.created_at
    return {
        "IdentityStoreId": row.identity_store_id,
        "MembershipId": row.membership_id,
        "MembershipArn": resource_arn("membership", row.membership_id),
        "GroupId": row.group_id,
        "MemberId": {"UserId": row.member_user_id},
        "CreatedAt": created,
        "UpdatedAt": created,
    }
