"""Inheritance operators of the management policy types.

Source: AWS Organizations User Guide, "Inheritance operators" under "Policy syntax and
inheritance for management policy types".
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import JsonValue

ASSIGN = "@@assign"
APPEND = "@@append"
REMOVE = "@@remove"
CHILD_CONTROL = "@@operators_allowed_for_child_policies"
ALL = "@@all"
NONE = "@@none"

VALUE_OPERATORS = frozenset({ASSIGN, APPEND, REMOVE})
"""Value-setting operators, in the order a reader meets them in the user guide."""

LIST_ONLY_OPERATORS = frozenset({APPEND, REMOVE})
"""`@@append` and `@@remove` work only on multi-valued (JSON array) settings."""

CHILD_CONTROL_VALUES = VALUE_OPERATORS | {ALL, NONE}

AllowedOperators = frozenset[str] | None
"""Operators a child policy may use at one element: None means every operator (`@@all`)."""


def is_operator(key: str) -> bool:
    """Return True when an object key is written as an operator (starts with `@@`)."""
    return key.startswith("@@")


def parse_child_control(value: JsonValue) -> tuple[AllowedOperators, str | None]:
    """Read an `@@operators_allowed_for_child_policies` value.

    Returns the allowed operators and None, or None and a problem description when the
    value is not a non-empty array of operator names. `@@all` and `@@none` must stand alone.
    """
    if not isinstance(value, list) or not value:
        return None, "must be a non-empty JSON array of operator names"

    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in CHILD_CONTROL_VALUES:
            allowed = ", ".join(sorted(CHILD_CONTROL_VALUES))
            return None, f"contains `{item}`; use only {allowed}"
        names.append(item)

    if (ALL in names or NONE in names) and len(set(names)) > 1:
        return None, "lists `@@all` or `@@none` together with other operators"

    return allowed_from_names(names), None


def allowed_from_names(names: Sequence[str]) -> AllowedOperators:
    """Turn validated child-control names into an `AllowedOperators` value."""
    if ALL in names:
        return None
    if NONE in names:
        return frozenset()
    return frozenset(names)


def intersect(first: AllowedOperators, second: AllowedOperators) -> AllowedOperators:
    """Combine two restrictions: a child may use only what both allow."""
    if first is None:
        return second
    if second is None:
        return first
    return first & second


def describe(allowed: AllowedOperators) -> str:
    """Return a restriction in the policy syntax, for messages."""
    if allowed is None:
        return ALL
    if not allowed:
        return NONE
    return ", ".join(sorted(allowed))
