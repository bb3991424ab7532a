"""IAM Identity Center instances: which instance an account or identity store belongs to.

An instance is either the organization instance, enabled once per organization from its
management account, or an account instance of a standalone or member account (at most one
instance per account). Each instance has one identity store. Other parts (sso-admin, the
identity store, the access portal) find instances here and ask who may administer one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, select

from orgstack.store.schema import accounts, delegated_administrators, organizations, service_access
from orgstack.store.schema_identity import (
    account_assignments,
    identitystore_groups,
    identitystore_memberships,
    identitystore_users,
    mfa_devices,
    oidc_grants,
    permission_set_customer_policies,
    permission_set_managed_policies,
    permission_set_provisioning,
    permission_sets,
    portal_credentials,
    portal_sessions,
    sso_instances,
    sso_request_statuses,
    sso_resources,
)

ORGANIZATION = "ORGANIZATION"
ACCOUNT = "ACCOUNT"
ACTIVE = "ACTIVE"
SSO_SERVICE_PRINCIPAL = "sso.amazonaws.com"
START_PATH = "/start"


@dataclass(frozen=True)
class Instance:
    """One row of `sso_instances`, with its settings decoded."""

    instance_arn: str
    identity_store_id: str
    owner_account_id: str
    kind: str
    name: str | None
    status: str
    created_at: dt.datetime
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def identity_store_arn(self) -> str:
        return identity_store_arn(self.owner_account_id, self.identity_store_id)

    @property
    def start_url(self) -> str | None:
        value = self.settings.get("start_url")
        return str(value) if value else None

    @property
    def is_organization_instance(self) -> bool:
        return self.kind == ORGANIZATION


class IdentityCenterError(Exception):
    """Enabling the organization instance failed for a reason the operator can fix."""


def new_identity_store_id() -> str:
    return "d-" + secrets.token_hex(5)


def new_instance_arn() -> str:
    return "arn:aws:sso:::instance/ssoins-" + secrets.token_hex(8)


def identity_store_arn(owner_account_id: str, store_id: str) -> str:
    return f"arn:aws:identitystore::{owner_account_id}:identitystore/{store_id}"


def start_url(base_url: str) -> str:
    return base_url.rstrip("/") + START_PATH


def _instance(row: Row[Any]) -> Instance:
    return Instance(
        instance_arn=row.instance_arn,
        identity_store_id=row.identity_store_id,
        owner_account_id=row.owner_account_id,
        kind=row.kind,
        name=row.name,
        status=row.status,
        created_at=row.created_at,
        settings=orjson.loads(row.settings_json),
    )


def find_by_arn(connection: Connection, instance_arn: str) -> Instance | None:
    row = connection.execute(
        select(sso_instances).where(sso_instances.c.instance_arn == instance_arn)
    ).first()
    return _instance(row) if row is not None else None


def find_by_store(connection: Connection, store_id: str) -> Instance | None:
    row = connection.execute(
        select(sso_instances).where(sso_instances.c.identity_store_id == store_id)
    ).first()
    return _instance(row) if row is not None else None


def find_by_owner(connection: Connection, account_id: str) -> Instance | None:
    """Return the instance the account owns (an account has at most one), or None."""
    row = connection.execute(
        select(sso_instances).where(sso_instances.c.owner_account_id == account_id)
    ).first()
    return _instance(row) if row is not None else None


def organization_of(connection: Connection, account_id: str) -> tuple[str, str] | None:
    """Return `(organization id, management account id)` of the account's organization."""
    row = connection.execute(
        select(organizations.c.id, organizations.c.management_account_id)
        .select_from(accounts)
        .join(organizations, organizations.c.id == accounts.c.organization_id)
        .where(accounts.c.id == account_id)
    ).first()
    return (row.id, row.management_account_id) if row is not None else None


def organization_instance(connection: Connection, account_id: str) -> Instance | None:
    """Return the organization instance of the account's organization, or None."""
    organization = organization_of(connection, account_id)
    if organization is None:
        return None
    instance = find_by_owner(connection, organization[1])
    if instance is None or not instance.is_organization_instance:
        return None
    return instance


def is_sso_delegated_administrator(connection: Connection, account_id: str) -> bool:
    found = connection.execute(
        select(delegated_administrators.c.account_id).where(
            delegated_administrators.c.account_id == account_id,
            delegated_administrators.c.service_principal == SSO_SERVICE_PRINCIPAL,
        )
    ).first()
    return found is not None


def may_administer(connection: Connection, instance: Instance, account_id: str) -> bool:
    """Tell whether `account_id` may manage the instance and its identity store.

    The owner always may. For the organization instance, so may a delegated administrator for
    sso.amazonaws.com in the same organization.
    """
    if instance.owner_account_id == account_id:
        return True
    if not instance.is_organization_instance:
        return False
    organization = organization_of(connection, account_id)
    if organization is None or organization[1] != instance.owner_account_id:
        return False
    return is_sso_delegated_administrator(connection, account_id)


def instances_for(connection: Connection, account_id: str) -> list[Instance]:
    """Return the instances the account may administer: its own, and the organization's."""
    found: list[Instance] = []
    own = find_by_owner(connection, account_id)
    if own is not None:
        found.append(own)
    shared = organization_instance(connection, account_id)
    if shared is not None and shared != own and may_administer(connection, shared, account_id):
        found.append(shared)
    return found


def insert_instance(
    connection: Connection,
    owner_account_id: str,
    kind: str,
    name: str | None,
    settings: dict[str, Any],
    now: dt.datetime,
) -> Instance:
    instance = Instance(
        instance_arn=new_instance_arn(),
        identity_store_id=new_identity_store_id(),
        owner_account_id=owner_account_id,
        kind=kind,
        name=name,
        status=ACTIVE,
        created_at=now,
        settings=settings,
    )
    connection.execute(
        sso_instances.insert().values(
            instance_arn=instance.instance_arn,
            identity_store_id=instance.identity_store_id,
            owner_account_id=owner_account_id,
            kind=kind,
            name=name,
            status=ACTIVE,
            settings_json=orjson.dumps(settings).decode(),
            created_at=now,
        )
    )
    return instance


def save_instance(connection: Connection, instance: Instance) -> None:
    """Write the instance's name and settings back to its row."""
    connection.execute(
        sso_instances.update()
        .where(sso_instances.c.instance_arn == instance.instance_arn)
        .values(name=instance.name, settings_json=orjson.dumps(instance.settings).decode())
    )


def delete_instance(connection: Connection, instance: Instance) -> None:
    """Delete the instance with its identity store, its users' portal sign-in state and sso-oidc
    codes and tokens, and everything sso-admin kept for it, including the AWSReservedSSO_* roles
    of its permission sets in member accounts."""
    _deprovision_roles(connection, instance)
    store_id = instance.identity_store_id
    for table in (
        identitystore_memberships,
        identitystore_groups,
        identitystore_users,
        portal_credentials,
        mfa_devices,
        portal_sessions,
        oidc_grants,
    ):
        connection.execute(delete(table).where(table.c.identity_store_id == store_id))

    # Child rows of the permission sets go first, because they reference the sets.
    sets = select(permission_sets.c.permission_set_arn).where(
        permission_sets.c.instance_arn == instance.instance_arn
    )
    for child in (
        permission_set_managed_policies,
        permission_set_customer_policies,
        permission_set_provisioning,
    ):
        connection.execute(delete(child).where(child.c.permission_set_arn.in_(sets)))
    for table in (account_assignments, sso_request_statuses, sso_resources, permission_sets):
        connection.execute(delete(table).where(table.c.instance_arn == instance.instance_arn))

    connection.execute(
        delete(sso_instances).where(sso_instances.c.instance_arn == instance.instance_arn)
    )


def _deprovision_roles(connection: Connection, instance: Instance) -> None:
    # role_provisioning imports this module for Instance, so it is imported on first use.
    from orgstack.services.sso_admin import permission_set_store, role_provisioning

    for permission_set in permission_set_store.list_for_instance(connection, instance.instance_arn):
        for provisioned in permission_set_store.provisioned_accounts(
            connection, permission_set.arn
        ):
            role_provisioning.deprovision(connection, permission_set.arn, provisioned.account_id)


def enable_organization_instance(
    connection: Connection, management_account_id: str, base_url: str, now: dt.datetime
) -> Instance:
    """Create the organization instance of the organization that the account manages.

    Also enables trusted access for sso.amazonaws.com, as enabling IAM Identity Center does.
    Raises IdentityCenterError when the account manages no organization, or the organization or
    the account already has an instance.
    """
    organization = organization_of(connection, management_account_id)
    if organization is None or organization[1] != management_account_id:
        raise IdentityCenterError(
            f"account `{management_account_id}` is not the management account of an "
            "organization: create the organization first, or pass its management account."
        )
    existing = find_by_owner(connection, management_account_id)
    if existing is not None:
        raise IdentityCenterError(
            f"account `{management_account_id}` already has the instance "
            f"`{existing.instance_arn}` (identity store `{existing.identity_store_id}`)."
        )

    settings = {"start_url": start_url(base_url), "account_instances_allowed": True}
    instance = insert_instance(connection, management_account_id, ORGANIZATION, None, settings, now)
    _enable_trusted_access(connection, organization[0], now)
    return instance


def _enable_trusted_access(connection: Connection, organization_id: str, now: dt.datetime) -> None:
    enabled = connection.execute(
        select(service_access.c.service_principal).where(
            service_access.c.organization_id == organization_id,
            service_access.c.service_principal == SSO_SERVICE_PRINCIPAL,
        )
    ).first()
    if enabled is None:
        connection.execute(
            service_access.insert().values(
                organization_id=organization_id,
                service_principal=SSO_SERVICE_PRINCIPAL,
                enabled_at=now,
            )
        )
