"""Validation of request input against the botocore input shape of an operation.

The checks are those of the model's constraints: required members, types, length and value
ranges, patterns and enums. Every violation is collected, then the service decides which AWS error
reports them, because AWS services differ (Coral-style `ValidationException` text, Organizations'
`InvalidInputException` with a reason, the query protocols' `ValidationError`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

# A violation of a type cannot be reported as a constraint, because the value has the wrong JSON
# type. Services report it with a serialization error instead.
TYPE = "type"
REQUIRED = "required"
MIN_LENGTH = "min_length"
MAX_LENGTH = "max_length"
MIN_VALUE = "min_value"
MAX_VALUE = "max_value"
PATTERN = "pattern"
ENUM = "enum"
# Stands for the value of a sensitive member, which messages leave out.
HIDDEN_VALUE = object()


@dataclass(frozen=True)
class Violation:
    """One failed constraint: the member path in AWS's dotted form and what it must satisfy."""

    path: str
    kind: str
    constraint: str
    value: Any
    member: str


Checker = Callable[[Any, str, list[Violation]], None]


def validate(shape: Any, params: Any) -> list[Violation]:
    """Return every constraint violation of `params` against the input `shape`."""
    violations: list[Violation] = []
    if shape is None:
        return violations
    _checker(shape)(params, "", violations)
    return violations


def _member_path(parent: str, name: str) -> str:
    # AWS names members in validation messages with a lower-case first letter (`instanceArn`).
    lowered = name[:1].lower() + name[1:]
    return f"{parent}.{lowered}" if parent else lowered


@cache
def _compile_pattern(pattern: str) -> Any:
    # Java patterns may spell a supplementary-plane range as a surrogate pair range; Python strings
    # hold code points, so that range becomes the plane range itself.
    pattern = pattern.replace(r"\uD800\uDC00-\uDBFF\uDFFF", r"\U00010000-\U0010FFFF")
    return regex.compile(pattern)


@cache
def _checker(shape: Any) -> Checker:
    kind = shape.type_name
    if getattr(shape, "is_document_type", False):
        # A document (identitystore's AttributeValue) is any JSON value.
        return _accept_anything
    if kind == "structure":
        return _structure_checker(shape)
    if kind == "list":
        return _list_checker(shape)
    if kind == "map":
        return _map_checker(shape)
    if kind == "string":
        return _string_checker(shape)
    if kind in ("integer", "long", "float", "double"):
        return _number_checker(shape)
    if kind == "boolean":
        return _boolean_checker(shape)
    if kind == "timestamp":
        return _timestamp_checker(shape)
    if kind == "blob":
        return _blob_checker(shape)
    return _accept_anything


def _accept_anything(value: Any, path: str, violations: list[Violation]) -> None:
    return None


def _type_violation(path: str, value: Any, expected: str) -> Violation:
    return Violation(
        path, TYPE, f"Member must be of type {expected}", value, path.rsplit(".", 1)[-1]
    )


def _null_violation(path: str) -> Violation:
    # A null list element or map value cannot be read into the member's type, so it is reported
    # like a value of the wrong type. Smithy allows nulls only in lists and maps marked `sparse`,
    # and no model that orgstack serves marks one.
    return Violation(path, TYPE, "Member must not be null", None, path.rsplit(".", 1)[-1])


def _structure_checker(shape: Any) -> Checker:
    members = {name: member for name, member in shape.members.items()}
    required = tuple(shape.required_members)

    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if not isinstance(value, dict):
            violations.append(_type_violation(path, value, "structure"))
            return
        for name in required:
            if value.get(name) is None:
                member_path = _member_path(path, name)
                violations.append(
                    Violation(member_path, REQUIRED, "Member must not be null", None, name)
                )
        # Unknown members are ignored, as AWS ignores them.
        for name, member_value in value.items():
            member = members.get(name)
            if member is None or member_value is None:
                continue
            _checker(member)(member_value, _member_path(path, name), violations)

    return check


def _length_checks(shape: Any, value_length: int, value: Any, path: str) -> list[Violation]:
    found: list[Violation] = []
    minimum = shape.metadata.get("min")
    maximum = shape.metadata.get("max")
    member = path.rsplit(".", 1)[-1]
    if minimum is not None and value_length < minimum:
        found.append(
            Violation(
                path,
                MIN_LENGTH,
                f"Member must have length greater than or equal to {minimum}",
                value,
                member,
            )
        )
    if maximum is not None and value_length > maximum:
        found.append(
            Violation(
                path,
                MAX_LENGTH,
                f"Member must have length less than or equal to {maximum}",
                value,
                member,
            )
        )
    return found


def _list_checker(shape: Any) -> Checker:
    member_shape = shape.member

    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if not isinstance(value, list):
            violations.append(_type_violation(path, value, "list"))
            return
        violations.extend(_length_checks(shape, len(value), value, path))
        item_checker = _checker(member_shape)
        for index, item in enumerate(value, start=1):
            item_path = f"{path}.{index}.member"
            if item is None:
                violations.append(_null_violation(item_path))
            else:
                item_checker(item, item_path, violations)

    return check


def _map_checker(shape: Any) -> Checker:
    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if not isinstance(value, dict):
            violations.append(_type_violation(path, value, "map"))
            return
        violations.extend(_length_checks(shape, len(value), value, path))
        key_checker = _checker(shape.key)
        value_checker = _checker(shape.value)
        for key, item in value.items():
            key_checker(key, f"{path}.{key}.key", violations)
            if item is None:
                violations.append(_null_violation(f"{path}.{key}.value"))
            else:
                value_checker(item, f"{path}.{key}.value", violations)

    return check


def _string_checker(shape: Any) -> Checker:
    enum = tuple(shape.enum) if shape.enum else ()
    pattern_text = shape.metadata.get("pattern")
    pattern = _compile_pattern(pattern_text) if pattern_text else None
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if not isinstance(value, str):
            violations.append(_type_violation(path, value, "string"))
            return
        member = path.rsplit(".", 1)[-1]
        # AWS leaves the value of a sensitive member out of its message (`Value at 'password'`).
        shown = HIDDEN_VALUE if sensitive else value
        violations.extend(_length_checks(shape, len(value), shown, path))
        if enum and value not in enum:
            constraint = f"Member must satisfy enum value set: [{', '.join(enum)}]"
            violations.append(Violation(path, ENUM, constraint, shown, member))
        if "\x00" in value:
            # No AWS string member accepts NUL, and PostgreSQL cannot store it in text columns.
            constraint = "Member must not contain the NUL character"
            violations.append(Violation(path, PATTERN, constraint, value, member))
        elif pattern is not None and pattern.fullmatch(value) is None:
            constraint = f"Member must satisfy regular expression pattern: {pattern_text}"
            violations.append(Violation(path, PATTERN, constraint, shown, member))

    return check


def _number_checker(shape: Any) -> Checker:
    integral = shape.type_name in ("integer", "long")
    minimum = shape.metadata.get("min")
    maximum = shape.metadata.get("max")

    def check(value: Any, path: str, violations: list[Violation]) -> None:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or (integral and isinstance(value, float) and not value.is_integer()):
            violations.append(_type_violation(path, value, shape.type_name))
            return
        member = path.rsplit(".", 1)[-1]
        if minimum is not None and value < minimum:
            constraint = f"Member must have value greater than or equal to {minimum}"
            violations.append(Violation(path, MIN_VALUE, constraint, value, member))
        if maximum is not None and value > maximum:
            constraint = f"Member must have value less than or equal to {maximum}"
            violations.append(Violation(path, MAX_VALUE, constraint, value, member))

    return check


def _boolean_checker(shape: Any) -> Checker:
    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if not isinstance(value, bool):
            violations.append(_type_violation(path, value, "boolean"))

    return check


def _timestamp_checker(shape: Any) -> Checker:
    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if isinstance(value, dt.datetime) or parse_timestamp(value) is not None:
            return
        violations.append(_type_violation(path, value, "timestamp"))

    return check


def _blob_checker(shape: Any) -> Checker:
    def check(value: Any, path: str, violations: list[Violation]) -> None:
        if isinstance(value, bytes):
            return
        if isinstance(value, str):
            try:
                base64.b64decode(value, validate=True)
                return
            except (binascii.Error, ValueError):
                pass
        violations.append(_type_violation(path, value, "blob"))

    return check


def parse_timestamp(value: Any) -> dt.datetime | None:
    """Parse a timestamp as clients send it: epoch seconds (number) or ISO 8601 text.

    Returns None when `value` is neither.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
            except (OverflowError, OSError, ValueError):
                return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def coral_message(violations: list[Violation]) -> str:
    """Render violations as AWS's Coral services do.

    The form is `1 validation error detected: Value 'x' at 'name' failed to satisfy constraint:
    Member must ...`, with several violations joined by `; `.
    """
    parts = [
        f"{_render_value(violation.value)}at '{violation.path}' "
        f"failed to satisfy constraint: {violation.constraint}"
        for violation in violations
    ]
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(parts)


def _render_value(value: Any) -> str:
    if value is HIDDEN_VALUE:
        return "Value "
    return "Value null " if value is None else f"Value '{value}' "
