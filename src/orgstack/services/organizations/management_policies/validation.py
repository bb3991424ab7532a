"""Validation of one management policy document against its type's grammar."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from orgstack.json_depth import TOO_DEEP_MESSAGE, exceeds_nesting_depth

from . import operators as ops
from .grammars import grammar_for
from .model import (
    AUTHORIZATION_POLICY_TYPES,
    ContentError,
    ContentErrorReason,
    JsonObject,
    JsonValue,
    content_size_limit,
    json_pointer,
    parse_policy_type,
)
from .schema import Collection, Grammar, Node, Open, Section, Setting, ValueKind, child_schema

_MALFORMED = ContentErrorReason.MALFORMED_POLICY_DOCUMENT

Path = tuple[str, ...]


class _DuplicateKeyError(ValueError):
    pass


def check_content_size(policy_type: str, content: str) -> ContentError | None:
    """Return a POLICY_CONTENT_LIMIT_EXCEEDED error when `content` is over the type's limit.

    The limit counts characters, whitespace included, for every type including SCPs and RCPs.
    """
    limit = content_size_limit(policy_type)
    if len(content) <= limit:
        return None

    return ContentError(
        ContentErrorReason.POLICY_CONTENT_LIMIT_EXCEEDED,
        "",
        f"The policy document has {len(content)} characters; the maximum for "
        f"{policy_type} is {limit}. Remove whitespace or split the policy.",
    )


def validate_content(policy_type: str, content: str) -> list[ContentError]:
    """Validate a management policy document; return every problem found, or [] when valid.

    The size limit is checked first, and an oversized document gets only that error.
    Otherwise the errors are MALFORMED_POLICY_DOCUMENT ones: invalid JSON, duplicate keys,
    keys outside the type's grammar, and misplaced or mistyped inheritance operators.
    Raises `ValueError` for an unknown type or for SCPs and RCPs, which the IAM policy
    engine validates.
    """
    parsed_type = parse_policy_type(policy_type)
    if parsed_type in AUTHORIZATION_POLICY_TYPES:
        raise ValueError(
            f"`{policy_type}` is an authorization policy type; validate it with the IAM "
            "policy engine and use check_content_size for its size limit."
        )

    size_error = check_content_size(policy_type, content)
    if size_error is not None:
        return [size_error]

    document, parse_error = parse_document(content)
    if parse_error is not None:
        return [parse_error]

    assert document is not None
    return validate_document(grammar_for(parsed_type), document)


def parse_document(content: str) -> tuple[JsonObject | None, ContentError | None]:
    """Parse policy text into a JSON object; return it, or None and the reason it failed.

    Duplicate keys are rejected because two values for one key make a policy ambiguous, and
    over-deep nesting because decoding it would exhaust the interpreter's recursion limit.
    """
    if exceeds_nesting_depth(content):
        return None, ContentError(_MALFORMED, "", TOO_DEEP_MESSAGE)
    try:
        value = json.loads(
            content,
            object_pairs_hook=_reject_duplicate_keys,
            parse_constant=_reject_constant,
        )
    except _DuplicateKeyError as error:
        return None, ContentError(_MALFORMED, "", str(error))
    except ValueError as error:
        return None, ContentError(_MALFORMED, "", f"The policy is not valid JSON: {error}.")

    if not isinstance(value, dict):
        return None, ContentError(_MALFORMED, "", "The policy must be a JSON object.")
    return value, None


def _reject_duplicate_keys(pairs: list[tuple[str, JsonValue]]) -> JsonObject:
    result: JsonObject = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(
                f"The policy repeats the key `{key}` in one object; keep one of them."
            )
        result[key] = value
    return result


def _reject_constant(name: str) -> JsonValue:
    raise ValueError(f"`{name}` is not a JSON value")


@dataclass
class _Walk:
    grammar: Grammar
    errors: list[ContentError] = field(default_factory=list)

    def fail(self, path: Path, problem: str) -> None:
        pointer = json_pointer(path)
        where = f"`{pointer}`" if pointer else "the document root"
        message = f"Invalid {self.grammar.name}: {where} {problem}."
        self.errors.append(ContentError(_MALFORMED, pointer, message))


def validate_document(grammar: Grammar, document: JsonObject) -> list[ContentError]:
    """Check a parsed document against `grammar`; return the problems found."""
    walk = _Walk(grammar)
    _check_root(walk, document)
    for check in grammar.document_checks:
        for path, problem in check(document):
            walk.fail(path, problem)
    return walk.errors


def _check_root(walk: _Walk, document: JsonObject) -> None:
    top_key = walk.grammar.top_key
    if top_key is not None and top_key not in document:
        walk.fail((), f"must start with the `{top_key}` key")
        return

    elements: JsonObject = {}
    for key, value in document.items():
        if ops.is_operator(key):
            walk.fail((key,), "is an operator; operators belong inside policy elements")
        else:
            elements[key] = value
    _check_element(walk, walk.grammar.root, elements, ())


def _check_element(walk: _Walk, node: Node, value: JsonValue, path: Path) -> None:
    if not isinstance(value, dict):
        walk.fail(path, 'must be a JSON object such as {"@@assign": ...}')
        return

    _check_child_control(walk, value, path)
    value_operators = [key for key in value if key in ops.VALUE_OPERATORS]
    unknown_operators = [
        key
        for key in value
        if ops.is_operator(key) and key not in ops.VALUE_OPERATORS and key != ops.CHILD_CONTROL
    ]
    for key in unknown_operators:
        walk.fail((*path, key), "is not an inheritance operator")

    if value_operators:
        _check_value_element(walk, node, value, path, value_operators)
        return

    if isinstance(node, Setting):
        for key in value:
            if not ops.is_operator(key):
                walk.fail((*path, key), "is not allowed inside a setting")
        return

    _check_children(walk, node, value, path)


def _check_child_control(walk: _Walk, value: JsonObject, path: Path) -> None:
    if ops.CHILD_CONTROL not in value:
        return

    control_path = (*path, ops.CHILD_CONTROL)
    allowed, problem = ops.parse_child_control(value[ops.CHILD_CONTROL])
    if problem is not None:
        walk.fail(control_path, problem)
        return

    forbidden = (allowed or frozenset()) - walk.grammar.value_operators
    for name in sorted(forbidden):
        walk.fail(control_path, f"lists `{name}`, which {walk.grammar.name} documents do not use")


def _check_children(walk: _Walk, node: Node, value: JsonObject, path: Path) -> None:
    keys = [key for key in value if not ops.is_operator(key)]

    if isinstance(node, Collection) and node.max_items is not None and len(keys) > node.max_items:
        walk.fail(path, f"has {len(keys)} entries; the maximum is {node.max_items}")

    for key in keys:
        child_path = (*path, key)
        if isinstance(node, Section) and key not in node.fields and not node.open:
            expected = ", ".join(f"`{name}`" for name in node.fields)
            walk.fail(child_path, f"is not a valid key here; expected one of {expected}")
            continue
        if isinstance(node, Collection) and node.key_check is not None:
            problem = node.key_check(key)
            if problem is not None:
                walk.fail(child_path, problem)
        _check_element(walk, child_schema(node, key), value[key], child_path)


def _check_value_element(
    walk: _Walk, node: Node, value: JsonObject, path: Path, value_operators: list[str]
) -> None:
    if isinstance(node, Section | Collection):
        walk.fail(path, f"contains policy elements, so it cannot take `{value_operators[0]}`")
        return

    if len(value_operators) > 1:
        walk.fail(path, "uses more than one value-setting operator; keep only one")
        return

    for key in value:
        if not ops.is_operator(key):
            walk.fail((*path, key), f"cannot sit next to `{value_operators[0]}`")

    operator = value_operators[0]
    if not _operator_allowed(walk, node, operator):
        walk.fail((*path, operator), f"is not allowed on this element; {_hint(walk, node)}")
        return

    if operator in ops.LIST_ONLY_OPERATORS and not isinstance(value[operator], list):
        walk.fail((*path, operator), "works only on JSON arrays")
    elif isinstance(node, Setting):
        _check_setting_value(walk, node, value[operator], (*path, operator))


def _operator_allowed(walk: _Walk, node: Open | Setting, operator: str) -> bool:
    if operator not in walk.grammar.value_operators:
        return False
    return isinstance(node, Open) or operator in node.allowed_operators()


def _hint(walk: _Walk, node: Open | Setting) -> str:
    allowed = walk.grammar.value_operators
    if isinstance(node, Setting):
        allowed = allowed & node.allowed_operators()
    return "use " + " or ".join(f"`{name}`" for name in sorted(allowed))


def _check_setting_value(walk: _Walk, setting: Setting, value: JsonValue, path: Path) -> None:
    if setting.kind is ValueKind.STRING_OR_LIST and isinstance(value, str):
        _check_item(walk, setting, value, path)
    elif setting.kind in (ValueKind.STRING_LIST, ValueKind.STRING_OR_LIST):
        _check_string_list(walk, setting, value, path)
    elif setting.kind is ValueKind.STRING:
        if not isinstance(value, str):
            walk.fail(path, f"must be {setting.kind.value}")
        else:
            _check_item(walk, setting, value, path)
    elif not isinstance(value, str | int | float | bool):
        walk.fail(path, f"must be {setting.kind.value}")


def _check_string_list(walk: _Walk, setting: Setting, value: JsonValue, path: Path) -> None:
    if not isinstance(value, list):
        walk.fail(path, f"must be {setting.kind.value}")
        return

    if setting.max_items is not None and len(value) > setting.max_items:
        walk.fail(path, f"has {len(value)} values; the maximum is {setting.max_items}")

    for item in value:
        if not isinstance(item, str):
            walk.fail(path, f"must be {setting.kind.value}, but contains `{json.dumps(item)}`")
            continue
        _check_item(walk, setting, item, path)


def _check_item(walk: _Walk, setting: Setting, item: str, path: Path) -> None:
    if setting.choices and item not in setting.choices:
        choices = ", ".join(f"`{choice}`" for choice in sorted(setting.choices))
        walk.fail(path, f"has the value `{item}`; use one of {choices}")
        return

    if setting.item_check is not None:
        problem = setting.item_check(item)
        if problem is not None:
            walk.fail(path, problem)
