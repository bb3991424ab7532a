"""Effective management policies: DescribeEffectivePolicy, ListAccountsWithInvalidEffectivePolicy
and ListEffectivePolicyValidationErrors.

An account's effective policy merges the policies of one type attached to the root, to each OU
from the top down and to the account itself (AWS Organizations User Guide, "Understanding
management policy inheritance"). The merge is the management_policies library's; this module
gathers the attachments and answers the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from orgstack.services.organizations import access, policy_rules, policy_store
from orgstack.services.organizations.account_records import account_record
from orgstack.services.organizations.attachments import enabled_policy_types
from orgstack.services.organizations.errors import (
    AccountNotFoundException,
    EffectivePolicyNotFoundException,
    TargetNotFoundException,
)
from orgstack.services.organizations.management_policies import (
    AttachedPolicy,
    EffectivePolicy,
    JsonObject,
    PolicyLevel,
    compute_effective_policy,
    parse_document,
)
from orgstack.services.organizations.pagination import page
from orgstack.services.organizations.policy_access import require_reader
from orgstack.services.organizations.policy_store import Attached
from orgstack.services.organizations.policy_targets import ACCOUNT, target_arn, target_type_of
from orgstack.services.organizations.tree import account_path, container_paths
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts, organizational_units


@dataclass(frozen=True)
class AccountPlace:
    """An account of the organization and the parent it sits under."""

    id: str
    parent_id: str
    row: Any


@dataclass
class TypeSnapshot:
    """Every attachment of one policy type in an organization and the OU tree, read once.

    Management policies are few, so one read serves every account of a large organization.
    """

    policy_type: str
    root_id: str
    attached: dict[str, list[Attached]]
    ou_parents: dict[str, str]
    _documents: dict[str, JsonObject | None] = field(default_factory=dict)

    def path(self, place: AccountPlace) -> list[str]:
        """Return the target IDs from the root down to the account, root first."""
        chain = [place.id]
        current = place.parent_id
        # OUs nest at most five deep; the bound only stops a corrupt cycle.
        for _ in range(64):
            if current == self.root_id or current not in self.ou_parents:
                break
            chain.append(current)
            current = self.ou_parents[current]
        chain.append(self.root_id)
        return list(reversed(chain))

    def effective(self, place: AccountPlace) -> tuple[EffectivePolicy | None, dt.datetime | None]:
        """Return the account's effective policy (None when no policy applies) and its time.

        The time is the latest attachment or policy update among the contributing policies.
        """
        levels: list[PolicyLevel] = []
        latest: dt.datetime | None = None
        for target_id in self.path(place):
            documents: list[AttachedPolicy] = []
            for attached in self.attached.get(target_id, []):
                document = self._document(attached)
                if document is None:
                    continue
                documents.append(AttachedPolicy(attached.policy.id, document))
                changed = max(attached.attached_at, attached.policy.updated_at)
                latest = changed if latest is None else max(latest, changed)
            levels.append(PolicyLevel(target_id, tuple(documents)))
        return compute_effective_policy(self.policy_type, levels), latest

    def has_errors(self, place: AccountPlace) -> bool:
        """Return whether the account's effective policy exists and fails validation."""
        effective, _ = self.effective(place)
        return effective is not None and bool(effective.validation_errors)

    def _document(self, attached: Attached) -> JsonObject | None:
        # Stored content passed validation when it was written, so parsing does not fail.
        policy_id = attached.policy.id
        if policy_id not in self._documents:
            self._documents[policy_id] = parse_document(attached.policy.content)[0]
        return self._documents[policy_id]


def load_snapshot(
    connection: Connection, view: access.OrganizationView, policy_type: str
) -> TypeSnapshot:
    attached: dict[str, list[Attached]] = {}
    for target_id, attachment in policy_store.attachments_of_type(connection, view.id, policy_type):
        attached.setdefault(target_id, []).append(attachment)
    rows = connection.execute(
        select(organizational_units.c.id, organizational_units.c.parent_id).where(
            organizational_units.c.organization_id == view.id
        )
    ).all()
    parents = {row.id: row.parent_id for row in rows}
    return TypeSnapshot(policy_type, view.root_id, attached, parents)


def find_account(
    connection: Connection, view: access.OrganizationView, account_id: str
) -> AccountPlace | None:
    row = connection.execute(
        select(accounts)
        .where(accounts.c.id == account_id)
        .where(accounts.c.organization_id == view.id)
    ).first()
    return None if row is None else AccountPlace(row.id, row.parent_id, row)


def _require_enabled(
    context: RequestContext, view: access.OrganizationView, policy_type: str
) -> None:
    if policy_type not in enabled_policy_types(context.db, view.root_id):
        raise EffectivePolicyNotFoundException()


@operation("organizations", "DescribeEffectivePolicy", read_only=True)
def describe_effective_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["PolicyType"]
    target_id = params.get("TargetId", view.caller_account_id)

    # The API reference: a root or an OU as the target is not supported.
    if target_type_of(target_id) != ACCOUNT:
        raise policy_rules.target_not_supported()
    # Any member may read its own effective policy. Reading another account's needs the
    # management account, a delegated administrator or the resource policy's permission.
    if target_id != view.caller_account_id:
        arns = [target_arn(view, target_id)]
        require_reader(context, view, "DescribeEffectivePolicy", arns, policy_type)
    place = find_account(context.db, view, target_id)
    if place is None:
        raise TargetNotFoundException()
    _require_enabled(context, view, policy_type)

    effective, latest = load_snapshot(context.db, view, policy_type).effective(place)
    if effective is None or latest is None:
        raise EffectivePolicyNotFoundException()
    return {
        "EffectivePolicy": {
            "PolicyContent": effective.content(),
            "LastUpdatedTimestamp": latest,
            "TargetId": target_id,
            "PolicyType": policy_type,
        }
    }


@operation("organizations", "ListAccountsWithInvalidEffectivePolicy", read_only=True)
def list_accounts_with_invalid_effective_policy(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["PolicyType"]
    require_reader(context, view, "ListAccountsWithInvalidEffectivePolicy", (), policy_type)
    _require_enabled(context, view, policy_type)

    snapshot = load_snapshot(context.db, view, policy_type)
    paths = container_paths(context.db, view)
    invalid: list[Any] = []
    if snapshot.attached:
        rows = context.db.execute(
            select(accounts).where(accounts.c.organization_id == view.id)
        ).all()
        # Accounts with no policy of their own share their parent's result, so a large
        # organization merges once per parent rather than once per account.
        parent_results: dict[str, bool] = {}
        for row in sorted(rows, key=_row_id):
            place = AccountPlace(row.id, row.parent_id, row)
            if row.id in snapshot.attached:
                is_invalid = snapshot.has_errors(place)
            elif row.parent_id in parent_results:
                is_invalid = parent_results[row.parent_id]
            else:
                is_invalid = parent_results.setdefault(row.parent_id, snapshot.has_errors(place))
            if is_invalid:
                invalid.append(row)

    items, token = page(
        context,
        [account_record(view, row, paths) for row in invalid],
        [[row.id] for row in invalid],
        params,
        f"invalid-effective/{policy_type}",
    )
    return {"Accounts": items, "PolicyType": policy_type, "NextToken": token}


def _row_id(row: Any) -> str:
    return str(row.id)


@operation("organizations", "ListEffectivePolicyValidationErrors", read_only=True)
def list_effective_policy_validation_errors(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["PolicyType"]
    arns = [target_arn(view, params["AccountId"])]
    require_reader(context, view, "ListEffectivePolicyValidationErrors", arns, policy_type)
    place = find_account(context.db, view, params["AccountId"])
    if place is None:
        raise AccountNotFoundException()
    _require_enabled(context, view, policy_type)

    snapshot = load_snapshot(context.db, view, policy_type)
    effective, _ = snapshot.effective(place)
    if effective is None:
        raise EffectivePolicyNotFoundException()

    errors = [error.to_wire() for error in effective.validation_errors]
    items, token = page(
        context,
        errors,
        [[index] for index in range(len(errors))],
        params,
        f"effective-errors/{place.id}/{policy_type}",
    )
    paths = container_paths(context.db, view, [place.parent_id])
    path = account_path(paths, place.parent_id, place.id)
    return {
        "AccountId": place.id,
        "PolicyType": policy_type,
        "Path": path,
        "EvaluationTimestamp": context.now(),
        "EffectivePolicyValidationErrors": items,
        "NextToken": token,
    }
