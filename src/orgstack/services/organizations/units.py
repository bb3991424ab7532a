"""Organizational units: CreateOrganizationalUnit, UpdateOrganizationalUnit,
DeleteOrganizationalUnit, DescribeOrganizationalUnit, ListOrganizationalUnitsForParent.

AWS's rules come from the Organizations quotas page and the API reference. OUs nest at most five
levels under the root, and an organization contains at most 2,000 OUs. OU names are unique among
the children of one parent, but the same name may appear under different parents.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from orgstack import ids
from orgstack.services.invalidation import NOTHING
from orgstack.services.organizations import access
from orgstack.services.organizations.attachments import attach_defaults
from orgstack.services.organizations.errors import (
    ConstraintViolationException,
    DuplicateOrganizationalUnitException,
    OrganizationalUnitNotEmptyException,
    OrganizationalUnitNotFoundException,
    ParentNotFoundException,
)
from orgstack.services.organizations.tagging import (
    delete_resource_tags,
    tag_new_resource,
    validate_tags,
)
from orgstack.services.organizations.tree import (
    ORGANIZATIONAL_UNIT,
    OU_RESOURCE_TYPE,
    container_paths,
    find_container,
    lock_organization,
    require_parent,
    sql_page,
)
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts, organizational_units, policy_attachments

log = logging.getLogger("orgstack.organizations")

MAX_OU_DEPTH = 5
MAX_OUS_PER_ORGANIZATION = 2000

OU_DEPTH_LIMIT_EXCEEDED = "OU_DEPTH_LIMIT_EXCEEDED"
OU_NUMBER_LIMIT_EXCEEDED = "OU_NUMBER_LIMIT_EXCEEDED"

# The sentences the service model documents for each reason.
_DEPTH_MESSAGE = "You attempted to create an OU tree that is too many levels deep."
_NUMBER_MESSAGE = "You attempted to exceed the number of OUs that you can have in an organization."
# The full sentence of the model's OrganizationalUnitNotEmptyException documentation.
_NOT_EMPTY_MESSAGE = (
    "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all "
    "child OUs, and try the operation again."
)


def ou_record(
    view: access.OrganizationView, row: Row[Any], paths: dict[str, str]
) -> dict[str, Any]:
    """Return AWS's `OrganizationalUnit` structure for a row with `id` and `name`."""
    return {
        "Id": row.id,
        "Arn": ids.ou_arn(view.management_account_id, view.id, row.id),
        "Name": row.name,
        "Path": paths.get(row.id),
    }


# Store

_OU_COLUMNS: tuple[Any, ...] = (
    organizational_units.c.id,
    organizational_units.c.name,
    organizational_units.c.parent_id,
)


# Built once, because creating and describing OUs run them on every call.
_FIND_OU = (
    select(*_OU_COLUMNS)
    .where(organizational_units.c.id == bindparam("ou_id"))
    .where(organizational_units.c.organization_id == bindparam("organization_id"))
)
_FIND_OU_LOCKED = _FIND_OU.with_for_update()
_NAME_TAKEN = (
    select(organizational_units.c.id)
    .where(organizational_units.c.parent_id == bindparam("parent_id"))
    .where(organizational_units.c.name == bindparam("name"))
)
_COUNT_OUS = (
    select(func.count())
    .select_from(organizational_units)
    .where(organizational_units.c.organization_id == bindparam("organization_id"))
)
_INSERT_OU = insert(organizational_units)


def _find_ou_row(
    connection: Connection, view: access.OrganizationView, ou_id: str, lock: bool = False
) -> Row[Any] | None:
    statement = _FIND_OU_LOCKED if lock else _FIND_OU
    return connection.execute(statement, {"ou_id": ou_id, "organization_id": view.id}).first()


def _require_ou(
    context: RequestContext, view: access.OrganizationView, ou_id: str, lock: bool = False
) -> Row[Any]:
    row = _find_ou_row(context.db, view, ou_id, lock)
    if row is None:
        raise OrganizationalUnitNotFoundException()
    return row


def _name_taken(connection: Connection, parent_id: str, name: str) -> bool:
    found = connection.execute(_NAME_TAKEN, {"parent_id": parent_id, "name": name}).first()
    return found is not None


def _count_ous(connection: Connection, organization_id: str) -> int:
    count = connection.execute(_COUNT_OUS, {"organization_id": organization_id}).scalar_one()
    return int(count)


def _has_children(connection: Connection, ou_id: str) -> bool:
    child_ou = exists().where(organizational_units.c.parent_id == ou_id)
    child_account = exists().where(accounts.c.parent_id == ou_id)
    return bool(connection.execute(select(child_ou | child_account)).scalar())


def _insert_ou(context: RequestContext, row: dict[str, Any]) -> None:
    try:
        context.db.execute(_INSERT_OU, row)
    except IntegrityError:
        # A concurrent request created the same name under the same parent after the check above,
        # so the unique constraint on (parent_id, name) decides.
        raise DuplicateOrganizationalUnitException() from None


# Operations


def _check_new_ou(
    context: RequestContext, view: access.OrganizationView, parent_depth: int
) -> None:
    if parent_depth + 1 > MAX_OU_DEPTH:
        raise ConstraintViolationException(_DEPTH_MESSAGE, Reason=OU_DEPTH_LIMIT_EXCEEDED)
    if _count_ous(context.db, view.id) >= MAX_OUS_PER_ORGANIZATION:
        raise ConstraintViolationException(_NUMBER_MESSAGE, Reason=OU_NUMBER_LIMIT_EXCEEDED)


@operation("organizations", "CreateOrganizationalUnit", read_only=False)
def create_organizational_unit(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    name: str = params["Name"]
    new_tags = params.get("Tags")
    if new_tags:
        validate_tags(new_tags)

    # The organization row lock makes concurrent creates count the OU quota one after the other.
    # The parent OU lock keeps a concurrent DeleteOrganizationalUnit from removing the parent.
    lock_organization(context.db, view.id)
    parent = find_container(context.db, view, params["ParentId"], lock=True)
    if parent is None:
        raise ParentNotFoundException()
    _check_new_ou(context, view, parent.depth)
    if _name_taken(context.db, parent.id, name):
        raise DuplicateOrganizationalUnitException()

    now = context.now()
    ou_id = ids.organizational_unit_id(view.root_id)
    arn = ids.ou_arn(view.management_account_id, view.id, ou_id)
    _insert_ou(
        context,
        {
            "id": ou_id,
            "organization_id": view.id,
            "parent_id": parent.id,
            "name": name,
            "arn": arn,
            "depth": parent.depth + 1,
            "created_at": now,
        },
    )
    attach_defaults(context.db, view.root_id, ou_id, ORGANIZATIONAL_UNIT, view.id, now)
    tag_new_resource(context.db, ou_id, new_tags)
    # No account is below a new OU yet, so no account's policy layers change.
    context.invalidation = NOTHING

    context.audit.resources.append((OU_RESOURCE_TYPE, arn))
    log.info("created organizational unit ou_id=%s parent_id=%s", ou_id, parent.id)
    row = _require_ou(context, view, ou_id)
    return {"OrganizationalUnit": ou_record(view, row, container_paths(context.db, view, [ou_id]))}


@operation("organizations", "UpdateOrganizationalUnit", read_only=False)
def update_organizational_unit(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    row = _require_ou(context, view, params["OrganizationalUnitId"], lock=True)
    name: str | None = params.get("Name")

    # Without a Name, or with the current one, nothing changes and the OU is returned as it is.
    if name is not None and name != row.name:
        if _name_taken(context.db, row.parent_id, name):
            raise DuplicateOrganizationalUnitException()
        try:
            context.db.execute(
                update(organizational_units)
                .where(organizational_units.c.id == row.id)
                .values(name=name)
            )
        except IntegrityError:
            raise DuplicateOrganizationalUnitException() from None
        row = _require_ou(context, view, row.id)

    record = ou_record(view, row, container_paths(context.db, view, [row.id]))
    context.audit.resources.append((OU_RESOURCE_TYPE, record["Arn"]))
    # Authorization reads OU ids (in ARNs and aws:PrincipalOrgPaths), never OU names.
    context.invalidation = NOTHING
    return {"OrganizationalUnit": record}


@operation("organizations", "DeleteOrganizationalUnit", read_only=False)
def delete_organizational_unit(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    # The lock makes a concurrent create or move into this OU wait, so the emptiness check holds.
    row = _require_ou(context, view, params["OrganizationalUnitId"], lock=True)
    if _has_children(context.db, row.id):
        raise OrganizationalUnitNotEmptyException(_NOT_EMPTY_MESSAGE)

    context.db.execute(delete(policy_attachments).where(policy_attachments.c.target_id == row.id))
    delete_resource_tags(context.db, row.id)
    context.db.execute(delete(organizational_units).where(organizational_units.c.id == row.id))

    context.audit.resources.append(
        (OU_RESOURCE_TYPE, ids.ou_arn(view.management_account_id, view.id, row.id))
    )
    log.info("deleted organizational unit ou_id=%s", row.id)
    return {}


@operation("organizations", "DescribeOrganizationalUnit", read_only=True)
def describe_organizational_unit(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    row = _require_ou(context, view, params["OrganizationalUnitId"])

    record = ou_record(view, row, container_paths(context.db, view, [row.id]))
    context.audit.resources.append((OU_RESOURCE_TYPE, record["Arn"]))
    return {"OrganizationalUnit": record}


@operation("organizations", "ListOrganizationalUnitsForParent", read_only=True)
def list_organizational_units_for_parent(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    parent = require_parent(context, view, params["ParentId"])

    def fetch(after: str | None, limit: int) -> Sequence[Row[Any]]:
        query = (
            select(*_OU_COLUMNS)
            .where(organizational_units.c.organization_id == view.id)
            .where(organizational_units.c.parent_id == parent.id)
            .order_by(organizational_units.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(organizational_units.c.id > after)
        return context.db.execute(query).all()

    rows, token = sql_page(context, params, f"ous-for-parent:{parent.id}", fetch)
    paths = container_paths(context.db, view, [row.id for row in rows])
    return {
        "OrganizationalUnits": [ou_record(view, row, paths) for row in rows],
        "NextToken": token,
    }
