"""Policy documents as IAM stores and returns them: validation, size and reply encoding.

IAM keeps a document exactly as the caller sent it. Every reply member of type
`policyDocumentType` carries the document URL-encoded, and botocore decodes those members.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson

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
    if not errors:
        return
    first = errors[0]
    if first.issue_code == "INVALID_PRINCIPAL_FORMAT":
        raise invalid_principal(*_principal_at(document, first.location.path))
    raise MalformedPolicyDocumentException(_MESSAGES.get(first.issue_code, _DEFAULT_MESSAGE))


def invalid_principal(principal_type: str, value: str) -> MalformedPolicyDocumentException:
    return MalformedPolicyDocumentException(
        f'Invalid principal in policy: "{principal_type}":"{value}"'
    )


def _principal_at(document: str, path: tuple[str | int, ...]) -> tuple[str, str]:
    """Return the principal type and value at a finding's path, such as `("AWS", "bad-arn")`.

    The path is `("Statement", i, "Principal", type, j)`; an element given as one value rather
    than a list is addressed with index 0.
    """
    node: Any = orjson.loads(document)
    for step in path:
        if isinstance(step, int) and not isinstance(node, list):
            continue
        node = node[step]
    principal_type = next((step for step in reversed(path) if isinstance(step, str)), "")
    return principal_type, str(node)


def _is_error(finding: Finding) -> bool:
    return finding.finding_type is FindingType.ERROR


def size(document: str) -> int:
    """Return the size IAM counts against its quotas: the characters that are not whitespace."""
    return sum(1 for character in document if not character.isspace())


def encode(document: str) -> str:
    """Return `document` URL-encoded, as IAM sends policy documents in its replies."""
    return quote(document, safe="")
