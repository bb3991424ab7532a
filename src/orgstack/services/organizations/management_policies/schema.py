"""Building blocks that describe the grammar of one management policy type.

A policy document is a tree of JSON objects. Each object in the tree is one of:

- a `Setting`, which contains exactly one value-setting operator (`{"@@assign": ...}`),
- a `Section`, whose keys are fixed names defined by AWS,
- a `Collection`, whose keys are names the author chooses (tag keys, plan names),
- an `Open` subtree, whose keys AWS documents only by example.

Any object may also hold `@@operators_allowed_for_child_policies`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .model import JsonObject
from .operators import ASSIGN, VALUE_OPERATORS

ItemCheck = Callable[[str], str | None]
"""Check one string value; return a problem description, or None when it is valid."""

DocumentCheck = Callable[[JsonObject], list[tuple[tuple[str, ...], str]]]
"""Check rules that span several elements; return (path, problem) pairs."""


class ValueKind(enum.Enum):
    """The JSON type a setting's value-setting operator takes."""

    STRING = "a string"
    STRING_LIST = "a JSON array of strings"
    STRING_OR_LIST = "a string or a JSON array of strings"
    SCALAR = "a string, number or boolean"


@dataclass(frozen=True)
class Setting:
    """A leaf element that takes a value-setting operator.

    `operators` defaults by kind: single-valued settings take only `@@assign`, because
    `@@append` and `@@remove` work only on JSON arrays.
    """

    kind: ValueKind
    choices: frozenset[str] = frozenset()
    operators: frozenset[str] | None = None
    item_check: ItemCheck | None = None
    max_items: int | None = None

    def allowed_operators(self) -> frozenset[str]:
        """Return the value-setting operators this setting accepts."""
        if self.operators is not None:
            return self.operators
        if self.kind in (ValueKind.STRING_LIST, ValueKind.STRING_OR_LIST):
            return VALUE_OPERATORS
        return frozenset({ASSIGN})


@dataclass(frozen=True)
class Section:
    """An element with fixed key names.

    `required` names the keys that the effective policy must contain; single attached
    policies may omit them because another level can supply them. An `open` section also
    accepts keys it does not name and checks them as `Open` subtrees.
    """

    fields: Mapping[str, Node]
    required: frozenset[str] = frozenset()
    open: bool = False


@dataclass(frozen=True)
class Collection:
    """An element whose keys the policy author chooses, each holding an `item`.

    With `case_insensitive`, keys that differ only in case name the same entry when
    policies merge, as tag policy keys do.
    """

    item: Node
    case_insensitive: bool = False
    max_items: int | None = None
    key_check: ItemCheck | None = None


@dataclass(frozen=True)
class Open:
    """A subtree that is checked only for JSON objects and correct operator use."""


Node = Setting | Section | Collection | Open


@dataclass(frozen=True)
class Grammar:
    """The grammar of one management policy type.

    `top_key` is the fixed key every document of the type starts with, or None when any
    JSON object is accepted. `value_operators` limits the value-setting operators of the
    whole type (AI services opt-out policies allow only `@@assign`).
    """

    name: str
    root: Section | Open
    top_key: str | None
    value_operators: frozenset[str] = VALUE_OPERATORS
    document_checks: tuple[DocumentCheck, ...] = field(default=())


def child_schema(node: Node, key: str) -> Node:
    """Return the schema of `key` inside an element described by `node`."""
    if isinstance(node, Section):
        return node.fields.get(key, Open())
    if isinstance(node, Collection):
        return node.item
    return Open()


def folds_case(node: Node) -> bool:
    """Return True when keys under `node` match without regard to case."""
    return isinstance(node, Collection) and node.case_insensitive
