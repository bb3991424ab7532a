"""Lookup of the accounts and permission sets assigned to a signed-in user, directly or through a
group of the identity store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from orgstack.services.sso_admin import assignment_store, permission_set_store
from orgstack.services.sso_admin.permission_set_store import PermissionSet
from orgstack.services.sso_portal.bearer import PortalSession
from orgstack.store.schema import accounts
from orgstack.store.schema_identity import identitystore_memberships

USER = "USER"
GROUP = "GROUP"
# Suspended and closing accounts drop out of the portal, and their roles give no credentials.
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class AccountView:
    account_id: str
    name: str
    email: str


def _group_ids(connection: Connection, session: PortalSession) -> list[str]:
    table = identitystore_memberships
    rows = connection.execute(
        select(table.c.group_id).where(
            table.c.identity_store_id == session.user.store_id,
            table.c.member_user_id == session.user.user_id,
        )
    )
    return [row.group_id for row in rows]


def assigned(
    connection: Connection, session: PortalSession, account_id: str | None = None
) -> list[assignment_store.Assignment]:
    """Return the user's assignments in the session's instance, directly and through groups."""
    instance_arn = session.instance.instance_arn
    found = assignment_store.for_principal(
        connection, instance_arn, USER, session.user.user_id, account_id
    )
    for group_id in _group_ids(connection, session):
        found.extend(
            assignment_store.for_principal(connection, instance_arn, GROUP, group_id, account_id)
        )
    return found


def accounts_of(connection: Connection, session: PortalSession) -> list[AccountView]:
    """Return the active accounts with an assignment for the user, ordered by account id."""
    account_ids = sorted({item.account_id for item in assigned(connection, session)})
    if not account_ids:
        return []
    rows = connection.execute(
        select(accounts.c.id, accounts.c.name, accounts.c.email).where(
            accounts.c.id.in_(account_ids), accounts.c.status == ACTIVE
        )
    )
    views = [AccountView(row.id, row.name, row.email) for row in rows]
    return sorted(views, key=lambda view: view.account_id)


def is_active(connection: Connection, account_id: str) -> bool:
    found = connection.execute(
        select(accounts.c.id).where(accounts.c.id == account_id, accounts.c.status == ACTIVE)
    ).first()
    return found is not None


def permission_sets_in(
    connection: Connection, session: PortalSession, account_id: str
) -> list[PermissionSet]:
    """Return the permission sets assigned to the user in the account, ordered by name."""
    arns = {item.permission_set_arn for item in assigned(connection, session, account_id)}
    sets = [permission_set_store.find(connection, arn) for arn in arns]
    return sorted((item for item in sets if item is not None), key=lambda item: item.name)
