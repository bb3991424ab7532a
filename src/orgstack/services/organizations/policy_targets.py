"""The roots, OUs and accounts that policies attach to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from orgstack import ids
from orgstack.services.organizations.access import OrganizationView
from orgstack.store.schema import accounts, organizational_units

ROOT = "ROOT"
ORGANIZATIONAL_UNIT = "ORGANIZATIONAL_UNIT"
ACCOUNT = "ACCOUNT"

ROOT_NAME = "Root"

# CloudTrail resource types of the targets.
AUDIT_TYPES = {
    ROOT: "AWS::Organizations::Root",
    ORGANIZATIONAL_UNIT: "AWS::Organizations::OrganizationalUnit",
    ACCOUNT: "AWS::Organizations::Account",
}


@dataclass(frozen=True)
class Target:
    """A root, OU or account of the caller's organization, as PolicyTargetSummary shows it."""

    id: str
    type: str
    name: str
    arn: str

    def summary(self) -> dict[str, str]:
        return {"TargetId": self.id, "Arn": self.arn, "Name": self.name, "Type": self.type}


def target_type_of(target_id: str) -> str:
    """Return the target type an ID names; the model's pattern already checked its form."""
    if target_id.startswith("r-"):
        return ROOT
    if target_id.startswith("ou-"):
        return ORGANIZATIONAL_UNIT
    return ACCOUNT


def target_arn(view: OrganizationView, target_id: str) -> str:
    """Return the ARN a root, OU or account ID has in the caller's organization.

    Authorization needs the ARN before the handler checks that the target exists.
    """
    management, organization = view.management_account_id, view.id
    target_type = target_type_of(target_id)
    if target_type == ROOT:
        return ids.root_arn(management, organization, target_id)
    if target_type == ORGANIZATIONAL_UNIT:
        return ids.ou_arn(management, organization, target_id)
    return ids.account_arn(management, organization, target_id)


def find_target(connection: Connection, view: OrganizationView, target_id: str) -> Target | None:
    """Return the target when it belongs to the caller's organization, else None."""
    return find_targets(connection, view, [target_id]).get(target_id)


def find_targets(
    connection: Connection, view: OrganizationView, target_ids: Iterable[str]
) -> dict[str, Target]:
    """Return the targets among `target_ids` that belong to the organization, keyed by ID."""
    requested = list(target_ids)
    found: dict[str, Target] = {}
    if view.root_id in requested:
        root_arn = ids.root_arn(view.management_account_id, view.id, view.root_id)
        found[view.root_id] = Target(view.root_id, ROOT, ROOT_NAME, root_arn)

    ou_ids = [target for target in requested if target_type_of(target) == ORGANIZATIONAL_UNIT]
    if ou_ids:
        rows = connection.execute(
            select(organizational_units.c.id, organizational_units.c.name)
            .where(organizational_units.c.organization_id == view.id)
            .where(organizational_units.c.id.in_(ou_ids))
        ).all()
        for row in rows:
            arn = ids.ou_arn(view.management_account_id, view.id, row.id)
            found[row.id] = Target(row.id, ORGANIZATIONAL_UNIT, row.name, arn)

    account_ids = [target for target in requested if target_type_of(target) == ACCOUNT]
    if account_ids:
        rows = connection.execute(
            select(accounts.c.id, accounts.c.name)
            .where(accounts.c.organization_id == view.id)
            .where(accounts.c.id.in_(account_ids))
        ).all()
        for row in rows:
            arn = ids.account_arn(view.management_account_id, view.id, row.id)
            found[row.id] = Target(row.id, ACCOUNT, row.name, arn)
    return found
