"""Tags on roots, OUs, accounts, policies and the resource policy: TagResource, UntagResource,
ListTagsForResource.

Other operations store the `Tags` of a create request with `tag_new_resource` and remove a deleted
resource's tags with `delete_resource_tags`. AWS's rules (API reference, TagResource and the
`InvalidInputException`/`ConstraintViolationException` reasons of the service model): at most 50
tags per resource, keys unique within a request, and no key that starts with the reserved `aws:`
prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from orgstack.services.organizations import access
from orgstack.services.organizations.errors import (
    ConstraintViolationException,
    InvalidInputException,
    TargetNotFoundException,
)
from orgstack.services.organizations.pagination import page
from orgstack.services.organizations.tree import (
    ACCOUNT,
    ACCOUNT_RESOURCE_TYPE,
    OU_RESOURCE_TYPE,
    ROOT,
    ROOT_RESOURCE_TYPE,
    find_node,
    lock_organization,
    node_arn,
)
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import policies, resource_policies, tags

MAX_TAGS_PER_RESOURCE = 50
SYSTEM_TAG_PREFIX = "aws:"

MAX_TAG_LIMIT_EXCEEDED = "MAX_TAG_LIMIT_EXCEEDED"
INVALID_SYSTEM_TAGS_PARAMETER = "INVALID_SYSTEM_TAGS_PARAMETER"
DUPLICATE_TAG_KEY = "DUPLICATE_TAG_KEY"
IMMUTABLE_POLICY = "IMMUTABLE_POLICY"

# The sentences the service model documents for each reason, with AWS's curly apostrophes.
_SYSTEM_TAG_MESSAGE = (
    "You specified a tag key that is a system tag. You can\u2019t add, edit, or delete system tag "
    "keys because they're reserved for Amazon Web Services use. System tags don\u2019t count "
    "against your tags per resource limit."
)
_DUPLICATE_KEY_MESSAGE = "Tag keys must be unique among the tags attached to the same entity."
_TAG_LIMIT_MESSAGE = "You have exceeded the number of tags allowed on this resource."
_IMMUTABLE_POLICY_MESSAGE = (
    "You specified a policy that is managed by Amazon Web Services and can't be modified."
)

POLICY_RESOURCE_TYPE = "AWS::Organizations::Policy"
RESOURCE_POLICY_RESOURCE_TYPE = "AWS::Organizations::ResourcePolicy"


@dataclass(frozen=True)
class TaggableResource:
    """A resource that TagResource may name. `aws_managed` marks the shared AWS managed policies."""

    id: str
    arn: str
    resource_type: str
    aws_managed: bool = False


# Rules shared with create operations


def _reject_system_keys(keys: Iterable[str]) -> None:
    if any(key.lower().startswith(SYSTEM_TAG_PREFIX) for key in keys):
        raise InvalidInputException(_SYSTEM_TAG_MESSAGE, Reason=INVALID_SYSTEM_TAGS_PARAMETER)


def _reject_over_limit(count: int) -> None:
    if count > MAX_TAGS_PER_RESOURCE:
        raise ConstraintViolationException(_TAG_LIMIT_MESSAGE, Reason=MAX_TAG_LIMIT_EXCEEDED)


def validate_tags(new_tags: list[dict[str, str]]) -> None:
    """Check the `Tags` of a request as every operation that takes them does.

    Raises InvalidInputException for a reserved `aws:` key or a key given twice, and
    ConstraintViolationException for more than 50 tags.
    """
    keys = [tag["Key"] for tag in new_tags]
    _reject_system_keys(keys)
    if len(set(keys)) != len(keys):
        raise InvalidInputException(_DUPLICATE_KEY_MESSAGE, Reason=DUPLICATE_TAG_KEY)
    _reject_over_limit(len(keys))


def tag_new_resource(
    connection: Connection, resource_id: str, new_tags: list[dict[str, str]] | None
) -> None:
    """Validate and store the `Tags` of a create request for the resource just created.

    Raises the same errors as TagResource. Call it inside the create's transaction, so that a
    rejected tag list also rolls back the resource.
    """
    if not new_tags:
        return
    validate_tags(new_tags)
    connection.execute(
        insert(tags),
        [
            {"resource_id": resource_id, "key": tag["Key"], "value": tag["Value"]}
            for tag in new_tags
        ],
    )


def delete_resource_tags(connection: Connection, resource_id: str) -> None:
    connection.execute(delete(tags).where(tags.c.resource_id == resource_id))


# Store


def _stored_tags(connection: Connection, resource_id: str) -> dict[str, str]:
    rows = connection.execute(
        select(tags.c.key, tags.c.value).where(tags.c.resource_id == resource_id)
    ).all()
    return {row.key: row.value for row in rows}


def _upsert_tags(
    connection: Connection,
    resource_id: str,
    existing: dict[str, str],
    new_tags: list[dict[str, str]],
) -> None:
    for tag in new_tags:
        key, value = tag["Key"], tag["Value"]
        if key not in existing:
            connection.execute(insert(tags).values(resource_id=resource_id, key=key, value=value))
        elif existing[key] != value:
            connection.execute(
                update(tags)
                .where(tags.c.resource_id == resource_id)
                .where(tags.c.key == key)
                .values(value=value)
            )


# Resolving a ResourceId


def find_taggable(
    connection: Connection, view: access.OrganizationView, resource_id: str
) -> TaggableResource:
    """Return the resource of the caller's organization with this id, or raise
    TargetNotFoundException."""
    if resource_id.startswith("p-"):
        return _find_policy(connection, view, resource_id)
    if resource_id.startswith("rp-"):
        return _find_resource_policy(connection, view, resource_id)
    # NOTE: responsibility transfers (`rt-` ids) are not stored as taggable resources yet, so
    # their ids are reported as not found.
    node = find_node(connection, view, resource_id)
    if node is None:
        raise TargetNotFoundException()
    resource_type = {ROOT: ROOT_RESOURCE_TYPE, ACCOUNT: ACCOUNT_RESOURCE_TYPE}.get(
        node.type, OU_RESOURCE_TYPE
    )
    return TaggableResource(node.id, node_arn(view, node), resource_type)


def _find_policy(
    connection: Connection, view: access.OrganizationView, policy_id: str
) -> TaggableResource:
    row = connection.execute(
        select(policies.c.arn, policies.c.organization_id, policies.c.aws_managed).where(
            policies.c.id == policy_id
        )
    ).first()
    if row is None or not (row.aws_managed or row.organization_id == view.id):
        raise TargetNotFoundException()
    return TaggableResource(policy_id, row.arn, POLICY_RESOURCE_TYPE, bool(row.aws_managed))


def _find_resource_policy(
    connection: Connection, view: access.OrganizationView, resource_policy_id: str
) -> TaggableResource:
    row = connection.execute(
        select(resource_policies.c.arn)
        .where(resource_policies.c.id == resource_policy_id)
        .where(resource_policies.c.organization_id == view.id)
    ).first()
    if row is None:
        raise TargetNotFoundException()
    return TaggableResource(resource_policy_id, row.arn, RESOURCE_POLICY_RESOURCE_TYPE)


def _writable_resource(
    context: RequestContext, resource_id: str
) -> tuple[access.OrganizationView, TaggableResource]:
    """Return the caller's organization and the resource when the caller may change its tags.

    The management account may. A member account may when the organization's resource policy
    allows the operation on the resource's ARN. A member that the policy does not allow gets
    AccessDeniedException even for an id that does not exist, so that ids do not leak.
    """
    action = f"organizations:{context.operation}"
    view = access.member_view(context)
    try:
        resource = find_taggable(context.db, view, resource_id)
    except TargetNotFoundException:
        access.resource_policy_view(context, action)
        raise
    access.resource_policy_view(context, action, [resource.arn])
    return view, _immutable_checked(resource)


def _immutable_checked(resource: TaggableResource) -> TaggableResource:
    # Every organization shares the AWS managed policies, so tags on them would leak between
    # organizations. The model's IMMUTABLE_POLICY reason covers changes to those policies.
    if resource.aws_managed:
        raise InvalidInputException(_IMMUTABLE_POLICY_MESSAGE, Reason=IMMUTABLE_POLICY)
    return resource


# Operations


@operation("organizations", "TagResource", read_only=False)
def tag_resource(context: RequestContext, params: Params) -> Result:
    view, resource = _writable_resource(context, params["ResourceId"])
    new_tags: list[dict[str, str]] = params["Tags"]
    validate_tags(new_tags)

    # The lock makes concurrent TagResource calls count a resource's tags one after the other.
    lock_organization(context.db, view.id)
    existing = _stored_tags(context.db, resource.id)
    _reject_over_limit(len(existing.keys() | {tag["Key"] for tag in new_tags}))
    _upsert_tags(context.db, resource.id, existing, new_tags)

    context.audit.resources.append((resource.resource_type, resource.arn))
    return {}


@operation("organizations", "UntagResource", read_only=False)
def untag_resource(context: RequestContext, params: Params) -> Result:
    _, resource = _writable_resource(context, params["ResourceId"])
    keys: list[str] = params["TagKeys"]
    _reject_system_keys(keys)

    # Keys that the resource does not have are skipped without an error.
    context.db.execute(
        delete(tags).where(tags.c.resource_id == resource.id).where(tags.c.key.in_(keys))
    )
    context.audit.resources.append((resource.resource_type, resource.arn))
    return {}


@operation("organizations", "ListTagsForResource", read_only=True)
def list_tags_for_resource(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    resource = find_taggable(context.db, view, params["ResourceId"])

    stored = sorted(_stored_tags(context.db, resource.id).items())
    items: list[dict[str, Any]] = [{"Key": key, "Value": value} for key, value in stored]
    tag_page, token = page(
        context, items, [[key] for key, _ in stored], params, f"tags:{resource.id}"
    )
    return {"Tags": tag_page, "NextToken": token}
