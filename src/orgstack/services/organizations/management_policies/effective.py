"""Effective policy computation for management policy types.

The effective policy of an account merges the policies attached to the root, to each OU
from the top down, and to the account itself (AWS Organizations User Guide, "Policy
syntax and inheritance for management policy types"). It is returned without inheritance
operators, as DescribeEffectivePolicy returns it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .grammars import grammar_for
from .inheritance import LevelMerge, MergedElement
from .model import (
    AUTHORIZATION_POLICY_TYPES,
    EffectivePolicyErrorCode,
    EffectivePolicyValidationError,
    JsonObject,
    JsonValue,
    json_pointer,
    parse_policy_type,
)
from .schema import Collection, Node, Section, Setting, child_schema


@dataclass(frozen=True)
class AttachedPolicy:
    """A parsed policy document attached to one target, with its policy ID."""

    policy_id: str
    document: JsonObject


@dataclass(frozen=True)
class PolicyLevel:
    """The policies attached to one target (root, OU or account), in attachment order."""

    target_id: str
    policies: tuple[AttachedPolicy, ...]


@dataclass(frozen=True)
class EffectivePolicy:
    """The merged policy of one account and the validation errors found while merging.

    `document` has no inheritance operators. Elements whose value ends up empty, such as
    an array after `@@remove` took every value out, are left out of it.
    """

    document: JsonObject
    validation_errors: tuple[EffectivePolicyValidationError, ...]

    def content(self) -> str:
        """Return `document` as the `PolicyContent` string of DescribeEffectivePolicy."""
        return json.dumps(self.document, separators=(",", ":"))


class _Absent:
    """Marker for an element that has nothing to show in the effective policy."""


_ABSENT = _Absent()


def compute_effective_policy(
    policy_type: str, levels: Sequence[PolicyLevel]
) -> EffectivePolicy | None:
    """Merge the policies of `levels`, ordered root first and the account last.

    Documents must already have passed `validate_content`. Returns None when no policy is
    attached at any level, the case in which DescribeEffectivePolicy raises
    EffectivePolicyNotFoundException. Raises `ValueError` for SCPs and RCPs, which have
    no effective policy.
    """
    parsed_type = parse_policy_type(policy_type)
    if parsed_type in AUTHORIZATION_POLICY_TYPES:
        raise ValueError(f"`{policy_type}` has no effective policy; it is an authorization type.")
    if not any(level.policies for level in levels):
        return None

    grammar = grammar_for(parsed_type)
    root = MergedElement()
    errors: list[EffectivePolicyValidationError] = []
    for level in levels:
        merge = LevelMerge(errors)
        for attached in level.policies:
            merge.apply_policy(attached.policy_id, root, attached.document, grammar.root)
        merge.finish()

    _check_result(root, grammar.root, (), errors)
    document = _render(root)
    return EffectivePolicy(
        document=document if isinstance(document, dict) else {},
        validation_errors=tuple(errors),
    )


def _render(element: MergedElement) -> JsonValue | _Absent:
    if element.has_value:
        if element.value is None or element.value == []:
            return _ABSENT
        return copy.deepcopy(element.value)

    rendered: JsonObject = {}
    for key, child in element.children.items():
        value = _render(child)
        if not isinstance(value, _Absent):
            rendered[key] = value
    return rendered if rendered else _ABSENT


def _check_result(
    element: MergedElement,
    schema: Node,
    path: tuple[str, ...],
    errors: list[EffectivePolicyValidationError],
) -> None:
    """Check the merged policy for missing required elements and too many entries."""
    if isinstance(_render(element), _Absent):
        return

    if isinstance(schema, Setting):
        _check_setting_size(element, schema, path, errors)
        return

    if isinstance(schema, Section):
        _check_required(element, schema, path, errors)
    if isinstance(schema, Collection):
        _check_collection_size(element, schema, path, errors)

    for key, child in element.children.items():
        _check_result(child, child_schema(schema, key), (*path, key), errors)


def _check_required(
    element: MergedElement,
    schema: Section,
    path: tuple[str, ...],
    errors: list[EffectivePolicyValidationError],
) -> None:
    for name in sorted(schema.required):
        child = element.children.get(name)
        if child is not None and not isinstance(_render(child), _Absent):
            continue

        missing_path = json_pointer((*path, name))
        errors.append(
            EffectivePolicyValidationError(
                EffectivePolicyErrorCode.ELEMENT_MISSING,
                f"The effective policy has no value for {missing_path}. Assign it in a "
                "policy attached to the account or to one of its parents.",
                missing_path,
                tuple(_subtree_contributors(element)),
            )
        )


def _check_collection_size(
    element: MergedElement,
    schema: Collection,
    path: tuple[str, ...],
    errors: list[EffectivePolicyValidationError],
) -> None:
    present = [
        child for child in element.children.values() if not isinstance(_render(child), _Absent)
    ]
    if schema.max_items is None or len(present) <= schema.max_items:
        return

    _too_many(len(present), schema.max_items, path, _subtree_contributors(element), errors)


def _check_setting_size(
    element: MergedElement,
    schema: Setting,
    path: tuple[str, ...],
    errors: list[EffectivePolicyValidationError],
) -> None:
    value = element.value
    if schema.max_items is None or not isinstance(value, list) or len(value) <= schema.max_items:
        return

    _too_many(len(value), schema.max_items, path, element.contributors, errors)


def _too_many(
    count: int,
    maximum: int,
    path: tuple[str, ...],
    contributors: list[str],
    errors: list[EffectivePolicyValidationError],
) -> None:
    pointer = json_pointer(path)
    errors.append(
        EffectivePolicyValidationError(
            EffectivePolicyErrorCode.ELEMENTS_TOO_MANY,
            f"The effective policy has {count} entries at {pointer}; the maximum is "
            f"{maximum}. Remove entries from the contributing policies.",
            pointer,
            tuple(contributors),
        )
    )


def _subtree_contributors(element: MergedElement) -> list[str]:
    found: list[str] = []
    pending = [element]
    while pending:
        current = pending.pop(0)
        found.extend(policy_id for policy_id in current.contributors if policy_id not in found)
        pending.extend(current.children.values())
    return found
