"""sso-admin Regions of an instance: AddRegion, DescribeRegion, ListRegions and RemoveRegion.

Every instance has its primary Region, where it was enabled, which cannot be removed. Each added
Region is one `sso_resources` row keyed `<instance ARN>/region/<name>`. AWS adds and removes a
Region in an asynchronous workflow (status ADDING or REMOVING meanwhile). Shapes and errors follow
botocore's sso-admin model (2020-07-20) and the API reference pages of the same names.

NOTE: orgstack serves every Region from one store, so the workflows finish at once. AddRegion
returns ADDING and the Region reads ACTIVE from the next call on; RemoveRegion returns REMOVING
and the Region is gone from the next call on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from orgstack.identity_center import Instance
from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_admin import access, application_store, resources
from orgstack.services.sso_admin.errors import ConflictException, ResourceNotFoundException

ACTIVE = "ACTIVE"
ADDING = "ADDING"
REMOVING = "REMOVING"
DEFAULT_PRIMARY_REGION = "us-east-1"
# AWS does not document these messages, so each states the rule from the API reference.
ALREADY_ADDED_MESSAGE = "The Region {region} is already enabled for this instance."
NOT_ADDED_MESSAGE = "The Region {region} is not enabled for this instance."
PRIMARY_MESSAGE = "The primary Region {region} cannot be removed."
PRIMARY_ONLY_MESSAGE = "This request must be made from the primary Region {region}."


def primary_region(instance: Instance) -> str:
    return str(instance.settings.get("primary_region") or DEFAULT_PRIMARY_REGION)


def _key(instance: Instance, region: str) -> str:
    return f"{instance.instance_arn}/region/{region}"


def _primary_view(instance: Instance) -> dict[str, Any]:
    return _view(primary_region(instance), instance.created_at, True)


def _view(region: str, added: dt.datetime, primary: bool) -> dict[str, Any]:
    return {"RegionName": region, "Status": ACTIVE, "AddedDate": added, "IsPrimaryRegion": primary}


def region_views(connection: Connection, instance: Instance) -> list[dict[str, Any]]:
    """Return the RegionMetadata of the primary Region and of every added Region."""
    added = application_store.in_instance(
        connection, application_store.REGION, instance.instance_arn
    )
    views = [_view(item.record["RegionName"], item.created_at, False) for item in added]
    views.sort(key=lambda view: str(view["RegionName"]))
    return [_primary_view(instance), *views]


def _regions(context: RequestContext, instance: Instance) -> list[dict[str, Any]]:
    return region_views(context.db, instance)


def _from_primary(context: RequestContext, instance: Instance) -> None:
    primary = primary_region(instance)
    if context.region != primary:
        raise ValidationException(PRIMARY_ONLY_MESSAGE.format(region=primary))


@operation("sso-admin", "AddRegion", read_only=False, resources=resources.instance)
def add_region(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    _from_primary(context, instance)
    region = params["RegionName"]
    stored = application_store.find(context.db, application_store.REGION, _key(instance, region))
    if region == primary_region(instance) or stored is not None:
        raise ConflictException(ALREADY_ADDED_MESSAGE.format(region=region))
    application_store.insert(
        context.db,
        application_store.REGION,
        _key(instance, region),
        instance.instance_arn,
        {"RegionName": region},
        context.now(),
    )
    return {"Status": ADDING}


@operation("sso-admin", "DescribeRegion", read_only=True, resources=resources.instance)
def describe_region(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    region = params["RegionName"]
    for view in _regions(context, instance):
        if view["RegionName"] == region:
            return view
    raise ResourceNotFoundException(NOT_ADDED_MESSAGE.format(region=region))


@operation("sso-admin", "ListRegions", read_only=True, resources=resources.instance)
def list_regions(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    views = _regions(context, instance)
    scope = ("ListRegions", instance.instance_arn)
    selected, token = access.page(context, params, scope, views, lambda view: view["RegionName"])
    return access.with_token({"Regions": selected}, token)


@operation("sso-admin", "RemoveRegion", read_only=False, resources=resources.instance)
def remove_region(context: RequestContext, params: Params) -> Result:
    instance = access.administered_instance(context, params["InstanceArn"])
    _from_primary(context, instance)
    region = params["RegionName"]
    if region == primary_region(instance):
        raise ValidationException(PRIMARY_MESSAGE.format(region=region))
    key = _key(instance, region)
    if application_store.find(context.db, application_store.REGION, key) is None:
        raise ResourceNotFoundException(NOT_ADDED_MESSAGE.format(region=region))
    application_store.remove(context.db, application_store.REGION, key)
    return {"Status": REMOVING}
