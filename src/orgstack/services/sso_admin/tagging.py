"""TagResource, UntagResource and ListTagsForResource on permission sets and instances.

A permission set's tags are one `sso_resources` row of kind `tags`; an instance's tags stay in
its settings, where CreateInstance puts them.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import (
    access,
    application_store,
    permission_set_store,
    resources,
)
from orgstack.services.sso_admin.errors import (
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from orgstack.store.schema_identity import sso_resources

# NOTE: 50 tags per resource is the common AWS tagging quota; the Identity Center quota was not
# checked against its documentation.
MAX_TAGS = 50
TAG_QUOTA_MESSAGE = "The number of tags on the resource exceeds the quota of 50."
INSTANCE_MARKER = ":instance/"

Tag = dict[str, str]


def tags_of(connection: Connection, resource_arn: str) -> list[Tag]:
    """Return the stored tags of a permission set, in the order they were first added."""
    row = connection.execute(
        select(sso_resources.c.record_json).where(
            sso_resources.c.resource_arn == resource_arn,
            sso_resources.c.kind == permission_set_store.TAGS_KIND,
        )
    ).first()
    if row is None:
        return []
    tags: list[Tag] = orjson.loads(row.record_json)
    return tags


def save_tags(
    connection: Connection,
    resource_arn: str,
    instance_arn: str,
    tags: list[Tag],
    now: dt.datetime,
) -> None:
    """Replace the stored tags of a permission set."""
    connection.execute(
        delete(sso_resources).where(
            sso_resources.c.resource_arn == resource_arn,
            sso_resources.c.kind == permission_set_store.TAGS_KIND,
        )
    )
    if not tags:
        return
    connection.execute(
        sso_resources.insert().values(
            resource_arn=resource_arn,
            kind=permission_set_store.TAGS_KIND,
            instance_arn=instance_arn,
            record_json=orjson.dumps(tags).decode(),
            created_at=now,
            updated_at=now,
        )
    )


def merged(existing: list[Tag], added: list[Tag]) -> list[Tag]:
    """Return `existing` with `added` applied: a repeated key takes the new value."""
    values = {tag["Key"]: tag["Value"] for tag in existing}
    for tag in added:
        values[tag["Key"]] = tag["Value"]
    if len(values) > MAX_TAGS:
        raise ServiceQuotaExceededException(TAG_QUOTA_MESSAGE)
    return [{"Key": key, "Value": value} for key, value in values.items()]


def _resource_instance(context: RequestContext, params: Params) -> Instance:
    """Return the instance that owns the resource, checking the caller may administer it."""
    resource_arn: str = params["ResourceArn"]
    if INSTANCE_MARKER in resource_arn:
        return access.administered_instance(context, resource_arn)
    instance_arn = params.get("InstanceArn") or _instance_arn_of(resource_arn)
    instance = access.administered_instance(context, instance_arn)
    if ":permissionSet/" in resource_arn:
        access.require_permission_set(context, instance, resource_arn)
        return instance
    kind = _stored_kind(resource_arn)
    found = kind and application_store.find(context.db, kind, resource_arn)
    if not found or found.instance_arn != instance.instance_arn:
        raise ResourceNotFoundException(f"Resource {resource_arn} not found.")
    return instance


def _stored_kind(resource_arn: str) -> str | None:
    """Return the `sso_resources` kind of an application or trusted token issuer ARN."""
    if ":application/" in resource_arn:
        return application_store.APPLICATION
    if ":trustedTokenIssuer/" in resource_arn:
        return application_store.TRUSTED_TOKEN_ISSUER
    return None


def _instance_arn_of(resource_arn: str) -> str:
    """Return the instance ARN that a resource ARN embeds (`…/ssoins-…/ps-…`, `…/apl-…`)."""
    parts = resource_arn.split("/")
    instance_id = parts[1] if len(parts) > 2 else ""
    return f"arn:aws:sso:::instance/{instance_id}"


def _read(context: RequestContext, instance: Instance, resource_arn: str) -> list[Tag]:
    if resource_arn == instance.instance_arn:
        return list(instance.settings.get("tags") or [])
    return tags_of(context.db, resource_arn)


def _write(context: RequestContext, instance: Instance, resource_arn: str, tags: list[Tag]) -> None:
    if resource_arn == instance.instance_arn:
        settings = {**instance.settings, "tags": tags}
        identity_center.save_instance(context.db, dataclasses.replace(instance, settings=settings))
        return
    save_tags(context.db, resource_arn, instance.instance_arn, tags, context.now())


@operation("sso-admin", "TagResource", read_only=False, resources=resources.tagged_resource)
def tag_resource(context: RequestContext, params: Params) -> Result:
    instance = _resource_instance(context, params)
    resource_arn = params["ResourceArn"]
    tags = merged(_read(context, instance, resource_arn), params["Tags"])
    _write(context, instance, resource_arn, tags)
    return {}


@operation("sso-admin", "UntagResource", read_only=False, resources=resources.tagged_resource)
def untag_resource(context: RequestContext, params: Params) -> Result:
    instance = _resource_instance(context, params)
    resource_arn = params["ResourceArn"]
    removed = set(params["TagKeys"])
    remaining = [tag for tag in _read(context, instance, resource_arn) if tag["Key"] not in removed]
    _write(context, instance, resource_arn, remaining)
    return {}


@operation("sso-admin", "ListTagsForResource", read_only=True, resources=resources.tagged_resource)
def list_tags_for_resource(context: RequestContext, params: Params) -> Result:
    instance = _resource_instance(context, params)
    resource_arn = params["ResourceArn"]
    tags = _read(context, instance, resource_arn)
    scope = ("ListTagsForResource", resource_arn)
    selected, token = access.page(context, params, scope, tags, lambda tag: tag["Key"])
    result: dict[str, Any] = {"Tags": selected}
    return access.with_token(result, token)
