"""Validation findings in the shape of IAM Access Analyzer's ValidatePolicy, and the parse error.

See https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicyFinding.html
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class FindingType(StrEnum):
    """Severity of a finding, as Access Analyzer names it."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"


@dataclass(frozen=True)
class FindingLocation:
    """Where in the document a finding points.

    `path` is the JSON path from the document root, for example `("Statement", 0, "Action", 1)`.
    `statement_index` and `sid` are None for findings about the document as a whole.
    """

    statement_index: int | None
    sid: str | None
    element: str | None
    path: tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One validation finding: severity, stable issue code, message and location."""

    finding_type: FindingType
    issue_code: str
    message: str
    location: FindingLocation

    def to_dict(self) -> dict[str, object]:
        """Render the finding as a ValidatePolicyFinding-like JSON object."""
        path: list[dict[str, object]] = [
            {"index": part} if isinstance(part, int) else {"value": part}
            for part in self.location.path
        ]
        return {
            "findingType": str(self.finding_type),
            "issueCode": self.issue_code,
            "findingDetails": self.message,
            "locations": [{"path": path}],
            "statementIndex": self.location.statement_index,
            "sid": self.location.sid,
            "element": self.location.element,
        }

    def describe(self) -> str:
        """Return a one-line human-readable form: severity, code, place and message."""
        place = "policy"
        if self.location.statement_index is not None:
            place = f"statement {self.location.statement_index}"
            if self.location.sid:
                place += f" ({self.location.sid})"
        if self.location.element:
            place += f", {self.location.element}"
        return f"{self.finding_type} {self.issue_code} at {place}: {self.message}"


class PolicySyntaxError(ValueError):
    """Raised by `parse` when a document has ERROR findings.

    The API layer maps it to `MalformedPolicyDocumentException` (Organizations) or
    `MalformedPolicyDocument` (IAM). `findings` holds every finding, not only the errors.
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.finding_type is FindingType.ERROR]
        first = errors[0].describe() if errors else "invalid policy document"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(first + more)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Return only the ERROR findings."""
        return tuple(f for f in self.findings if f.finding_type is FindingType.ERROR)
