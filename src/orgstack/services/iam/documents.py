"""Policy documents as IAM stores and returns them: validation, size and reply encoding.

IAM keeps a document exactly as the caller sent it. Every reply member of type
`policyDocumentType` carries the document URL-encoded, and botocore decodes those members.
"""

from __future__ import annotations

from urllib.parse import quote

from orgstack.policy import Finding, FindingType, PolicyKind, validate
from orgstack.services.iam.errors import MalformedPolicyDocumentException

# IAM's MalformedPolicyDocument message for each finding that the policy engine reports.
_MESSAGES = {
    "JSON_SYNTAX_ERROR": "This policy contains invalid Json",
    "INVALID_VERSION": "The policy failed legacy parsing",
    "MISSING_RESOURCE": "Policy statement must contain resources.",
    "MISSING_EFFECT": "Missing required field Effect",
    "MISSING_PRINCIPAL": "Missing required field Principal",
    "UNSUPPORTED_PRINCIPAL": "Policy document should not specify a principal.",
    "UNSUPPORTED_RESOURCE_IN_TRUST_POLICY": "Has prohibited field Resource",
    "INVALID_ACTION": "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
}
_DEFAULT_MESSAGE = "Syntax errors in policy."


def check(document: str, kind: PolicyKind) -> None:
    """Raise MalformedPolicyDocument when the policy engine finds an error in `document`."""
    errors = [finding for finding in validate(document, kind) if _is_error(finding)]
    if errors:
        message = _MESSAGES.get(errors[0].issue_code, _DEFAULT_MESSAGE)
        raise MalformedPolicyDocumentException(message)


def _is_error(finding: Finding) -> bool:
    return finding.finding_type is FindingType.ERROR


def size(document: str) -> int:
    """Return the size IAM counts against its quotas: the characters that are not whitespace."""
    return sum(1 for character in document if not character.isspace())


def encode(document: str) -> str:
    """Return `document` URL-encoded, as IAM sends policy documents in its replies."""
    return quote(document, safe="")
