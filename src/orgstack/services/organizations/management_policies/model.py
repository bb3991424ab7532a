"""Policy types, content size limits and the error values this package returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"


class PolicyType(enum.StrEnum):
    """The `PolicyType` enum of botocore's organizations model."""

    SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
    RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
    TAG_POLICY = "TAG_POLICY"
    BACKUP_POLICY = "BACKUP_POLICY"
    AISERVICES_OPT_OUT_POLICY = "AISERVICES_OPT_OUT_POLICY"
    CHATBOT_POLICY = "CHATBOT_POLICY"
    DECLARATIVE_POLICY_EC2 = "DECLARATIVE_POLICY_EC2"
    SECURITYHUB_POLICY = "SECURITYHUB_POLICY"
    SECURITYHUB_CSPM_POLICY = "SECURITYHUB_CSPM_POLICY"
    INSPECTOR_POLICY = "INSPECTOR_POLICY"
    UPGRADE_ROLLOUT_POLICY = "UPGRADE_ROLLOUT_POLICY"
    BEDROCK_POLICY = "BEDROCK_POLICY"
    S3_POLICY = "S3_POLICY"
    NETWORK_SECURITY_DIRECTOR_POLICY = "NETWORK_SECURITY_DIRECTOR_POLICY"
    GUARDDUTY_POLICY = "GUARDDUTY_POLICY"


AUTHORIZATION_POLICY_TYPES = frozenset(
    {PolicyType.SERVICE_CONTROL_POLICY, PolicyType.RESOURCE_CONTROL_POLICY}
)
"""Types that the IAM policy engine validates; this package checks only their size limit."""

MANAGEMENT_POLICY_TYPES = frozenset(PolicyType) - AUTHORIZATION_POLICY_TYPES
"""Types that use the inheritance operators and have an effective policy."""

# "Maximum size of a policy document" on the AWS Organizations quotas page and the
# AWS::Organizations::Policy `Content` reference, in characters.
_CONTENT_SIZE_LIMITS: dict[PolicyType, int] = {
    PolicyType.SERVICE_CONTROL_POLICY: 5_120,
    PolicyType.RESOURCE_CONTROL_POLICY: 5_120,
    PolicyType.DECLARATIVE_POLICY_EC2: 10_000,
    PolicyType.BACKUP_POLICY: 10_000,
    PolicyType.TAG_POLICY: 10_000,
    PolicyType.CHATBOT_POLICY: 10_000,
    PolicyType.AISERVICES_OPT_OUT_POLICY: 2_500,
    PolicyType.SECURITYHUB_POLICY: 10_000,
    PolicyType.INSPECTOR_POLICY: 10_000,
    PolicyType.BEDROCK_POLICY: 10_000,
    PolicyType.UPGRADE_ROLLOUT_POLICY: 10_000,
    # NOTE: the published limit lists stop at upgrade rollout policies. These four types
    # get the 10,000 characters that every other management type has; AWS may differ.
    PolicyType.SECURITYHUB_CSPM_POLICY: 10_000,
    PolicyType.S3_POLICY: 10_000,
    PolicyType.NETWORK_SECURITY_DIRECTOR_POLICY: 10_000,
    PolicyType.GUARDDUTY_POLICY: 10_000,
}


def parse_policy_type(policy_type: str) -> PolicyType:
    """Return the `PolicyType` named `policy_type`; raise `ValueError` for an unknown name."""
    try:
        return PolicyType(policy_type)
    except ValueError:
        raise ValueError(
            f"Unknown policy type `{policy_type}`; use one of the botocore PolicyType values."
        ) from None


def content_size_limit(policy_type: str) -> int:
    """Return the maximum policy document size, in characters, for `policy_type`.

    Covers every type, including SCPs and RCPs. Raises `ValueError` for an unknown type.
    """
    return _CONTENT_SIZE_LIMITS[parse_policy_type(policy_type)]


class ContentErrorReason(enum.Enum):
    """The kind of rejection, which decides the exception the API layer raises."""

    MALFORMED_POLICY_DOCUMENT = "MALFORMED_POLICY_DOCUMENT"
    POLICY_CONTENT_LIMIT_EXCEEDED = "POLICY_CONTENT_LIMIT_EXCEEDED"

    @property
    def error_code(self) -> str:
        """The botocore error shape to raise."""
        if self is ContentErrorReason.POLICY_CONTENT_LIMIT_EXCEEDED:
            return "ConstraintViolationException"
        return "MalformedPolicyDocumentException"

    @property
    def constraint_reason(self) -> str | None:
        """The `ConstraintViolationExceptionReason` value, or None for a malformed document."""
        if self is ContentErrorReason.POLICY_CONTENT_LIMIT_EXCEEDED:
            return "POLICY_CONTENT_LIMIT_EXCEEDED"
        return None


@dataclass(frozen=True)
class ContentError:
    """One problem found in a policy document.

    `path` is a JSON Pointer (RFC 6901) into the document, or "" for the whole document.
    `message` is our own text; AWS does not publish the detail it returns.
    """

    reason: ContentErrorReason
    path: str
    message: str


class EffectivePolicyErrorCode(enum.StrEnum):
    """Values of `EffectivePolicyValidationError.ErrorCode`.

    NOTE: the API reference names only `ELEMENTS_TOO_MANY` as an example code. The other
    names are ours, chosen in the same style, because AWS does not list its codes.
    """

    ELEMENTS_TOO_MANY = "ELEMENTS_TOO_MANY"
    OPERATOR_NOT_ALLOWED = "OPERATOR_NOT_ALLOWED"
    ELEMENT_NOT_ALLOWED = "ELEMENT_NOT_ALLOWED"
    ELEMENT_MISSING = "ELEMENT_MISSING"


@dataclass(frozen=True)
class EffectivePolicyValidationError:
    """One entry of `ListEffectivePolicyValidationErrors`.

    `path_to_error` is a JSON Pointer into the effective policy, our choice because AWS
    does not document the path format. `contributing_policies` contains the IDs of the
    attached policies involved, in the order they were applied.
    """

    error_code: EffectivePolicyErrorCode
    error_message: str
    path_to_error: str
    contributing_policies: tuple[str, ...]

    def to_wire(self) -> dict[str, object]:
        """Return the `EffectivePolicyValidationError` shape as botocore names its members."""
        return {
            "ErrorCode": str(self.error_code),
            "ErrorMessage": self.error_message,
            "PathToError": self.path_to_error,
            "ContributingPolicies": list(self.contributing_policies),
        }


def json_pointer(path: tuple[str, ...]) -> str:
    """Return the RFC 6901 JSON Pointer for a sequence of object keys."""
    escaped = (key.replace("~", "~0").replace("/", "~1") for key in path)
    return "".join("/" + key for key in escaped)
