"""ListAccounts and ListAccountRoles: what the signed-in user may use (AWS SSO Portal API)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from orgstack.services.registry import BEARER, Params, RequestContext, Result, operation
from orgstack.services.sso_portal import bearer, directory
from orgstack.services.sso_portal.errors import InvalidRequestException

# NOTE: AWS does not document the default page size of these lists; 20 is an estimate, and
# clients page through `nextToken` whatever it is.
DEFAULT_PAGE_SIZE = 20
INVALID_TOKEN_MESSAGE = "Invalid nextToken."  # noqa: S105 (a message)


@operation("sso", "ListAccounts", read_only=True, auth=BEARER)
def list_accounts(context: RequestContext, params: Params) -> Result:
    """Return the accounts where the user has an assignment, with name and email."""
    session = bearer.authenticate(context.db, params.get("accessToken"), context.now())
    views = directory.accounts_of(context.db, session)
    items = [
        {"accountId": view.account_id, "accountName": view.name, "emailAddress": view.email}
        for view in views
    ]
    return _page(params, items, "accountId", "accountList")


@operation("sso", "ListAccountRoles", read_only=True, auth=BEARER)
def list_account_roles(context: RequestContext, params: Params) -> Result:
    """Return one role per permission set assigned to the user in the account."""
    session = bearer.authenticate(context.db, params.get("accessToken"), context.now())
    account_id = str(params["accountId"])
    sets = directory.permission_sets_in(context.db, session, account_id)
    items = [{"roleName": item.name, "accountId": account_id} for item in sets]
    return _page(params, items, "roleName", "roleList")


def _page(params: Params, items: list[dict[str, Any]], key: str, member: str) -> Result:
    """Return the page after `nextToken` (the last key of the previous page, encoded)."""
    size = int(params.get("maxResults") or DEFAULT_PAGE_SIZE)
    after = _decode(params.get("nextToken"))
    if after is not None:
        items = [item for item in items if str(item[key]) > after]
    result: dict[str, Any] = {member: items[:size]}
    if len(items) > size:
        result["nextToken"] = _encode(str(items[size - 1][key]))
    return result


def _encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def _decode(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequestException(INVALID_TOKEN_MESSAGE) from None
