"""Attributes for access control: Create, Describe, Update and
DeleteInstanceAccessControlAttributeConfiguration.

The configuration maps session tag keys to identity store attributes (such as
`${path:enterprise.department}`). It is stored whole, one `sso_resources` row per instance, and
the access portal turns it into session tags on the credentials it issues.
Shapes and errors follow botocore's sso-admin model (2020-07-20).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, delete, select, update

from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import access, resources
from orgstack.services.sso_admin.errors import ConflictException, ResourceNotFoundException
from orgstack.store.schema_identity import sso_resources

KIND = "access-control-attributes"
ENABLED = "ENABLED"
# NOTE: AWS does not document these messages; each states the rule that failed.
EXISTS_MESSAGE = "An attribute-based access control configuration already exists for the instance."
MISSING_MESSAGE = "No attribute-based access control configuration exists for the instance."
DUPLICATE_KEY_MESSAGE = "Access control attribute keys must be unique: {key} is repeated."


def stored(connection: Connection, instance_arn: str) -> dict[str, Any] | None:
    """Return the instance's configuration, or None when it has none."""
    row = connection.execute(
        select(sso_resources.c.record_json).where(
            sso_resources.c.resource_arn == instance_arn, sso_resources.c.kind == KIND
        )
    ).first()
    if row is None:
        return None
    configuration: dict[str, Any] = orjson.loads(row.record_json)
    return configuration


def _checked(params: Params) -> dict[str, Any]:
    configuration: dict[str, Any] = params["InstanceAccessControlAttributeConfiguration"]
    seen: set[str] = set()
    for attribute in configuration.get("AccessControlAttributes", []):
        key = attribute["Key"]
        if key in seen:
            raise ValidationException(DUPLICATE_KEY_MESSAGE.format(key=key))
        seen.add(key)
    return {"AccessControlAttributes": configuration.get("AccessControlAttributes", [])}


def _require(context: RequestContext, instance: Instance) -> dict[str, Any]:
    configuration = stored(context.db, instance.instance_arn)
    if configuration is None:
        raise ResourceNotFoundException(MISSING_MESSAGE)
    return configuration


@operation(
    "sso-admin",
    "CreateInstanceAccessControlAttributeConfiguration",
    read_only=False,
    resources=resources.instance,
)
def create_configuration(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    configuration = _checked(params)
    if stored(context.db, instance.instance_arn) is not None:
        raise ConflictException(EXISTS_MESSAGE)
    now = context.now()
    context.db.execute(
        sso_resources.insert().values(
            resource_arn=instance.instance_arn,
            kind=KIND,
            instance_arn=instance.instance_arn,
            record_json=orjson.dumps(configuration).decode(),
            created_at=now,
            updated_at=now,
        )
    )
    return {}


@operation(
    "sso-admin",
    "DescribeInstanceAccessControlAttributeConfiguration",
    read_only=True,
    resources=resources.instance,
)
def describe_configuration(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    configuration = _require(context, instance)
    return {"Status": ENABLED, "InstanceAccessControlAttributeConfiguration": configuration}


@operation(
    "sso-admin",
    "UpdateInstanceAccessControlAttributeConfiguration",
    read_only=False,
    resources=resources.instance,
)
def update_configuration(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    configuration = _checked(params)
    _require(context, instance)
    context.db.execute(
        update(sso_resources)
        .where(sso_resources.c.resource_arn == instance.instance_arn, sso_resources.c.kind == KIND)
        .values(record_json=orjson.dumps(configuration).decode(), updated_at=context.now())
    )
    return {}


@operation(
    "sso-admin",
    "DeleteInstanceAccessControlAttributeConfiguration",
    read_only=False,
    resources=resources.instance,
)
def delete_configuration(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    _require(context, instance)
    context.db.execute(
        delete(sso_resources).where(
            sso_resources.c.resource_arn == instance.instance_arn, sso_resources.c.kind == KIND
        )
    )
    return {}
