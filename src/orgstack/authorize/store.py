"""Reads of the store that authorization needs: an account's place in its organization with the
service and resource control policies on the way, and a role's permission policies.

Every function reads inside the caller's transaction, so one decision sees one state of the store.
Policies are compiled through the engine's cache (keyed by content), so a policy shared by many
accounts is compiled once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, select

from orgstack import policy
from orgstack.policy import PolicyKind, PolicyLevel, PolicyRef
from orgstack.services.iam import principal_policies, references, role_store
from orgstack.store.schema import (
    accounts,
    organizational_units,
    organizations,
    policies,
    policy_attachments,
    root_policy_types,
    roots,
    tags,
)

log = logging.getLogger("orgstack.authorize")

SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
ALL_FEATURES = "ALL"
ENABLED = "ENABLED"
# AWS nests OUs at most five deep; the walk up the tree stops after this many steps regardless.
MAX_TREE_DEPTH = 8
# A policy whose only statement matches no action (`NotAction: "*"`), so it allows nothing.
ALLOWS_NOTHING = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}'
)


@dataclass(frozen=True)
class AccountFacts:
    """An account's organization, its path in the tree, and the SCP and RCP levels over it.

    `org_path` is the value of `aws:PrincipalOrgPaths`, such as
    `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/` (the account's parent last). The level tuples run from
    the root to the account and are None when the account is in no organization or the policy type
    is not enabled on the root.
    """

    account_id: str
    organization_id: str | None = None
    management_account_id: str | None = None
    org_path: str | None = None
    scp_levels: tuple[PolicyLevel, ...] | None = None
    rcp_levels: tuple[PolicyLevel, ...] | None = None

    @property
    def in_organization(self) -> bool:
        return self.organization_id is not None

    @property
    def is_management(self) -> bool:
        return self.account_id == self.management_account_id


@dataclass(frozen=True)
class RoleFacts:
    """A role's identity as the request context needs it, and its permission policies."""

    account_id: str
    name: str
    role_id: str
    arn: str
    path: str
    trust_policy: str
    max_session_duration: int
    identity: tuple[PolicyRef, ...] = ()
    boundary: PolicyRef | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def is_service_linked(self) -> bool:
        return self.path.startswith("/aws-service-role/")


# Built once: a cold cache runs these for every caller and resource account.
_ACCOUNT_PLACE = (
    select(
        accounts.c.organization_id,
        accounts.c.parent_id,
        organizations.c.management_account_id,
        organizations.c.feature_set,
        roots.c.id.label("root_id"),
    )
    .select_from(accounts)
    .join(organizations, organizations.c.id == accounts.c.organization_id)
    .join(roots, roots.c.organization_id == organizations.c.id)
    .where(accounts.c.id == bindparam("account_id"))
)
_OU_PARENT = select(organizational_units.c.parent_id).where(
    organizational_units.c.id == bindparam("ou_id")
)
_ENABLED_TYPES = (
    select(root_policy_types.c.policy_type)
    .where(root_policy_types.c.root_id == bindparam("root_id"))
    .where(root_policy_types.c.status == ENABLED)
)
_ATTACHED_LAYERS = (
    select(
        policy_attachments.c.target_id,
        policy_attachments.c.sequence,
        policies.c.id,
        policies.c.type,
        policies.c.content,
        policies.c.arn,
    )
    .join(policies, policies.c.id == policy_attachments.c.policy_id)
    .where(policy_attachments.c.target_id.in_(bindparam("targets", expanding=True)))
    .where(policies.c.type.in_(bindparam("types", expanding=True)))
    .order_by(policy_attachments.c.sequence)
)
_RESOURCE_TAGS = select(tags.c.key, tags.c.value).where(tags.c.resource_id == bindparam("tag_id"))


def load_account(connection: Connection, account_id: str) -> AccountFacts:
    """Return the account's organization facts; an account in no organization has none."""
    row = connection.execute(_ACCOUNT_PLACE, {"account_id": account_id}).first()
    if row is None:
        return AccountFacts(account_id)

    chain = _ou_chain(connection, row.parent_id, row.root_id)
    org_path = "/".join([row.organization_id, row.root_id, *chain]) + "/"
    targets = [row.root_id, *chain, account_id]
    enabled = _enabled_types(connection, row.root_id) if row.feature_set == ALL_FEATURES else set()
    levels = _levels(connection, targets, enabled)
    return AccountFacts(
        account_id=account_id,
        organization_id=row.organization_id,
        management_account_id=row.management_account_id,
        org_path=org_path,
        scp_levels=levels.get(SERVICE_CONTROL_POLICY),
        rcp_levels=levels.get(RESOURCE_CONTROL_POLICY),
    )


def _ou_chain(connection: Connection, parent_id: str | None, root_id: str) -> list[str]:
    """Return the OU ids from below the root down to `parent_id` (none for a parent that is the
    root)."""
    chain: list[str] = []
    current = parent_id
    while current and current != root_id and len(chain) < MAX_TREE_DEPTH:
        chain.append(current)
        current = connection.execute(_OU_PARENT, {"ou_id": current}).scalar()
    chain.reverse()
    return chain


def _enabled_types(connection: Connection, root_id: str) -> set[str]:
    rows = connection.execute(_ENABLED_TYPES, {"root_id": root_id})
    return {str(row.policy_type) for row in rows}


def _levels(
    connection: Connection, targets: Sequence[str], enabled: set[str]
) -> dict[str, tuple[PolicyLevel, ...]]:
    """Return the policy levels of each enabled authorization policy type, root first."""
    wanted = enabled & {SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY}
    if not wanted:
        return {}
    rows = connection.execute(
        _ATTACHED_LAYERS, {"targets": list(targets), "types": sorted(wanted)}
    ).all()

    attached: dict[tuple[str, str], list[PolicyRef]] = {}
    for row in rows:
        kind = PolicyKind.SCP if row.type == SERVICE_CONTROL_POLICY else PolicyKind.RCP
        ref = _compile(row.id, row.content, kind, arn=row.arn)
        if ref is not None:
            attached.setdefault((row.type, row.target_id), []).append(ref)
    return {
        policy_type: tuple(
            PolicyLevel(target, tuple(attached.get((policy_type, target), ())))
            for target in targets
        )
        for policy_type in wanted
    }


def _compile(
    name: str, document: str, kind: PolicyKind, arn: str | None = None
) -> PolicyRef | None:
    """Compile a stored policy; one that does not compile grants nothing (fails closed)."""
    try:
        return PolicyRef(name, policy.compile_policy(document, kind), arn)
    except policy.PolicySyntaxError:
        log.warning("stored policy does not compile policy=%s kind=%s", name, kind)
        return None


def load_role(connection: Connection, account_id: str, role_name: str) -> RoleFacts | None:
    """Return the role with its identity policies, boundary and tags, or None if not found."""
    role = role_store.find_role(connection, account_id, role_name)
    if role is None:
        return None

    documents, boundary_document = principal_policies.identity_policies_for_role(
        connection, account_id, role.name
    )
    identity = [_compile(name, document, PolicyKind.IDENTITY) for name, document in documents]
    boundary = None
    if role.permissions_boundary_arn and boundary_document is not None:
        boundary = _compile(
            role.permissions_boundary_arn, boundary_document, PolicyKind.PERMISSIONS_BOUNDARY
        )
        if boundary is None:
            # A boundary that does not compile must not widen the role, so it allows nothing.
            boundary = _compile(
                role.permissions_boundary_arn, ALLOWS_NOTHING, PolicyKind.PERMISSIONS_BOUNDARY
            )

    return RoleFacts(
        account_id=account_id,
        name=role.name,
        role_id=role.role_id,
        arn=role.arn,
        path=role.path,
        trust_policy=role.assume_role_policy,
        max_session_duration=role.max_session_duration,
        identity=tuple(ref for ref in identity if ref is not None),
        boundary=boundary,
        tags=dict(role_store.role_tags(connection, account_id, role.name)),
    )


def managed_policy(
    connection: Connection, account_id: str, arn: str, kind: PolicyKind
) -> PolicyRef | None:
    """Return the compiled default version of the managed policy `arn`, or None if not found."""
    document = references.default_document(connection, account_id, arn)
    if document is None:
        return None
    return _compile(arn, document, kind)


def resource_tags(connection: Connection, tag_id: str) -> dict[str, str]:
    """Return the tags stored for an Organizations resource (account, OU, root or policy id)."""
    rows = connection.execute(_RESOURCE_TAGS, {"tag_id": tag_id})
    return {str(row.key): str(row.value) for row in rows}
