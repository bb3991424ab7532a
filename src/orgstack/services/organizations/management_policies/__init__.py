"""Validation and effective-policy inheritance for AWS Organizations management policies.

Management policies are every Organizations policy type except SCPs and RCPs: tag,
backup, AI services opt-out, chat applications (chatbot), declarative (EC2), Security
Hub, Security Hub CSPM, Inspector, upgrade rollout, Bedrock, S3, Network Security
Director and GuardDuty policies. The module is pure: no I/O and no logging.

Public API:

`validate_content(policy_type, content) -> list[ContentError]`
    Checks one policy document before CreatePolicy or UpdatePolicy stores it: the size
    limit, JSON syntax, the type's grammar and the placement of inheritance operators.
    Returns [] for a valid document. Each `ContentError.reason` decides the exception
    the API layer raises: `reason.error_code` is "MalformedPolicyDocumentException" or
    "ConstraintViolationException", and `reason.constraint_reason` is
    "POLICY_CONTENT_LIMIT_EXCEEDED" for the second.

`check_content_size(policy_type, content) -> ContentError | None`
    Checks only the size limit. Works for every type, SCPs and RCPs included.

`content_size_limit(policy_type) -> int`
    The maximum document size in characters for a type, SCPs and RCPs included.

`parse_document(content) -> (JsonObject | None, ContentError | None)`
    Parses stored policy text for `compute_effective_policy`.

`compute_effective_policy(policy_type, levels) -> EffectivePolicy | None`
    Merges the `PolicyLevel`s of one account (root first, then each OU from the top,
    then the account). Each level lists its `AttachedPolicy` documents in attachment
    order.
    `EffectivePolicy.content()` is the DescribeEffectivePolicy `PolicyContent`, without
    operators. `EffectivePolicy.validation_errors` contains the
    ListEffectivePolicyValidationErrors entries; `to_wire()` gives each one with the
    ErrorCode, ErrorMessage, PathToError and ContributingPolicies members. Returns None
    when no policy is attached at any level.

`validate_content`, `content_size_limit` and `compute_effective_policy` raise
`ValueError` for a name that is not a botocore `PolicyType`.
Specification: AWS Organizations User Guide, "Policy syntax and inheritance for
management policy types" and the syntax page of each policy type.
"""

from .effective import AttachedPolicy, EffectivePolicy, PolicyLevel, compute_effective_policy
from .model import (
    AUTHORIZATION_POLICY_TYPES,
    MANAGEMENT_POLICY_TYPES,
    ContentError,
    ContentErrorReason,
    EffectivePolicyErrorCode,
    EffectivePolicyValidationError,
    JsonObject,
    JsonValue,
    PolicyType,
    content_size_limit,
)
from .validation import check_content_size, parse_document, validate_content

__all__ = [
    "AUTHORIZATION_POLICY_TYPES",
    "MANAGEMENT_POLICY_TYPES",
    "AttachedPolicy",
    "ContentError",
    "ContentErrorReason",
    "EffectivePolicy",
    "EffectivePolicyErrorCode",
    "EffectivePolicyValidationError",
    "JsonObject",
    "JsonValue",
    "PolicyLevel",
    "PolicyType",
    "check_content_size",
    "compute_effective_policy",
    "content_size_limit",
    "parse_document",
    "validate_content",
]
