"""The organization's resource policy: PutResourcePolicy, DescribeResourcePolicy and
DeleteResourcePolicy. `access.resource_policy_view` enforces it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, insert, select, update

from orgstack import ids
from orgstack.services.organizations import access
from orgstack.services.organizations.errors import ResourcePolicyNotFoundException
from orgstack.services.organizations.handshake_store import lock_organization
from orgstack.services.organizations.invitations import apply_tags
from orgstack.services.organizations.resource_policy_document import parse
from orgstack.services.organizations.tagging import validate_tags
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import resource_policies, tags

log = logging.getLogger("orgstack.organizations")

AUDIT_TYPE = "AWS::Organizations::ResourcePolicy"


def _stored(context: RequestContext, organization_id: str) -> Any:
    return context.db.execute(
        select(resource_policies).where(resource_policies.c.organization_id == organization_id)
    ).first()


def _record(row: Any) -> dict[str, Any]:
    return {
        "ResourcePolicy": {
            "ResourcePolicySummary": {"Id": row.id, "Arn": row.arn},
            "Content": row.content,
        }
    }


@operation("organizations", "PutResourcePolicy", read_only=False)
def put_resource_policy(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    content = params["Content"]
    parse(content)
    tag_list = params.get("Tags") or []
    validate_tags(tag_list)
    lock_organization(context.db, view.id)

    existing = _stored(context, view.id)
    if existing is None:
        policy_id = ids.resource_policy_id()
        context.db.execute(
            insert(resource_policies).values(
                organization_id=view.id,
                id=policy_id,
                arn=ids.resource_policy_arn(view.management_account_id, view.id, policy_id),
                content=content,
            )
        )
    else:
        policy_id = existing.id
        context.db.execute(
            update(resource_policies)
            .where(resource_policies.c.organization_id == view.id)
            .values(content=content)
        )
    apply_tags(context.db, policy_id, tag_list)

    row = _stored(context, view.id)
    log.info("stored resource policy organization_id=%s policy_id=%s", view.id, policy_id)
    context.audit.resources.append((AUDIT_TYPE, row.arn))
    return _record(row)


@operation("organizations", "DescribeResourcePolicy", read_only=True)
def describe_resource_policy(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    row = _stored(context, view.id)
    if row is None:
        raise ResourcePolicyNotFoundException()
    return _record(row)


@operation("organizations", "DeleteResourcePolicy", read_only=False)
def delete_resource_policy(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    row = _stored(context, view.id)
    if row is None:
        raise ResourcePolicyNotFoundException()

    context.db.execute(
        delete(resource_policies).where(resource_policies.c.organization_id == view.id)
    )
    context.db.execute(delete(tags).where(tags.c.resource_id == row.id))
    log.info("deleted resource policy organization_id=%s", view.id)
    context.audit.resources.append((AUDIT_TYPE, row.arn))
    return {}
