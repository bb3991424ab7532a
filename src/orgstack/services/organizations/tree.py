"""The organization tree: which id is a root, an OU or an account, and where it sits.

Operations: ListChildren, ListParents and MoveAccount. The resolver and the path builder here are
shared by the OU, account and tagging operations.

A path is AWS's `Path`/`Paths` member: the ids from the organization down to the entity, each
followed by `/`, for example `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/111111111111/`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, select, update

from orgstack import ids
from orgstack.services.invalidation import accounts_below
from orgstack.services.organizations import access
from orgstack.services.organizations.errors import (
    AccountNotFoundException,
    ChildNotFoundException,
    DestinationParentNotFoundException,
    DuplicateAccountException,
    ParentNotFoundException,
    SourceParentNotFoundException,
)
from orgstack.services.organizations.locks import lock_organization as lock_organization
from orgstack.services.organizations.pagination import decode_token, page, page_size
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts, organizational_units

log = logging.getLogger("orgstack.organizations")

ROOT = "ROOT"
ORGANIZATIONAL_UNIT = "ORGANIZATIONAL_UNIT"
ACCOUNT = "ACCOUNT"

ACCOUNT_RESOURCE_TYPE = "AWS::Organizations::Account"
OU_RESOURCE_TYPE = "AWS::Organizations::OrganizationalUnit"
ROOT_RESOURCE_TYPE = "AWS::Organizations::Root"


@dataclass(frozen=True)
class Node:
    """A root, OU or account of the caller's organization.

    `parent_id` is None for the root. `depth` counts levels below the root, so it is 0 for the root
    and 1 for an OU directly under it. Accounts carry 0 because no rule depends on their depth.
    """

    id: str
    type: str
    parent_id: str | None
    depth: int

    @property
    def is_container(self) -> bool:
        return self.type in (ROOT, ORGANIZATIONAL_UNIT)


# Resolver


def find_node(
    connection: Connection, view: access.OrganizationView, node_id: str, lock: bool = False
) -> Node | None:
    """Return the root, OU or account with this id, or None when the caller's organization has none.

    With `lock`, an OU or account row stays locked (FOR UPDATE on PostgreSQL) until the
    transaction ends, so that a concurrent DeleteOrganizationalUnit cannot remove a parent that this
    transaction is filling. SQLite serializes writers, so it needs no row lock.
    """
    if node_id.startswith("r-"):
        return Node(view.root_id, ROOT, None, 0) if node_id == view.root_id else None
    if node_id.startswith("ou-"):
        return _find_ou_node(connection, view.id, node_id, lock)
    if node_id.isdigit():
        return _find_account_node(connection, view.id, node_id, lock)
    return None


# Built once: nearly every call that names an OU or account looks it up.
_FIND_OU = (
    select(organizational_units.c.parent_id, organizational_units.c.depth)
    .where(organizational_units.c.id == bindparam("node_id"))
    .where(organizational_units.c.organization_id == bindparam("organization_id"))
)
_FIND_ACCOUNT = (
    select(accounts.c.parent_id)
    .where(accounts.c.id == bindparam("node_id"))
    .where(accounts.c.organization_id == bindparam("organization_id"))
)
_FIND_OU_LOCKED = _FIND_OU.with_for_update()
_FIND_ACCOUNT_LOCKED = _FIND_ACCOUNT.with_for_update()


def _find_row(
    connection: Connection, statement: Select[Any], organization_id: str, node_id: str
) -> Row[Any] | None:
    return connection.execute(
        statement, {"node_id": node_id, "organization_id": organization_id}
    ).first()


def _find_ou_node(
    connection: Connection, organization_id: str, ou_id: str, lock: bool
) -> Node | None:
    statement = _FIND_OU_LOCKED if lock else _FIND_OU
    row = _find_row(connection, statement, organization_id, ou_id)
    if row is None:
        return None
    return Node(ou_id, ORGANIZATIONAL_UNIT, row.parent_id, row.depth)


def _find_account_node(
    connection: Connection, organization_id: str, account_id: str, lock: bool
) -> Node | None:
    statement = _FIND_ACCOUNT_LOCKED if lock else _FIND_ACCOUNT
    row = _find_row(connection, statement, organization_id, account_id)
    if row is None:
        return None
    return Node(account_id, ACCOUNT, row.parent_id, 0)


def find_container(
    connection: Connection, view: access.OrganizationView, node_id: str, lock: bool = False
) -> Node | None:
    """Return the root or OU with this id in the caller's organization, else None."""
    node = find_node(connection, view, node_id, lock)
    if node is None or not node.is_container:
        return None
    return node


def require_parent(context: RequestContext, view: access.OrganizationView, parent_id: str) -> Node:
    """Return the root or OU named by a `ParentId`, or raise ParentNotFoundException."""
    node = find_container(context.db, view, parent_id)
    if node is None:
        raise ParentNotFoundException()
    return node


def node_arn(view: access.OrganizationView, node: Node) -> str:
    if node.type == ROOT:
        return ids.root_arn(view.management_account_id, view.id, node.id)
    if node.type == ORGANIZATIONAL_UNIT:
        return ids.ou_arn(view.management_account_id, view.id, node.id)
    return ids.account_arn(view.management_account_id, view.id, node.id)


# Paths


def container_paths(
    connection: Connection,
    view: access.OrganizationView,
    containers: Iterable[str] | None = None,
) -> dict[str, str]:
    """Map the root and the OUs in `containers` (every OU when None) to their paths, in one query.

    The map also contains every OU above the ones requested. A page of results passes the parents
    of its items only, so its cost grows with the depth of the tree, not with its number of OUs.
    """
    if containers is None:
        query = select(organizational_units.c.id, organizational_units.c.parent_id).where(
            organizational_units.c.organization_id == view.id
        )
        rows = connection.execute(query).all()
    else:
        wanted = sorted(set(containers) - {view.root_id})
        rows = connection.execute(_ancestors_query(view.id, wanted)).all() if wanted else []
    parents = {row.id: row.parent_id for row in rows}
    paths = {view.root_id: f"{view.id}/{view.root_id}/"}
    for ou_id in parents:
        _path_of(ou_id, parents, paths)
    return paths


def _ancestors_query(organization_id: str, ou_ids: list[str]) -> Select[Any]:
    """Select the id and parent of each OU in `ou_ids` and of every OU above them."""
    units = organizational_units
    chain = (
        select(units.c.id, units.c.parent_id)
        .where(units.c.organization_id == organization_id)
        .where(units.c.id.in_(ou_ids))
        .cte("chain", recursive=True)
    )
    above = select(units.c.id, units.c.parent_id).join(chain, units.c.id == chain.c.parent_id)
    chain = chain.union(above)
    return select(chain.c.id, chain.c.parent_id)


def _path_of(ou_id: str, parents: dict[str, str], paths: dict[str, str]) -> str:
    # Walk up to the nearest container whose path is known, then fill the chain on the way down.
    chain: list[str] = []
    current = ou_id
    while current not in paths:
        chain.append(current)
        current = parents[current]
    for container in reversed(chain):
        paths[container] = f"{paths[current]}{container}/"
        current = container
    return paths[ou_id]


def account_path(paths: dict[str, str], parent_id: str, account_id: str) -> str:
    return f"{paths[parent_id]}{account_id}/"


# Keyset pagination in SQL


def sql_page(
    context: RequestContext,
    params: Params,
    scope: str,
    fetch: Callable[[str | None, int], Sequence[Row[Any]]],
) -> tuple[list[Row[Any]], str | None]:
    """Return one page of rows ordered by their `id` column, and the next token.

    `fetch(after, limit)` runs the query for rows whose id is greater than `after` (all rows when
    None), ordered by id and limited to `limit`. Only one page (plus one row, to know whether
    another page follows) is ever read, however long the list is.
    """
    after = decode_token(context, scope, params.get("NextToken"))
    start = str(after[0]) if after else None
    rows = fetch(start, page_size(params) + 1)
    return page(context, rows, [[row.id] for row in rows], params, scope)


# Operations


def _children_fetch(
    connection: Connection, view: access.OrganizationView, parent_id: str, child_type: str
) -> Callable[[str | None, int], Sequence[Row[Any]]]:
    table = accounts if child_type == ACCOUNT else organizational_units

    def fetch(after: str | None, limit: int) -> Sequence[Row[Any]]:
        query = (
            select(table.c.id)
            .where(table.c.organization_id == view.id)
            .where(table.c.parent_id == parent_id)
            .order_by(table.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(table.c.id > after)
        return connection.execute(query).all()

    return fetch


@operation("organizations", "ListChildren", read_only=True)
def list_children(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    parent = require_parent(context, view, params["ParentId"])
    child_type = params["ChildType"]

    fetch = _children_fetch(context.db, view, parent.id, child_type)
    rows, token = sql_page(context, params, f"children:{parent.id}:{child_type}", fetch)
    return {"Children": [{"Id": row.id, "Type": child_type} for row in rows], "NextToken": token}


@operation("organizations", "ListParents", read_only=True)
def list_parents(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    child = find_node(context.db, view, params["ChildId"])
    if child is None or child.parent_id is None:
        raise ChildNotFoundException()

    parent_type = ROOT if child.parent_id == view.root_id else ORGANIZATIONAL_UNIT
    # A child has exactly one parent, so the list never needs a second page.
    items, token = page(
        context,
        [{"Id": child.parent_id, "Type": parent_type}],
        [[child.parent_id]],
        params,
        f"parents:{child.id}",
    )
    return {"Parents": items, "NextToken": token}


@operation("organizations", "MoveAccount", read_only=False)
def move_account(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    account_id = params["AccountId"]
    source_id = params["SourceParentId"]
    destination_id = params["DestinationParentId"]

    account = find_node(context.db, view, account_id, lock=True)
    if account is None or account.type != ACCOUNT:
        raise AccountNotFoundException()
    source = find_container(context.db, view, source_id)
    # AWS documents no separate error for a source that exists but does not contain the account,
    # so orgstack reports it as a source parent that cannot be found.
    if source is None or source.id != account.parent_id:
        raise SourceParentNotFoundException()
    destination = find_container(context.db, view, destination_id, lock=True)
    if destination is None:
        raise DestinationParentNotFoundException()
    if destination.id == account.parent_id:
        raise DuplicateAccountException()

    context.db.execute(
        update(accounts).where(accounts.c.id == account.id).values(parent_id=destination.id)
    )
    context.audit.resources.append((ACCOUNT_RESOURCE_TYPE, node_arn(view, account)))
    # The move changes the account's path and the SCP and RCP levels above it, and nothing else.
    context.invalidation = accounts_below(account.id)
    log.info(
        "moved account account_id=%s source=%s destination=%s",
        account.id,
        source.id,
        destination.id,
    )
    return {}
