"""The row lock that serializes the checked writes of one organization."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from orgstack.store.schema import organizations

# Built once: every checked write of an organization takes this lock.
LOCK_ORGANIZATION = (
    select(organizations.c.id)
    .where(organizations.c.id == bindparam("organization_id"))
    .with_for_update()
)


def lock_organization(connection: Connection, organization_id: str) -> None:
    """Lock the organization's row until the transaction ends.

    Handlers check quotas, duplicates, states and attachment counts before they write, so two
    concurrent requests could both pass a check on PostgreSQL. Holding this lock runs the checked
    writes of one organization one at a time. SQLite already runs write transactions one at a
    time, so there the lock is skipped: the statement would only read the row.
    """
    if connection.dialect.name == "sqlite":
        return
    connection.execute(LOCK_ORGANIZATION, {"organization_id": organization_id})
