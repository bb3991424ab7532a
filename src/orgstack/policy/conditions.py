"""Compiled condition clauses and their evaluation against a request context.

Rules (IAM User Guide, "Condition operators", "Multiple context keys or values", "Set operators
for multivalued context keys"):

- Keys and operators of a block are ANDed; the values listed for one key are ORed. A negated
  operator matches only when none of the values matches.
- A key absent from the context makes a positive operator false and a negated operator true;
  `...IfExists` makes the clause true; `Null` tests presence.
- `ForAllValues:` is true when every context value matches, and also when the key is absent
  or empty. `ForAnyValue:` is true when at least one value matches, so never when absent.
- A policy variable that cannot be resolved makes that value match nothing.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator as op
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from orgstack.policy.matching import arn_field_regex, glob_to_regex
from orgstack.policy.model import ConditionClause
from orgstack.policy.operators import (
    BaseOperator,
    Family,
    OperatorName,
    SetQualifier,
    UnknownOperatorError,
    read_operator,
)
from orgstack.policy.timeparse import parse_date
from orgstack.policy.variables import (
    Literal,
    Token,
    Wildcard,
    fill,
    has_variables,
    tokenize,
    variable_values,
)

Context = Mapping[str, tuple[str, ...]]
Matcher = Callable[[str], bool]

_ORDERINGS: dict[str, Callable[[float, float], bool]] = {
    "Equals": op.eq,
    "NotEquals": op.eq,  # the negation is applied once, by the caller
    "LessThan": op.lt,
    "LessThanEquals": op.le,
    "GreaterThan": op.gt,
    "GreaterThanEquals": op.ge,
}


def _ordering(base: BaseOperator) -> Callable[[float, float], bool]:
    suffix = base.name.removeprefix(base.family.value)
    return _ORDERINGS[suffix]


def _to_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _to_bytes(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()


def _to_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _matcher_for(base: BaseOperator, pattern: tuple[Literal | Wildcard, ...]) -> Matcher:
    """Build a one-context-value test for one resolved policy value (never negated here)."""
    text = "".join(t.text if isinstance(t, Literal) else t.symbol for t in pattern)
    family = base.family

    if family is Family.STRING:
        if base.wildcards:
            regex = re.compile(glob_to_regex(pattern), re.DOTALL)
            return lambda value: regex.fullmatch(value) is not None
        if base.ignore_case:
            folded = text.casefold()
            return lambda value: value.casefold() == folded
        return lambda value: value == text

    if family is Family.ARN:
        arn_regex = arn_field_regex(pattern)
        if arn_regex is None:
            return lambda value: False
        return lambda value: arn_regex.fullmatch(value) is not None

    if family in (Family.NUMERIC, Family.DATE):
        convert = _to_number if family is Family.NUMERIC else parse_date
        limit = convert(text)
        compare = _ordering(base)
        if limit is None:
            return lambda value: False
        bound = limit

        def ordered(value: str) -> bool:
            converted = convert(value)
            return converted is not None and compare(converted, bound)

        return ordered

    if family is Family.BOOL:
        expected = text.lower()
        return lambda value: value.lower() == expected

    if family is Family.BINARY:
        expected_bytes = _to_bytes(text)
        return lambda value: _to_bytes(value) == expected_bytes

    if family is Family.IP:
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            return lambda value: False

        def inside(value: str) -> bool:
            address = _to_address(value)
            return (
                address is not None and address.version == network.version and (address in network)
            )

        return inside

    raise AssertionError(f"no matcher for family {family}")  # Null is handled by the caller


# How many distinct variable values one condition value keeps prepared matchers for.
_PER_VALUE_CACHE = 256


@dataclass(frozen=True)
class PolicyValue:
    """One value of a clause: a prepared matcher, or tokens to resolve per request.

    Matchers built for variable values are kept per policy value, keyed by those values.
    """

    text: str
    matcher: Matcher | None
    tokens: tuple[Token, ...] | None
    by_values: dict[tuple[str, ...], Matcher] = field(
        default_factory=dict, compare=False, hash=False
    )

    def matcher_in(self, base: BaseOperator, context: Context) -> Matcher | None:
        """Return the matcher for this request, or None when a variable has no value."""
        if self.matcher is not None:
            return self.matcher
        assert self.tokens is not None
        values = variable_values(self.tokens, context)
        if values is None:
            return None
        found = self.by_values.get(values)
        if found is None:
            if len(self.by_values) >= _PER_VALUE_CACHE:
                self.by_values.clear()
            found = self.by_values[values] = _matcher_for(base, fill(self.tokens, values))
        return found


@dataclass(frozen=True)
class CompiledCondition:
    """One clause ready to evaluate. `error` is set when the operator is unknown.

    `absent_result` (the result when the key is missing) and `null_result` (the result of a
    Null clause when the key is present) are worked out once, at compile time.
    """

    operator_text: str
    key: str
    lookup_key: str
    operator: OperatorName | None
    values: tuple[PolicyValue, ...]
    error: str | None
    static_matchers: tuple[Matcher, ...] | None = None
    absent_result: bool = False
    null_result: bool | None = None
    negated: bool = False
    qualifier: SetQualifier = SetQualifier.NONE

    def evaluate(self, context: Context, missing: list[str]) -> bool:
        """Return whether the clause holds; append the key to `missing` when it is absent.

        Must not be called when `error` is set: the statement decides how to fail closed.
        """
        present = context.get(self.lookup_key)
        if not present:
            missing.append(self.key)
            return self.absent_result
        if self.null_result is not None:
            return self.null_result

        matchers = self.static_matchers
        if matchers is None:
            assert self.operator is not None
            base = self.operator.base
            resolved = (value.matcher_in(base, context) for value in self.values)
            matchers = tuple(matcher for matcher in resolved if matcher is not None)
        negated = self.negated
        qualifier = self.qualifier

        if not qualifier:
            # NOTE: IAM documents multivalued keys only with ForAllValues/ForAnyValue. Without a
            # set operator, a positive operator here matches when any request value matches and
            # a negated one when none does.
            for value in present:
                for matcher in matchers:
                    if matcher(value):
                        return not negated
            return negated
        per_value = (
            any(matcher(value) for matcher in matchers) is not negated for value in present
        )
        if qualifier == _FOR_ALL:
            return all(per_value)
        return any(per_value)


_FOR_ALL = SetQualifier.FOR_ALL_VALUES


def _absent_result(operator: OperatorName, values: tuple[PolicyValue, ...]) -> bool:
    if operator.base.family is Family.NULL:
        return any(value.text.lower() == "true" for value in values)
    if operator.if_exists or operator.qualifier is SetQualifier.FOR_ALL_VALUES:
        return True
    if operator.qualifier is SetQualifier.FOR_ANY_VALUE:
        return False
    return operator.base.negated


def compile_condition(clause: ConditionClause, variables: bool) -> CompiledCondition:
    """Prepare a clause; an unknown operator yields a clause with `error` set, never a raise."""
    try:
        operator = read_operator(clause.operator)
    except UnknownOperatorError as exc:
        return CompiledCondition(
            clause.operator, clause.key, clause.key.lower(), None, (), str(exc)
        )

    base = operator.base
    values: list[PolicyValue] = []
    for text in clause.values:
        values.append(_prepare_value(base, text, variables))
    static = None
    if all(value.matcher is not None for value in values):
        static = tuple(value.matcher for value in values if value.matcher is not None)
    null_result = None
    if base.family is Family.NULL:
        null_result = any(value.text.lower() == "false" for value in values)
    return CompiledCondition(
        operator_text=clause.operator,
        key=clause.key,
        lookup_key=clause.key.lower(),
        operator=operator,
        values=tuple(values),
        error=None,
        static_matchers=static,
        absent_result=_absent_result(operator, tuple(values)),
        null_result=null_result,
        negated=base.negated,
        qualifier=operator.qualifier,
    )


def _prepare_value(base: BaseOperator, text: str, variables: bool) -> PolicyValue:
    if base.family is Family.NULL:
        return PolicyValue(text, None, None)
    wildcards = base.wildcards
    try:
        tokens = tokenize(text, variables=variables, wildcards=wildcards)
    except ValueError:
        # A malformed variable cannot be resolved, so the value matches nothing.
        return PolicyValue(text, lambda value: False, None)
    if has_variables(tokens):
        return PolicyValue(text, None, tokens)
    plain = tuple(t for t in tokens if isinstance(t, Literal | Wildcard))
    return PolicyValue(text, _matcher_for(base, plain), None)
