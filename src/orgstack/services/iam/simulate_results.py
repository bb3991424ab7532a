"""The `EvaluationResult` structure of IAM's simulation replies, built from an engine result."""

from __future__ import annotations

from typing import Any

from orgstack.policy import Decision, Effect, EvaluationResult, Layer, StatementRef
from orgstack.services.iam.simulate_inputs import PolicySet

EVAL_DECISIONS = {
    Decision.ALLOW: "allowed",
    Decision.EXPLICIT_DENY: "explicitDeny",
    Decision.IMPLICIT_DENY: "implicitDeny",
}
# Statements of these layers come from the organization, not from an input the caller can name.
_ORGANIZATION_LAYERS = (Layer.SCP, Layer.RCP)


def evaluation_result(result: EvaluationResult, policies: PolicySet) -> dict[str, Any]:
    """Return one `EvaluationResult` for an action on one resource.

    A simulation over `*` reports matched statements and missing keys at the top. With a resource
    ARN, IAM also repeats them in `ResourceSpecificResults` and moves the missing keys there, and
    `EvalDecisionDetails` is present (empty within one account).
    """
    request = result.request
    decision = EVAL_DECISIONS[result.decision]
    statements = matched_statements(result, policies)
    missing = list(result.missing_context_keys)
    reply: dict[str, Any] = {
        "EvalActionName": request.action,
        "EvalResourceName": request.resource,
        "EvalDecision": decision,
        "MatchedStatements": statements,
        "MissingContextValues": missing if request.resource == "*" else [],
    }

    organizations = _allowed_by_organizations(result)
    if organizations is not None:
        reply["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": organizations}
    boundary = _allowed_by_boundary(result, policies)
    if boundary is not None:
        reply["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": boundary}
    if request.resource == "*":
        return reply

    # NOTE: for a cross-account request IAM fills EvalDecisionDetails with a decision per policy
    # type. orgstack leaves it empty, as IAM does within one account.
    reply["EvalDecisionDetails"] = {}
    specific: dict[str, Any] = {
        "EvalResourceName": request.resource,
        "EvalResourceDecision": decision,
        "MatchedStatements": statements,
        "MissingContextValues": missing,
        "EvalDecisionDetails": {},
    }
    if boundary is not None:
        specific["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": boundary}
    reply["ResourceSpecificResults"] = [specific]
    return reply


def matched_statements(result: EvaluationResult, policies: PolicySet) -> list[dict[str, Any]]:
    """Return the statements that decided the result, located in the policies' text.

    An allow lists its granting statements and an explicit deny its Deny statements. An implicit
    deny lists none, because no statement decided it. SCP and RCP statements are left out, since
    no input policy contains them; `OrganizationsDecisionDetail` reports them.
    """
    if result.decision is Decision.ALLOW:
        refs = result.deciding
    elif result.decision is Decision.EXPLICIT_DENY:
        refs = result.blocking
    else:
        refs = ()
    return [
        _statement(ref, policies)
        for ref in dict.fromkeys(refs)
        if ref.layer not in _ORGANIZATION_LAYERS
        and (ref.layer, ref.policy_name) in policies.sources
    ]


def _statement(ref: StatementRef, policies: PolicySet) -> dict[str, Any]:
    source = policies.sources[(ref.layer, ref.policy_name)]
    statement: dict[str, Any] = {
        "SourcePolicyId": source.policy_id,
        "SourcePolicyType": source.policy_type,
    }
    spans = source.spans()
    if ref.statement_index < len(spans):
        span = spans[ref.statement_index]
        statement["StartPosition"] = {"Line": span.start.line, "Column": span.start.column}
        statement["EndPosition"] = {"Line": span.end.line, "Column": span.end.column}
    return statement


def _allowed_by_organizations(result: EvaluationResult) -> bool | None:
    """Return whether every SCP level allows the request; None when SCPs did not apply.

    A principal exempt from SCPs (the management account, a service-linked role) is allowed by
    Organizations.
    """
    skipped = any(layer is Layer.SCP for layer, _ in result.skipped_layers)
    if result.scp_levels is None:
        return True if skipped else None

    scp_refs = [ref for ref in result.matched if ref.layer is Layer.SCP]
    if any(ref.effect == Effect.DENY for ref in scp_refs):
        return False
    allowed_levels = {ref.level for ref in scp_refs if ref.effect == Effect.ALLOW}
    return all(label in allowed_levels for label in result.scp_levels)


def _allowed_by_boundary(result: EvaluationResult, policies: PolicySet) -> bool | None:
    """Return whether the permissions boundary allows the request; None without a boundary."""
    if policies.boundary is None:
        return None
    refs = [ref for ref in result.matched if ref.layer is Layer.BOUNDARY]
    if any(ref.effect == Effect.DENY for ref in refs):
        return False
    return any(ref.effect == Effect.ALLOW for ref in refs)
