"""The `EvaluationResult` structure of IAM's simulation replies, built from engine results.

IAM returns one `EvaluationResult` per action. With `ResourceArns`, each resource gets an entry in
`ResourceSpecificResults`, and the top level reports the most restrictive decision, the union of
matched statements and the union of missing context keys across the resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from orgstack.policy import Decision, Effect, EvaluationResult, Layer, StatementRef
from orgstack.services.iam.simulate_inputs import PolicySet

EVAL_DECISIONS = {
    Decision.ALLOW: "allowed",
    Decision.EXPLICIT_DENY: "explicitDeny",
    Decision.IMPLICIT_DENY: "implicitDeny",
}
# Most restrictive first: one explicit deny decides the top level, then one implicit deny.
_RESTRICTIVENESS = (Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY, Decision.ALLOW)
# Statements of these layers come from the organization, not from an input the caller can name.
_ORGANIZATION_LAYERS = (Layer.SCP, Layer.RCP)
ALL_RESOURCES = "*"


def evaluation_result(
    results: Sequence[EvaluationResult], policies: PolicySet, per_resource: bool
) -> dict[str, Any]:
    """Return the `EvaluationResult` of one action from its results on each requested resource.

    `per_resource` is true when the request gave `ResourceArns`, which adds
    `ResourceSpecificResults` and an `EvalDecisionDetails` map (empty within one account).
    """
    decision = min((result.decision for result in results), key=_RESTRICTIVENESS.index)
    statements = _union(matched_statements(result, policies) for result in results)
    missing = list(dict.fromkeys(key for result in results for key in result.missing_context_keys))
    reply: dict[str, Any] = {
        "EvalActionName": results[0].request.action,
        "EvalResourceName": _resource_name(results, per_resource),
        "EvalDecision": EVAL_DECISIONS[decision],
        "MatchedStatements": statements,
        "MissingContextValues": missing,
    }

    organizations = [_allowed_by_organizations(result) for result in results]
    if organizations[0] is not None:
        reply["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": all(organizations)}
    if policies.boundary is not None:
        allowed = all(_allowed_by_boundary(result) for result in results)
        reply["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
    if not per_resource:
        return reply

    # IAM stops at an SCP denial and then leaves EvalDecisionDetails out.
    # NOTE: for a cross-account request IAM fills EvalDecisionDetails with a decision per policy
    # type. orgstack leaves it empty, as IAM does within one account.
    if all(allowed is not False for allowed in organizations):
        reply["EvalDecisionDetails"] = {}
    reply["ResourceSpecificResults"] = [_resource_result(result, policies) for result in results]
    return reply


def _resource_name(results: Sequence[EvaluationResult], per_resource: bool) -> str:
    """Return the top-level `EvalResourceName`.

    IAM reports the ARN template of the action's resource type there, such as
    `arn:${Partition}:s3:::${BucketName}/${KeyName}`.
    """
    # NOTE: orgstack has no table of ARN templates per action, so it reports the requested ARN
    # when there is one and `*` otherwise. IAM reported the requested ARN before it added the
    # templates.
    if per_resource and len(results) == 1:
        return results[0].request.resource
    return ALL_RESOURCES


def _resource_result(result: EvaluationResult, policies: PolicySet) -> dict[str, Any]:
    specific: dict[str, Any] = {
        "EvalResourceName": result.request.resource,
        "EvalResourceDecision": EVAL_DECISIONS[result.decision],
        "MatchedStatements": matched_statements(result, policies),
        "MissingContextValues": list(result.missing_context_keys),
    }
    if _allowed_by_organizations(result) is not False:
        specific["EvalDecisionDetails"] = {}
    if policies.boundary is not None:
        specific["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": _allowed_by_boundary(result)
        }
    return specific


def matched_statements(result: EvaluationResult, policies: PolicySet) -> list[dict[str, Any]]:
    """Return the statements that decided the result, located in the policies' text.

    An allow lists its granting statements and an explicit deny its Deny statements. An implicit
    deny lists none, because no statement decided it. SCP and RCP statements are left out, as IAM
    leaves them out; `OrganizationsDecisionDetail` reports SCPs instead.
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


def _union(lists: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Return the statements of all lists, each once, in first-seen order."""
    seen: list[dict[str, Any]] = []
    for statements in lists:
        seen.extend(statement for statement in statements if statement not in seen)
    return seen


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


def _allowed_by_boundary(result: EvaluationResult) -> bool:
    """Return whether the permissions boundary has a matching Allow and no matching Deny."""
    refs = [ref for ref in result.matched if ref.layer is Layer.BOUNDARY]
    if any(ref.effect == Effect.DENY for ref in refs):
        return False
    return any(ref.effect == Effect.ALLOW for ref in refs)
