"""Read a policy document into a `Policy`, recording findings for every grammar problem.

The structure rules here are shared by every policy kind; the rules that depend on the kind and
the checks of element values live in `rules.py`. Findings are collected, never raised one by
one, so a caller sees every problem of a document at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from orgstack.json_depth import TOO_DEEP_MESSAGE, exceeds_nesting_depth
from orgstack.policy.findings import Finding, FindingLocation, FindingType
from orgstack.policy.model import (
    SUPPORTED_VERSIONS,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)

TOP_LEVEL_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

Path = tuple[str | int, ...]


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def load_json(text: str) -> tuple[object | None, Finding | None]:
    """Decode document text, rejecting duplicate object keys as IAM does.

    Returns the decoded value, or None and a JSON_SYNTAX_ERROR finding. Over-deep nesting is a
    syntax error, because decoding it would exhaust the interpreter's recursion limit.
    """
    if exceeds_nesting_depth(text):
        return None, _syntax_error(TOO_DEEP_MESSAGE)
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys), None
    except _DuplicateKeyError as exc:
        message = f"The policy repeats the key `{exc.key}` in one object. Keep one of them."
    except json.JSONDecodeError as exc:
        message = (
            f"The policy is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        )
    return None, _syntax_error(message)


def _syntax_error(message: str) -> Finding:
    return Finding(
        FindingType.ERROR, "JSON_SYNTAX_ERROR", message, FindingLocation(None, None, None, ())
    )


@dataclass
class Collector:
    """Accumulates findings; `fatal` is set when the policy cannot be evaluated at all."""

    findings: list[Finding] = field(default_factory=list)
    fatal: bool = False

    def add(
        self,
        finding_type: FindingType,
        code: str,
        message: str,
        path: Path,
        statement: tuple[int, str | None] | None = None,
    ) -> None:
        index, sid = statement if statement is not None else (None, None)
        element = next((part for part in reversed(path) if isinstance(part, str)), None)
        if element == "Statement":
            element = None
        location = FindingLocation(index, sid, element, path)
        self.findings.append(Finding(finding_type, code, message, location))

    def error(
        self, code: str, message: str, path: Path, statement: tuple[int, str | None] | None = None
    ) -> None:
        self.add(FindingType.ERROR, code, message, path, statement)


def read_policy(
    document: str | Mapping[str, object], kind: PolicyKind, out: Collector
) -> Policy | None:
    """Read the document structure into a `Policy`.

    Returns None (and sets `out.fatal`) when the document is too broken to evaluate: not JSON,
    not an object, no statements, or a statement whose Effect, action or condition structure is
    unreadable. Other problems only add findings.
    """
    data: object = document
    if isinstance(document, str):
        data, problem = load_json(document)
        if problem is not None:
            out.findings.append(problem)
            out.fatal = True
            return None
    if not isinstance(data, Mapping):
        out.error("JSON_SYNTAX_ERROR", "The policy must be a JSON object.", ())
        out.fatal = True
        return None

    for key in data:
        if key not in TOP_LEVEL_ELEMENTS:
            out.error(
                "INVALID_POLICY_ELEMENT",
                f"`{key}` is not a policy element. Use only Version, Id and Statement.",
                (key,),
            )

    version = _read_version(data, out)
    document_id = data.get("Id")
    if document_id is not None and not isinstance(document_id, str):
        out.error("DATA_TYPE_MISMATCH", "The Id element must be a string.", ("Id",))
        document_id = None

    raw_statements = _statement_list(data, out)
    statements: list[Statement] = []
    for index, raw in enumerate(raw_statements):
        statement = _read_statement(index, raw, out)
        if statement is not None:
            statements.append(statement)
    if out.fatal:
        return None
    return Policy(kind, version, document_id, tuple(statements))


def _read_version(data: Mapping[str, object], out: Collector) -> str | None:
    version = data.get("Version")
    if version is None:
        out.add(
            FindingType.WARNING,
            "MISSING_VERSION",
            "The policy has no Version, so IAM reads it as 2008-10-17. "
            'Add "Version": "2012-10-17".',
            (),
        )
        return None
    if version not in SUPPORTED_VERSIONS:
        out.error(
            "INVALID_VERSION",
            f"The Version `{version}` is not valid. Use 2012-10-17 (or the older 2008-10-17).",
            ("Version",),
        )
        return None
    return str(version)


def _statement_list(data: Mapping[str, object], out: Collector) -> Sequence[object]:
    raw = data.get("Statement")
    if raw is None:
        out.error("MISSING_STATEMENT", "The policy has no Statement element. Add one.", ())
        out.fatal = True
        return ()
    if isinstance(raw, Mapping):
        return (raw,)
    if isinstance(raw, list):
        if not raw:
            out.error("MISSING_STATEMENT", "The Statement list is empty. Add a statement.", ())
            out.fatal = True
        return raw
    out.error(
        "DATA_TYPE_MISMATCH",
        "The Statement element must be an object or a list of objects.",
        ("Statement",),
    )
    out.fatal = True
    return ()


def _read_statement(index: int, raw: object, out: Collector) -> Statement | None:
    base: Path = ("Statement", index)
    if not isinstance(raw, Mapping):
        out.error(
            "DATA_TYPE_MISMATCH", "Each statement must be a JSON object.", base, (index, None)
        )
        out.fatal = True
        return None

    sid_value = raw.get("Sid")
    sid = sid_value if isinstance(sid_value, str) else None
    where = (index, sid)
    if sid_value is not None and sid is None:
        out.error("DATA_TYPE_MISMATCH", "The Sid must be a string.", (*base, "Sid"), where)
    for key in raw:
        if key not in STATEMENT_ELEMENTS:
            out.error(
                "INVALID_POLICY_ELEMENT",
                f"`{key}` is not a statement element. Check its spelling and case.",
                (*base, key),
                where,
            )

    effect = _read_effect(raw, base, where, out)
    actions, not_action = _read_pair(raw, "Action", "NotAction", base, where, out, required=True)
    resources, not_resource = _read_pair(
        raw, "Resource", "NotResource", base, where, out, required=False
    )
    principal, not_principal = _read_principal_pair(raw, base, where, out)
    conditions = _read_conditions(raw.get("Condition"), (*base, "Condition"), where, out)

    if effect is None or actions is None or conditions is None:
        out.fatal = True
        return None
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principal=principal,
        not_principal=not_principal,
        conditions=conditions,
    )


def _read_effect(
    raw: Mapping[str, object], base: Path, where: tuple[int, str | None], out: Collector
) -> Effect | None:
    value = raw.get("Effect")
    if value is None:
        out.error("MISSING_EFFECT", "The statement has no Effect. Add Allow or Deny.", base, where)
        return None
    if value not in (Effect.ALLOW, Effect.DENY):
        out.error(
            "INVALID_EFFECT",
            f"The Effect `{value}` is not valid. Use Allow or Deny (case-sensitive).",
            (*base, "Effect"),
            where,
        )
        return None
    return Effect(str(value))


def _read_pair(
    raw: Mapping[str, object],
    name: str,
    negated_name: str,
    base: Path,
    where: tuple[int, str | None],
    out: Collector,
    *,
    required: bool,
) -> tuple[tuple[str, ...] | None, bool]:
    """Read Action/NotAction or Resource/NotResource: exactly one of the two may appear."""
    has_plain, has_negated = name in raw, negated_name in raw
    if has_plain and has_negated:
        out.error(
            "UNSUPPORTED_ELEMENT_COMBINATION",
            f"A statement cannot contain both {name} and {negated_name}. Keep one of them.",
            (*base, negated_name),
            where,
        )
        return None, False
    if not has_plain and not has_negated:
        if required:
            out.error(
                f"MISSING_{name.upper()}",
                f"The statement has neither {name} nor {negated_name}. Add one of them.",
                base,
                where,
            )
        return None, False

    element = name if has_plain else negated_name
    values = _string_list(raw[element], (*base, element), where, out)
    return values, has_negated


def _string_list(
    value: object, path: Path, where: tuple[int, str | None], out: Collector
) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        if not value:
            out.add(
                FindingType.WARNING,
                f"EMPTY_ARRAY_{str(path[-1]).upper()}",
                f"The {path[-1]} list is empty, so the statement never matches.",
                path,
                where,
            )
        return tuple(str(item) for item in value)
    out.error(
        "DATA_TYPE_MISMATCH", f"{path[-1]} must be a string or a list of strings.", path, where
    )
    return None


def _read_principal_pair(
    raw: Mapping[str, object], base: Path, where: tuple[int, str | None], out: Collector
) -> tuple[PrincipalBlock | None, bool]:
    if "Principal" in raw and "NotPrincipal" in raw:
        out.error(
            "UNSUPPORTED_ELEMENT_COMBINATION",
            "A statement cannot contain both Principal and NotPrincipal. Keep one of them.",
            (*base, "NotPrincipal"),
            where,
        )
        out.fatal = True
        return None, False
    for element, negated in (("Principal", False), ("NotPrincipal", True)):
        if element in raw:
            block = _read_principal(raw[element], (*base, element), where, out)
            if block is None:
                # An unreadable principal could widen or narrow the statement: refuse to guess.
                out.fatal = True
            return block, negated
    return None, False


def _read_principal(
    value: object, path: Path, where: tuple[int, str | None], out: Collector
) -> PrincipalBlock | None:
    if value == "*":
        return PrincipalBlock(wildcard=True)
    if not isinstance(value, Mapping) or not value:
        out.error(
            "INVALID_PRINCIPAL_FORMAT",
            'A principal must be "*" or an object such as {"AWS": "<arn>"}.',
            path,
            where,
        )
        return None

    values: dict[str, tuple[str, ...]] = {}
    for principal_type, identifiers in value.items():
        if principal_type not in PRINCIPAL_TYPES:
            out.error(
                "INVALID_PRINCIPAL_KEY",
                f"`{principal_type}` is not a principal type. Use AWS, Service, Federated or "
                "CanonicalUser.",
                (*path, principal_type),
                where,
            )
            return None
        listed = _string_list(identifiers, (*path, principal_type), where, out)
        if listed is None:
            return None
        values[principal_type] = listed
    wildcard = values.get("AWS") == ("*",)
    return PrincipalBlock(wildcard=wildcard, values=values)


def _read_conditions(
    value: object, path: Path, where: tuple[int, str | None], out: Collector
) -> tuple[ConditionClause, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        out.error("DATA_TYPE_MISMATCH", "The Condition element must be a JSON object.", path, where)
        return None

    clauses: list[ConditionClause] = []
    for operator, block in value.items():
        if not isinstance(block, Mapping) or not block:
            out.error(
                "DATA_TYPE_MISMATCH",
                f"The operator `{operator}` must map to an object of condition keys and values.",
                (*path, operator),
                where,
            )
            return None
        for key, raw_values in block.items():
            values = _condition_values(raw_values)
            if values is None:
                out.error(
                    "DATA_TYPE_MISMATCH",
                    f"The values of `{key}` must be strings, numbers, booleans or a list of them.",
                    (*path, operator, key),
                    where,
                )
                return None
            clauses.append(ConditionClause(str(operator), str(key), values))
    return tuple(clauses)


def _condition_values(raw: object) -> tuple[str, ...] | None:
    items = raw if isinstance(raw, list) else [raw]
    values: list[str] = []
    for item in items:
        # bool is checked before int because bool is a subclass of int in Python.
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str):
            values.append(item)
        elif isinstance(item, int | float):
            values.append(str(item))
        else:
            return None
    return tuple(values) if values else None
