"""How each service reports input that fails its model's constraints.

Coral-based JSON services (sso-admin, identitystore, CloudTrail) answer `ValidationException` with
AWS's `N validation errors detected: …` text; the query services answer `ValidationError` with the
same text; Organizations answers `InvalidInputException` with a reason and a fixed sentence.
A member of the wrong JSON type is a `SerializationException` in every JSON service.
"""

from __future__ import annotations

from collections.abc import Callable

from orgstack.protocol.errors import (
    AwsError,
    SerializationException,
    ValidationError,
    ValidationException,
)
from orgstack.protocol.validate import TYPE, Violation, coral_message

ErrorFactory = Callable[[list[Violation]], AwsError]

_FACTORIES: dict[str, ErrorFactory] = {}


def register(service: str, factory: ErrorFactory) -> None:
    _FACTORIES[service] = factory


def error_for(service: str, violations: list[Violation]) -> AwsError:
    type_errors = [violation for violation in violations if violation.kind == TYPE]
    if type_errors and service not in ("sts", "iam"):
        first = type_errors[0]
        return SerializationException(
            f"Value of member '{first.path}' could not be read: {first.constraint.lower()}."
        )
    factory = _FACTORIES.get(service)
    if factory is not None:
        return factory(violations)
    if service in ("sts", "iam"):
        return ValidationError(coral_message(violations))
    return ValidationException(coral_message(violations))
