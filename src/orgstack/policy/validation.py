"""The entry points that the API layer calls to check a policy document of a given kind."""

from __future__ import annotations

from collections.abc import Mapping

from orgstack.policy.findings import Finding, FindingType, PolicySyntaxError
from orgstack.policy.grammar import Collector, read_policy
from orgstack.policy.model import Policy, PolicyKind
from orgstack.policy.rules import check_policy


def analyze(
    document: str | Mapping[str, object], kind: PolicyKind
) -> tuple[Policy | None, list[Finding]]:
    """Read and check a document.

    Returns the policy (None when it is too broken to evaluate) and every finding, ordered
    by statement.
    """
    out = Collector()
    policy = read_policy(document, kind, out)
    if policy is not None:
        check_policy(policy, out)
    findings = sorted(out.findings, key=_finding_order)
    return policy, findings


def validate(document: str | Mapping[str, object], kind: PolicyKind) -> list[Finding]:
    """Return every finding for a document of the given kind (an empty list when it is clean)."""
    return analyze(document, kind)[1]


def parse(document: str | Mapping[str, object], kind: PolicyKind) -> Policy:
    """Parse a document of the given kind.

    Raises `PolicySyntaxError` (carrying all findings) when any finding is an ERROR. Warnings
    and suggestions do not stop parsing.
    """
    policy, findings = analyze(document, kind)
    has_error = any(f.finding_type is FindingType.ERROR for f in findings)
    if policy is None or has_error:
        raise PolicySyntaxError(findings)
    return policy


def _finding_order(finding: Finding) -> tuple[int, int]:
    index = finding.location.statement_index
    return (-1 if index is None else index, _SEVERITY_ORDER[finding.finding_type])


_SEVERITY_ORDER = {
    FindingType.ERROR: 0,
    FindingType.SECURITY_WARNING: 1,
    FindingType.WARNING: 2,
    FindingType.SUGGESTION: 3,
}
