"""Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`) and escapes.

IAM substitutes variables only in policies whose `Version` is 2012-10-17; under 2008-10-17 a
`${...}` is literal text. `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`.
Source: IAM User Guide, "IAM policy elements: Variables and tags".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# A piece of a pattern: literal text, one of the two wildcards, or a variable.
STAR = "*"
QUESTION = "?"

_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Literal:
    """Text compared as is; wildcard characters inside it are not wildcards."""

    text: str


@dataclass(frozen=True)
class Wildcard:
    """`*` (any run of characters) or `?` (exactly one character)."""

    symbol: str


@dataclass(frozen=True)
class Variable:
    """A policy variable: the context key it reads and its default, if any."""

    key: str
    default: str | None


Token = Literal | Wildcard | Variable


class VariableSyntaxError(ValueError):
    """Raised for a `${` without its `}` or an empty `${}`."""

    def __init__(self, text: str, issue_code: str, reason: str) -> None:
        self.text = text
        self.issue_code = issue_code
        super().__init__(f"invalid policy variable in `{text}`: {reason}")


def tokenize(text: str, *, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    """Split a policy string into literal text, wildcards and variables.

    With `variables` false (Version 2008-10-17) `${` is plain text. With `wildcards` false,
    `*` and `?` are plain text too (StringEquals values). Adjacent literal pieces are merged.
    """
    tokens: list[Token] = []
    buffer: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if variables and text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise VariableSyntaxError(text, "MISSING_BRACE_IN_VARIABLE", "add the closing `}`")
            body = text[i + 2 : end]
            i = end + 1
            if body in _ESCAPES:
                buffer.append(_ESCAPES[body])
                continue
            variable = _read_variable(text, body)
            _flush(buffer, tokens)
            tokens.append(variable)
            continue
        if wildcards and char in (STAR, QUESTION):
            _flush(buffer, tokens)
            tokens.append(Wildcard(char))
        else:
            buffer.append(char)
        i += 1
    _flush(buffer, tokens)
    return tuple(tokens)


def tokenize_plain(text: str) -> tuple[Literal | Wildcard, ...]:
    """Split a glob without policy variables into literal text and wildcards."""
    tokens = tokenize(text, variables=False, wildcards=True)
    return tuple(token for token in tokens if isinstance(token, Literal | Wildcard))


def _flush(buffer: list[str], tokens: list[Token]) -> None:
    if buffer:
        tokens.append(Literal("".join(buffer)))
        buffer.clear()


def _read_variable(text: str, body: str) -> Variable:
    if not body.strip():
        raise VariableSyntaxError(text, "EMPTY_VARIABLE", "name a context key inside `${}`")
    with_default = _DEFAULT.match(body)
    if with_default:
        return Variable(key=with_default.group(1), default=with_default.group(2))
    if "," in body or "'" in body:
        raise VariableSyntaxError(
            text, "MISSING_QUOTE_IN_VARIABLE", "write a default as `${key, 'value'}`"
        )
    if any(char.isspace() for char in body):
        raise VariableSyntaxError(
            text, "UNSUPPORTED_SPACE_IN_VARIABLE", "remove the spaces from the key name"
        )
    return Variable(key=body, default=None)


def has_variables(tokens: tuple[Token, ...]) -> bool:
    """Return whether any token is a variable."""
    return any(isinstance(token, Variable) for token in tokens)


def variable_values(
    tokens: tuple[Token, ...], context: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...] | None:
    """Return the value of each variable in `tokens`, in order.

    `context` maps lower-cased key names to values. A variable takes its single context value,
    or its default when the key is absent. Returns None when a variable has no value and no
    default, or when its key has several values: IAM then treats the entry as matching nothing.
    """
    values: list[str] = []
    for token in tokens:
        if not isinstance(token, Variable):
            continue
        found = context.get(token.key.lower())
        if found is not None and len(found) == 1:
            values.append(found[0])
        elif found is None and token.default is not None:
            values.append(token.default)
        else:
            return None
    return tuple(values)


def fill(tokens: tuple[Token, ...], values: tuple[str, ...]) -> tuple[Literal | Wildcard, ...]:
    """Replace the variables in `tokens` by `values` (as literal text, never as wildcards)."""
    remaining = iter(values)
    return tuple(
        Literal(next(remaining)) if isinstance(token, Variable) else token for token in tokens
    )
