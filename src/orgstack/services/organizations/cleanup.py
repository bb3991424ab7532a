"""Removal of an organization's dependent rows when the organization is deleted.

Each group of operations that stores rows of its own (OUs, handshakes, delegated administrators,
jobs …) adds its clean-up here, so that DeleteOrganization leaves nothing behind.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from orgstack.store.schema import (
    accounts,
    create_account_requests,
    delegated_administrators,
    handshakes,
    organizational_units,
    policies,
    resource_policies,
    responsibility_transfers,
    service_access,
    tags,
)


def delete_organization_data(connection: Connection, organization_id: str, root_id: str) -> None:
    # Tags first: they are found through the OU, policy and resource policy rows deleted below.
    # The management account is the only account left, and it loses its tags as any account that
    # leaves an organization does.
    for table in (accounts, organizational_units, policies, resource_policies):
        owned = select(table.c.id).where(table.c.organization_id == organization_id)
        connection.execute(delete(tags).where(tags.c.resource_id.in_(owned)))
    connection.execute(
        delete(organizational_units).where(
            organizational_units.c.organization_id == organization_id
        )
    )
    connection.execute(
        delete(delegated_administrators).where(
            delegated_administrators.c.organization_id == organization_id
        )
    )
    connection.execute(
        delete(service_access).where(service_access.c.organization_id == organization_id)
    )
    connection.execute(
        delete(resource_policies).where(resource_policies.c.organization_id == organization_id)
    )
    connection.execute(delete(handshakes).where(handshakes.c.organization_id == organization_id))
    sent_transfers = select(responsibility_transfers.c.id).where(
        responsibility_transfers.c.target_organization_id == organization_id
    )
    connection.execute(delete(tags).where(tags.c.resource_id.in_(sent_transfers)))
    connection.execute(
        delete(responsibility_transfers).where(
            responsibility_transfers.c.target_organization_id == organization_id
        )
    )
    connection.execute(
        delete(create_account_requests).where(
            create_account_requests.c.organization_id == organization_id
        )
    )
