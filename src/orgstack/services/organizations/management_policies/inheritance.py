"""Merging of attached policies, one organization level at a time.

Rules, from the AWS Organizations User Guide ("Inheritance operators" and "Inheritance
examples" under "Policy syntax and inheritance for management policy types"):

- `@@assign` overwrites the inherited value, `@@append` adds values to an inherited
  array, `@@remove` deletes values from it.
- `@@operators_allowed_for_child_policies` limits the value-setting operators that
  policies at lower levels may use on that element. `@@none` also stops lower levels from
  adding keys under the element. A limit can only narrow as the levels go down.
- Several policies at one level are applied in attachment order. Their child-control
  limits intersect, and when two of them `@@assign` the same element, the first attached
  one wins.
- A change that a parent's limit forbids is left out of the effective policy. It is also
  reported as a validation error, so that the author can see why the change is missing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from . import operators as ops
from .model import (
    EffectivePolicyErrorCode,
    EffectivePolicyValidationError,
    JsonObject,
    JsonValue,
    json_pointer,
)
from .schema import Node, child_schema, folds_case


@dataclass(eq=False)
class MergedElement:
    """One element of the effective policy while it is being built.

    `value` is set once a value-setting operator has reached the element. `allowed` is
    the child-control limit inherited from higher levels, and `limited_by` the IDs of
    the policies that set it. `contributors` lists every policy that changed the element.
    """

    has_value: bool = False
    value: JsonValue = None
    children: dict[str, MergedElement] = field(default_factory=dict)
    allowed: ops.AllowedOperators = None
    limited_by: list[str] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)

    def find_child(self, key: str, fold_case: bool) -> tuple[str, MergedElement] | None:
        """Return the existing child for `key` and the spelling it was first given."""
        if key in self.children:
            return key, self.children[key]
        if not fold_case:
            return None
        for existing, child in self.children.items():
            if existing.lower() == key.lower():
                return existing, child
        return None


@dataclass
class _PendingLimit:
    element: MergedElement
    allowed: ops.AllowedOperators
    policy_ids: list[str]


@dataclass
class LevelMerge:
    """The merge of the policies attached at one level of the organization tree."""

    errors: list[EffectivePolicyValidationError]
    assigned_here: dict[int, str] = field(default_factory=dict)
    pending_limits: dict[int, _PendingLimit] = field(default_factory=dict)

    def apply_policy(
        self, policy_id: str, root: MergedElement, document: JsonObject, schema: Node
    ) -> None:
        """Apply one attached policy document to the effective policy tree."""
        self._apply_element(policy_id, root, document, schema, ())

    def finish(self) -> None:
        """Install this level's child-control limits so that they bind lower levels only."""
        for pending in self.pending_limits.values():
            element = pending.element
            element.allowed = ops.intersect(element.allowed, pending.allowed)
            element.limited_by.extend(
                policy_id for policy_id in pending.policy_ids if policy_id not in element.limited_by
            )

    def _apply_element(
        self,
        policy_id: str,
        element: MergedElement,
        body: JsonObject,
        schema: Node,
        path: tuple[str, ...],
    ) -> None:
        if ops.CHILD_CONTROL in body:
            self._record_limit(policy_id, element, body[ops.CHILD_CONTROL])

        for operator in (ops.ASSIGN, ops.APPEND, ops.REMOVE):
            if operator in body:
                self._apply_operator(policy_id, element, operator, body[operator], path)

        for key, child_body in body.items():
            if ops.is_operator(key) or not isinstance(child_body, dict):
                continue
            self._apply_child(policy_id, element, key, child_body, schema, path)

    def _apply_child(
        self,
        policy_id: str,
        element: MergedElement,
        key: str,
        child_body: JsonObject,
        schema: Node,
        path: tuple[str, ...],
    ) -> None:
        found = element.find_child(key, folds_case(schema))
        if found is not None:
            existing_key, child = found
            child_path = (*path, existing_key)
        elif element.allowed is not None and not element.allowed:
            self._reject_new_key(policy_id, element, (*path, key))
            return
        else:
            child = MergedElement()
            element.children[key] = child
            child_path = (*path, key)

        self._apply_element(policy_id, child, child_body, child_schema(schema, key), child_path)

    def _record_limit(self, policy_id: str, element: MergedElement, value: JsonValue) -> None:
        allowed, problem = ops.parse_child_control(value)
        if problem is not None:
            return

        pending = self.pending_limits.get(id(element))
        if pending is None:
            self.pending_limits[id(element)] = _PendingLimit(element, allowed, [policy_id])
            return
        pending.allowed = ops.intersect(pending.allowed, allowed)
        pending.policy_ids.append(policy_id)

    def _apply_operator(
        self,
        policy_id: str,
        element: MergedElement,
        operator: str,
        operand: JsonValue,
        path: tuple[str, ...],
    ) -> None:
        if element.allowed is not None and operator not in element.allowed:
            self._reject_operator(policy_id, element, operator, path)
            return

        if operator == ops.ASSIGN:
            # The first policy attached at a level wins an @@assign conflict at that level.
            if id(element) in self.assigned_here:
                return
            self.assigned_here[id(element)] = policy_id
            element.value = copy.deepcopy(operand)
        elif operator == ops.APPEND:
            element.value = _appended(element.value if element.has_value else None, operand)
        else:
            element.value = _removed(element.value, operand)

        element.has_value = True
        if policy_id not in element.contributors:
            element.contributors.append(policy_id)

    def _reject_operator(
        self, policy_id: str, element: MergedElement, operator: str, path: tuple[str, ...]
    ) -> None:
        message = (
            f"Policy {policy_id} uses {operator} at {json_pointer(path)}, but a parent policy "
            f"allows only {ops.describe(element.allowed)} there, so the change is ignored. "
            "Remove the operator from the child policy or allow it in the parent policy."
        )
        self.errors.append(
            EffectivePolicyValidationError(
                EffectivePolicyErrorCode.OPERATOR_NOT_ALLOWED,
                message,
                json_pointer(path),
                (*element.limited_by, policy_id),
            )
        )

    def _reject_new_key(
        self, policy_id: str, element: MergedElement, path: tuple[str, ...]
    ) -> None:
        message = (
            f"Policy {policy_id} adds {json_pointer(path)}, but a parent policy sets @@none "
            "on the element that contains it, so the addition is ignored. Remove the key "
            "from the child policy or relax the parent policy."
        )
        self.errors.append(
            EffectivePolicyValidationError(
                EffectivePolicyErrorCode.ELEMENT_NOT_ALLOWED,
                message,
                json_pointer(path),
                (*element.limited_by, policy_id),
            )
        )


def _appended(current: JsonValue, operand: JsonValue) -> JsonValue:
    values = list(current) if isinstance(current, list) else []
    additions = operand if isinstance(operand, list) else [operand]
    for item in additions:
        if item not in values:
            values.append(copy.deepcopy(item))
    return values


def _removed(current: JsonValue, operand: JsonValue) -> JsonValue:
    if not isinstance(current, list):
        return current
    removals = operand if isinstance(operand, list) else [operand]
    return [item for item in current if item not in removals]
