"""Removal of an organization's dependent rows when the organization is deleted.

Each group of operations that stores rows of its own (OUs, handshakes, delegated administrators,
jobs …) adds its clean-up here, so that DeleteOrganization leaves nothing behind.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete

from orgstack.store.schema import (
    delegated_administrators,
    organizational_units,
    resource_policies,
    service_access,
)


def delete_organization_data(connection: Connection, organization_id: str, root_id: str) -> None:
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
