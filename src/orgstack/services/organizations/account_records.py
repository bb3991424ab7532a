"""Accounts as the organization reports them: DescribeAccount, ListAccounts, ListAccountsForParent.

Every operation returns AWS's `Account` structure. ListAccounts reads one page at a time in SQL
(keyset on the account id) and builds paths from one query of the organization's OUs, so its cost
does not grow with the number of accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from orgstack import ids
from orgstack.services.organizations import access
from orgstack.services.organizations.errors import AccountNotFoundException
from orgstack.services.organizations.tree import (
    ACCOUNT_RESOURCE_TYPE,
    account_path,
    container_paths,
    require_parent,
    sql_page,
)
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts

_ACCOUNT_COLUMNS = (
    accounts.c.id,
    accounts.c.email,
    accounts.c.name,
    accounts.c.status,
    accounts.c.state,
    accounts.c.parent_id,
    accounts.c.joined_method,
    accounts.c.joined_at,
)


def account_record(
    view: access.OrganizationView, row: Row[Any], paths: dict[str, str]
) -> dict[str, Any]:
    """Return the `Account` structure of a row selected with `_ACCOUNT_COLUMNS`."""
    return {
        "Id": row.id,
        "Arn": ids.account_arn(view.management_account_id, view.id, row.id),
        "Email": row.email,
        "Name": row.name,
        "Status": row.status,
        "State": row.state,
        "Paths": [account_path(paths, row.parent_id, row.id)] if row.parent_id in paths else [],
        "JoinedMethod": row.joined_method,
        "JoinedTimestamp": row.joined_at,
    }


def _organization_accounts(view: access.OrganizationView) -> Select[Any]:
    return select(*_ACCOUNT_COLUMNS).where(accounts.c.organization_id == view.id)


def _fetch_page(
    connection: Connection, query: Select[Any], after: str | None, limit: int
) -> Sequence[Row[Any]]:
    if after is not None:
        query = query.where(accounts.c.id > after)
    return connection.execute(query.order_by(accounts.c.id).limit(limit)).all()


@operation("organizations", "DescribeAccount", read_only=True)
def describe_account(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    row = context.db.execute(
        _organization_accounts(view).where(accounts.c.id == params["AccountId"])
    ).first()
    if row is None:
        raise AccountNotFoundException()

    record = account_record(view, row, container_paths(context.db, view, [row.parent_id]))
    context.audit.resources.append((ACCOUNT_RESOURCE_TYPE, record["Arn"]))
    return {"Account": record}


@operation("organizations", "ListAccounts", read_only=True)
def list_accounts(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    query = _organization_accounts(view)

    rows, token = sql_page(
        context,
        params,
        f"accounts:{view.id}",
        lambda after, limit: _fetch_page(context.db, query, after, limit),
    )
    paths = container_paths(context.db, view, [row.parent_id for row in rows])
    return {"Accounts": [account_record(view, row, paths) for row in rows], "NextToken": token}


@operation("organizations", "ListAccountsForParent", read_only=True)
def list_accounts_for_parent(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    parent = require_parent(context, view, params["ParentId"])
    query = _organization_accounts(view).where(accounts.c.parent_id == parent.id)

    rows, token = sql_page(
        context,
        params,
        f"accounts-for-parent:{parent.id}",
        lambda after, limit: _fetch_page(context.db, query, after, limit),
    )
    paths = container_paths(context.db, view, [parent.id])
    return {"Accounts": [account_record(view, row, paths) for row in rows], "NextToken": token}
