"""AWS's access-denied message and a readable multi-line explanation of a decision."""

from __future__ import annotations

from orgstack.policy.request import normalize_context
from orgstack.policy.result import Decision, EvaluationResult, Layer, StatementRef

# The policy type names that AWS's access-denied messages use.
POLICY_TYPE_NAMES = {
    Layer.SCP: "service control policy",
    Layer.RCP: "resource control policy",
    Layer.IDENTITY: "identity-based policy",
    Layer.BOUNDARY: "permissions boundary",
    Layer.SESSION: "session policy",
    Layer.RESOURCE: "resource-based policy",
}

_LAYER_TITLES = {
    Layer.RCP: "Resource control policies (resource account)",
    Layer.SCP: "Service control policies (principal account)",
    Layer.RESOURCE: "Resource-based policy",
    Layer.IDENTITY: "Identity-based policies",
    Layer.BOUNDARY: "Permissions boundary",
    Layer.SESSION: "Session policy",
}


def denial_message(result: EvaluationResult) -> str | None:
    """Return AWS's access-denied message for a denied result, or None for an allow.

    For example `User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
    s3:GetObject on resource: arn:aws:s3:::bucket/key because no identity-based policy allows
    the s3:GetObject action`. The `on resource:` part is left out for resource `*`. An explicit
    deny in an SCP or RCP ends with `: ` and the denying policy's ARN when `_shown_policy_arn`
    finds one the caller may see.
    """
    if result.decision is Decision.ALLOW or result.denied_by is None:
        return None
    request = result.request
    message = f"User: {request.principal_arn} is not authorized to perform: {request.action}"
    if request.resource != "*":
        message += f" on resource: {request.resource}"
    type_name = POLICY_TYPE_NAMES[result.denied_by]
    if result.decision is Decision.EXPLICIT_DENY:
        article = "an" if type_name[0] in "aeiou" else "a"
        message = f"{message} with an explicit deny in {article} {type_name}"
        policy_arn = _shown_policy_arn(result)
        return f"{message}: {policy_arn}" if policy_arn else message
    return f"{message} because no {type_name} allows the {request.action} action"


def _shown_policy_arn(result: EvaluationResult) -> str | None:
    """Return the ARN of the SCP or RCP that denied, when AWS would name it to this caller.

    AWS ends such a message with `: <policy ARN>`, but only for a caller in the policy's own
    account or organization (AWS Security Blog, "Enhanced access denied error messages with
    policy ARNs", https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns).
    An SCP always belongs to the caller's own organization. An RCP belongs to the resource's, so
    across accounts the caller's `aws:PrincipalOrgID` must name the organization in its ARN.
    Implicit denies name no policy.
    """
    layer = result.denied_by
    # NOTE: the same AWS change also names denying identity-based policies, permissions
    # boundaries and session policies by ARN. Only SCPs and RCPs carry an ARN here so far.
    if layer not in (Layer.SCP, Layer.RCP):
        return None
    denying = next((ref for ref in result.deciding if ref.layer is layer), None)
    if denying is None or denying.policy_arn is None:
        return None
    if layer is Layer.SCP or not result.cross_account:
        return denying.policy_arn

    organization = normalize_context(result.request.context).get("aws:principalorgid", ())
    if len(organization) == 1 and f"/{organization[0]}/" in denying.policy_arn:
        return denying.policy_arn
    return None


def explain(result: EvaluationResult) -> str:
    """Describe the decision layer by layer: matching statements, tree levels, gaps, errors."""
    request = result.request
    scope = "cross-account" if result.cross_account else "same account"
    lines = [
        f"Decision: {result.decision}"
        + (f" (decided by {POLICY_TYPE_NAMES[result.denied_by]})" if result.denied_by else ""),
        f"Request: {request.action} on {request.resource} by {request.principal_arn} ({scope})",
    ]
    message = denial_message(result)
    if message:
        lines.append(f"Message: {message}")

    for layer in (Layer.SCP, Layer.RCP):
        labels = result.scp_levels if layer is Layer.SCP else result.rcp_levels
        lines.extend(_tree_lines(result, layer, labels))
    for layer in (Layer.RESOURCE, Layer.IDENTITY, Layer.BOUNDARY, Layer.SESSION):
        lines.extend(_flat_lines(result, layer))

    if result.deciding:
        lines.append("Deciding statements:")
        lines.extend(f"  {ref.describe()}" for ref in result.deciding)
    if result.missing_context_keys:
        lines.append("Missing context keys: " + ", ".join(result.missing_context_keys))
    for error in result.errors:
        lines.append(f"Error (failed closed): {error}")
    return "\n".join(lines)


def _refs(result: EvaluationResult, layer: Layer, level: str | None) -> list[StatementRef]:
    return [ref for ref in result.matched if ref.layer is layer and ref.level == level]


def _tree_lines(
    result: EvaluationResult, layer: Layer, labels: tuple[str, ...] | None
) -> list[str]:
    title = _LAYER_TITLES[layer]
    if labels is None:
        reasons = [why for skipped, why in result.skipped_layers if skipped is layer]
        return [f"{title}: not applied" + (f" ({reasons[0]})" if reasons else "")]
    lines = [f"{title}: " + " -> ".join(labels)]
    missing = {m.level for m in result.missing_allows if m.layer is layer}
    for label in labels:
        refs = _refs(result, layer, label)
        status = "no matching Allow" if label in missing else "passes"
        if any(ref.effect == "Deny" for ref in refs):
            status = "explicit Deny"
        lines.append(f"  {label}: {status}")
        lines.extend(f"    {ref.describe()}" for ref in refs)
    return lines


def _flat_lines(result: EvaluationResult, layer: Layer) -> list[str]:
    refs = [ref for ref in result.matched if ref.layer is layer]
    title = _LAYER_TITLES[layer]
    if not refs:
        missing = any(m.layer is layer for m in result.missing_allows)
        if missing:
            return [f"{title}: no matching Allow"]
        if layer not in result.present_layers:
            return [f"{title}: none"]
        return [f"{title}: no matching statement"]
    return [f"{title}:"] + [f"  {ref.describe()}" for ref in refs]
