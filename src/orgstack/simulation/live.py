"""Evaluate one request against the live organization and roles in the store.

The policy layers come from the authorizer's loaders (`authorize.store`), so a simulation
evaluates the layers a signed call made at the same moment would meet: the SCP levels of the
principal's account from the root down, the RCP levels of the resource's account, the role's
identity policies and permissions boundary, and a role's trust policy for the `sts:AssumeRole*`
actions. The request context contains the principal and resource keys the server would set and
the current time. Keys the caller passes replace those of the same name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from orgstack.auth.principals import ASSUMED_ROLE, ROOT, Principal, SessionDetails
from orgstack.authorize import context as context_keys
from orgstack.authorize import store
from orgstack.policy import (
    RCP_SERVICES,
    EvaluationResult,
    Layers,
    PolicyKind,
    PolicyLevel,
    PolicyRef,
    PolicySyntaxError,
    Request,
    compile_policy,
    evaluate,
)
from orgstack.policy.request import ContextValue
from orgstack.services.iam import role_store
from orgstack.simulation.principals import PrincipalKind, SimulatedPrincipal, parse_principal
from orgstack.store.schema import accounts, organizational_units, policies, roots

SESSION_POLICY_NAME = "session policy"
TRUST_POLICY_NAME = "trust policy"


class SimulationInputError(ValueError):
    """The simulated request names a principal or policy that cannot be used.

    The message names the value and how to fix it.
    """


@dataclass(frozen=True)
class Simulation:
    """A simulated request's result with what the explanation needs besides it.

    `names` maps tree-level labels (root, OU and account ids) and SCP/RCP policy ids to their
    names in the store. `context` is the full request context that was evaluated.
    """

    result: EvaluationResult
    principal: SimulatedPrincipal
    account: store.AccountFacts
    role: store.RoleFacts | None
    names: Mapping[str, str]
    context: Mapping[str, ContextValue]


def simulate(
    connection: Connection,
    principal_arn: str,
    action: str,
    resource: str = "*",
    context: Mapping[str, ContextValue] | None = None,
    session_policy: str | None = None,
    now: dt.datetime | None = None,
) -> Simulation:
    """Evaluate `action` on `resource` by `principal_arn` against the store's current state.

    Raises SimulationInputError when the principal ARN is not valid, its account or role is not
    in the store, or the session policy does not parse.
    """
    try:
        principal = parse_principal(principal_arn)
    except ValueError as error:
        raise SimulationInputError(str(error)) from None
    if not role_store.account_exists(connection, principal.account_id):
        raise SimulationInputError(
            f"the account `{principal.account_id}` is not in this store: "
            "check the principal ARN and the --data-dir or --database-url"
        )

    account = store.load_account(connection, principal.account_id)
    role = _load_principal_role(connection, principal)
    session = _session_policy(session_policy)

    resource_account = _arn_account(resource) or principal.account_id
    owner = None
    if role_store.account_exists(connection, resource_account):
        owner = store.load_account(connection, resource_account)

    keys = _request_context(connection, principal, account, role, owner, resource, now)
    keys = _override(keys, context or {})
    request = Request(
        action=action,
        resource=resource,
        principal_arn=principal.arn,
        context=keys,
        principal_account=principal.account_id,
        resource_account=resource_account,
    )
    layers = _layers(connection, action, resource, account, role, owner, session)
    result = evaluate(request, layers)
    names = _names(connection, [*(layers.scp_levels or ()), *(layers.rcp_levels or ())])
    return Simulation(result, principal, account, role, names, keys)


def _load_principal_role(
    connection: Connection, principal: SimulatedPrincipal
) -> store.RoleFacts | None:
    if principal.role_name is None:
        return None
    role = store.load_role(connection, principal.account_id, principal.role_name)
    if role is None:
        raise SimulationInputError(
            f"the role `{principal.role_name}` does not exist in account "
            f"`{principal.account_id}`: check the principal ARN"
        )
    if principal.kind is PrincipalKind.ROLE and role.path != principal.path:
        raise SimulationInputError(
            f"the role `{role.name}` has the ARN `{role.arn}`, not `{principal.arn}`: "
            "use the ARN with the role's path"
        )
    return role


def _session_policy(document: str | None) -> tuple[PolicyRef, ...]:
    if document is None:
        return ()
    try:
        return (PolicyRef(SESSION_POLICY_NAME, compile_policy(document, PolicyKind.SESSION)),)
    except PolicySyntaxError as error:
        raise SimulationInputError(f"the session policy is not valid: {error}") from None


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    return None


def _as_principal(principal: SimulatedPrincipal, role: store.RoleFacts | None) -> Principal:
    """Return the authenticated caller that a signed call of this principal would carry."""
    if role is None:
        return Principal(principal.account_id, principal.arn, principal.account_id, ROOT, None)

    # A role acts only through a session; a role ARN is simulated as a session of that role.
    session_name = principal.session_name or role.name
    session = SessionDetails(
        role_arn=role.arn, role_name=role.name, role_id=role.role_id, session_name=session_name
    )
    principal_id = f"{role.role_id}:{session_name}"
    return Principal(principal.account_id, principal.arn, principal_id, ASSUMED_ROLE, None, session)


def _request_context(
    connection: Connection,
    principal: SimulatedPrincipal,
    account: store.AccountFacts,
    role: store.RoleFacts | None,
    owner: store.AccountFacts | None,
    resource: str,
    now: dt.datetime | None,
) -> dict[str, ContextValue]:
    keys: dict[str, ContextValue] = dict(
        context_keys.principal_keys(_as_principal(principal, role), account, role)
    )
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    keys["aws:CurrentTime"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    keys["aws:EpochTime"] = int(moment.timestamp())

    tags: dict[str, str] = {}
    resource_role = _role_of_arn(connection, resource)
    if resource_role is not None:
        tags = dict(resource_role.tags)
    keys.update(context_keys.resource_keys(owner, tags))
    return keys


def _override(
    keys: Mapping[str, ContextValue], given: Mapping[str, ContextValue]
) -> dict[str, ContextValue]:
    """Return `keys` with the `given` keys in place of those of the same case-insensitive name."""
    replaced = {name.lower() for name in given}
    merged = {name: value for name, value in keys.items() if name.lower() not in replaced}
    merged.update(given)
    return merged


def _role_of_arn(connection: Connection, arn: str) -> store.RoleFacts | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    role = store.load_role(connection, parts[4], name)
    return role if role is not None and role.arn == arn else None


def _layers(
    connection: Connection,
    action: str,
    resource: str,
    account: store.AccountFacts,
    role: store.RoleFacts | None,
    owner: store.AccountFacts | None,
    session: tuple[PolicyRef, ...],
) -> Layers:
    service = action.split(":", 1)[0].lower()
    rcp_levels = None
    if owner is not None and service in RCP_SERVICES:
        rcp_levels = owner.rcp_levels
    return Layers(
        identity=role.identity if role is not None else (),
        boundary=role.boundary if role is not None else None,
        session=session,
        resource=_trust_policy(connection, action, resource),
        scp_levels=account.scp_levels,
        rcp_levels=rcp_levels,
        principal_account_is_management=account.is_management,
        principal_is_service_linked_role=role is not None and role.is_service_linked,
        resource_account_is_management=owner is not None and owner.is_management,
    )


def _trust_policy(connection: Connection, action: str, resource: str) -> PolicyRef | None:
    """Return the role's trust policy, the resource policy of the `sts:AssumeRole*` actions.

    A role that is not in the store gets a trust policy that allows nothing, as the authorizer
    treats a missing role.
    """
    if not action.lower().startswith("sts:assumerole") or ":role/" not in resource:
        return None
    role = _role_of_arn(connection, resource)
    document = role.trust_policy if role is not None else store.ALLOWS_NOTHING
    try:
        return PolicyRef(TRUST_POLICY_NAME, compile_policy(document, PolicyKind.TRUST))
    except PolicySyntaxError:
        return PolicyRef(TRUST_POLICY_NAME, compile_policy(store.ALLOWS_NOTHING, PolicyKind.TRUST))


def _names(connection: Connection, levels: Sequence[PolicyLevel]) -> dict[str, str]:
    """Return the names of the tree levels and of the policies attached to them."""
    labels = {level.label for level in levels}
    policy_ids = {ref.name for level in levels for ref in level.policies}
    if not labels:
        return {}
    names: dict[str, str] = {}
    for table in (roots, organizational_units, accounts):
        rows = connection.execute(
            select(table.c.id, table.c.name).where(table.c.id.in_(sorted(labels)))
        )
        names.update({str(row.id): str(row.name) for row in rows})
    rows = connection.execute(
        select(policies.c.id, policies.c.name).where(policies.c.id.in_(sorted(policy_ids)))
    )
    names.update({str(row.id): str(row.name) for row in rows})
    return names
