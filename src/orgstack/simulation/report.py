"""The text and JSON forms of a simulation that `orgstack simulate` prints."""

from __future__ import annotations

from typing import Any

from orgstack.policy import POLICY_TYPE_NAMES, StatementRef, denial_message, explain
from orgstack.simulation.live import Simulation


def text(simulation: Simulation) -> str:
    """Return the engine's layer-by-layer explanation with the tree path and policies by name."""
    lines = explain(simulation.result).splitlines()
    details = [f"Principal: {_describe_principal(simulation)}"]
    path = _tree_path(simulation)
    if path:
        details.append(
            "Organization path: " + " -> ".join(_named(label, simulation) for label in path)
        )
    # The principal and the tree path go right after the request line, before the layers.
    position = 3 if len(lines) > 2 and lines[2].startswith("Message:") else 2
    lines[position:position] = details

    policy_ids = sorted(
        {
            ref.policy_name
            for ref in simulation.result.matched
            if ref.policy_name in simulation.names
        }
    )
    if policy_ids:
        lines.append(
            "Policies: " + ", ".join(f"{pid} = {simulation.names[pid]}" for pid in policy_ids)
        )
    return "\n".join(lines)


def as_json(simulation: Simulation) -> dict[str, Any]:
    """Return the machine-readable result; statements carry layer, policy, level, index and Sid."""
    result = simulation.result
    return {
        "decision": str(result.decision),
        "allowed": result.allowed,
        "denied_by": POLICY_TYPE_NAMES[result.denied_by] if result.denied_by else None,
        "message": denial_message(result),
        "principal": simulation.principal.arn,
        "action": result.request.action,
        "resource": result.request.resource,
        "organization_path": [
            {"id": label, "name": simulation.names.get(label)} for label in _tree_path(simulation)
        ],
        "deciding": [_statement(ref, simulation) for ref in result.deciding],
        "blocking": [_statement(ref, simulation) for ref in result.blocking],
        "matched": [_statement(ref, simulation) for ref in result.matched],
        "missing_allows": [
            {"layer": str(missing.layer), "level": missing.level}
            for missing in result.missing_allows
        ],
        "missing_context_keys": list(result.missing_context_keys),
        "skipped_layers": [
            {"layer": str(layer), "reason": why} for layer, why in result.skipped_layers
        ],
        "errors": list(result.errors),
        "explanation": text(simulation),
    }


def _statement(ref: StatementRef, simulation: Simulation) -> dict[str, Any]:
    return {
        "layer": str(ref.layer),
        "policy_type": POLICY_TYPE_NAMES[ref.layer],
        "policy": ref.policy_name,
        "policy_name": simulation.names.get(ref.policy_name, ref.policy_name),
        "level": ref.level,
        "level_name": simulation.names.get(ref.level) if ref.level else None,
        "statement_index": ref.statement_index,
        "sid": ref.sid,
        "effect": str(ref.effect),
    }


def _tree_path(simulation: Simulation) -> list[str]:
    """Return the labels from the root to the principal's account, even when SCPs are exempt."""
    levels = simulation.account.scp_levels or simulation.account.rcp_levels
    return [level.label for level in levels or ()]


def _named(label: str, simulation: Simulation) -> str:
    name = simulation.names.get(label)
    return f"{label} ({name})" if name else label


def _describe_principal(simulation: Simulation) -> str:
    principal, account = simulation.principal, simulation.account
    where = f"account {account.account_id}"
    if account.is_management:
        where += ", the management account"
    elif not account.in_organization:
        where += ", in no organization"
    if simulation.role is None:
        return f"{principal.arn} (root user of {where})"
    return f"{principal.arn} (role {simulation.role.name} of {where})"
