"""How Organizations reports input that fails the model: `InvalidInputException` with a reason.

AWS sends one fixed sentence per reason rather than the Coral `validation error detected` text.
"""

from __future__ import annotations

from orgstack.protocol.validate import (
    ENUM,
    MAX_LENGTH,
    MAX_VALUE,
    MIN_LENGTH,
    MIN_VALUE,
    PATTERN,
    REQUIRED,
    Violation,
)
from orgstack.services import validation
from orgstack.services.organizations.errors import InvalidInputException

INPUT_REQUIRED = "INPUT_REQUIRED"
INVALID_PATTERN = "INVALID_PATTERN"
INVALID_ENUM = "INVALID_ENUM"
INVALID_NEXT_TOKEN = "INVALID_NEXT_TOKEN"  # noqa: S105 (a reason code, not a secret)

_REASONS = {
    REQUIRED: ("INPUT_REQUIRED", "You must include a value for all required parameters."),
    MIN_LENGTH: (
        "MIN_LENGTH_EXCEEDED",
        "You provided a string parameter that is shorter than allowed.",
    ),
    MAX_LENGTH: (
        "MAX_LENGTH_EXCEEDED",
        "You provided a string parameter that is longer than allowed.",
    ),
    MIN_VALUE: (
        "MIN_VALUE_EXCEEDED",
        "You provided a numeric parameter that has a smaller value than allowed.",
    ),
    MAX_VALUE: (
        "MAX_VALUE_EXCEEDED",
        "You provided a numeric parameter that has a larger value than allowed.",
    ),
    PATTERN: (INVALID_PATTERN, "You provided a value that does not match the required pattern."),
    ENUM: (INVALID_ENUM, "You specified an invalid value."),
}

# Members whose pattern or enum failure AWS reports with a more specific reason.
_SPECIFIC_REASONS = {
    (PATTERN, "TargetId"): (
        "INVALID_PATTERN_TARGET_ID",
        "You specified a policy target ID that doesn't match the required pattern.",
    ),
    (PATTERN, "PolicyId"): ("INVALID_SYNTAX_POLICY_ID", "You specified an invalid policy ID."),
    (ENUM, "PolicyType"): (
        "INVALID_ENUM_POLICY_TYPE",
        "You specified an invalid policy type string.",
    ),
    (ENUM, "Filter"): ("INVALID_ENUM_POLICY_TYPE", "You specified an invalid policy type string."),
}


def invalid_input(violations: list[Violation]) -> InvalidInputException:
    """Report the first violation, as AWS reports one reason per request."""
    first = violations[0]
    member = first.path.rsplit(".", 1)[-1]
    member = member[:1].upper() + member[1:]
    reason, message = _SPECIFIC_REASONS.get((first.kind, member)) or _REASONS[first.kind]
    return InvalidInputException(message, Reason=reason)


def invalid_next_token() -> InvalidInputException:
    return InvalidInputException(
        "You specified an invalid value for nextToken.", Reason=INVALID_NEXT_TOKEN
    )


validation.register("organizations", invalid_input)
