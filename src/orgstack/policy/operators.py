"""The condition operators of the IAM policy language and how an operator name is read.

Source: IAM User Guide, "IAM JSON policy elements: Condition operators" and "Set operators for
multivalued context keys". An operator name is an optional set qualifier (`ForAllValues:` or
`ForAnyValue:`), a base operator and an optional `IfExists` suffix (never on `Null`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    """How values are compared."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class SetQualifier(StrEnum):
    """The set operator that prefixes an operator for multivalued keys."""

    NONE = ""
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True)
class BaseOperator:
    """A base operator: its family, whether it negates, and how strings are compared."""

    name: str
    family: Family
    negated: bool
    ignore_case: bool = False
    wildcards: bool = False


def _table() -> dict[str, BaseOperator]:
    s, n, d, a = Family.STRING, Family.NUMERIC, Family.DATE, Family.ARN
    entries = [
        BaseOperator("StringEquals", s, negated=False),
        BaseOperator("StringNotEquals", s, negated=True),
        BaseOperator("StringEqualsIgnoreCase", s, negated=False, ignore_case=True),
        BaseOperator("StringNotEqualsIgnoreCase", s, negated=True, ignore_case=True),
        BaseOperator("StringLike", s, negated=False, wildcards=True),
        BaseOperator("StringNotLike", s, negated=True, wildcards=True),
        BaseOperator("NumericEquals", n, negated=False),
        BaseOperator("NumericNotEquals", n, negated=True),
        BaseOperator("NumericLessThan", n, negated=False),
        BaseOperator("NumericLessThanEquals", n, negated=False),
        BaseOperator("NumericGreaterThan", n, negated=False),
        BaseOperator("NumericGreaterThanEquals", n, negated=False),
        BaseOperator("DateEquals", d, negated=False),
        BaseOperator("DateNotEquals", d, negated=True),
        BaseOperator("DateLessThan", d, negated=False),
        BaseOperator("DateLessThanEquals", d, negated=False),
        BaseOperator("DateGreaterThan", d, negated=False),
        BaseOperator("DateGreaterThanEquals", d, negated=False),
        BaseOperator("Bool", Family.BOOL, negated=False),
        BaseOperator("BinaryEquals", Family.BINARY, negated=False),
        BaseOperator("IpAddress", Family.IP, negated=False),
        BaseOperator("NotIpAddress", Family.IP, negated=True),
        # ArnEquals and ArnLike behave alike: both compare the six ARN parts with wildcards.
        BaseOperator("ArnEquals", a, negated=False, wildcards=True),
        BaseOperator("ArnLike", a, negated=False, wildcards=True),
        BaseOperator("ArnNotEquals", a, negated=True, wildcards=True),
        BaseOperator("ArnNotLike", a, negated=True, wildcards=True),
        BaseOperator("Null", Family.NULL, negated=False),
    ]
    return {entry.name: entry for entry in entries}


BASE_OPERATORS: dict[str, BaseOperator] = _table()

_IF_EXISTS = "IfExists"


@dataclass(frozen=True)
class OperatorName:
    """An operator name split into its parts."""

    text: str
    qualifier: SetQualifier
    base: BaseOperator
    if_exists: bool


class UnknownOperatorError(ValueError):
    """Raised when a condition operator is not part of the IAM policy language."""

    def __init__(self, operator: str, reason: str) -> None:
        self.operator = operator
        super().__init__(f"unknown condition operator `{operator}`: {reason}")


def read_operator(text: str) -> OperatorName:
    """Split an operator name such as `ForAnyValue:StringLikeIfExists` into its parts.

    Operator names are compared case-sensitively. Raises `UnknownOperatorError` for names that
    are not in the language, including `NullIfExists` and a set qualifier on `Null`.
    """
    qualifier = SetQualifier.NONE
    rest = text
    if ":" in text:
        prefix, rest = text.split(":", 1)
        if prefix not in (SetQualifier.FOR_ALL_VALUES, SetQualifier.FOR_ANY_VALUE):
            raise UnknownOperatorError(text, f"`{prefix}` is not ForAllValues or ForAnyValue")
        qualifier = SetQualifier(prefix)

    if_exists = False
    base = BASE_OPERATORS.get(rest)
    if base is None and rest.endswith(_IF_EXISTS):
        base = BASE_OPERATORS.get(rest[: -len(_IF_EXISTS)])
        if_exists = base is not None
    if base is None:
        raise UnknownOperatorError(text, "use an operator from the IAM condition operator list")

    if base.family is Family.NULL and if_exists:
        raise UnknownOperatorError(text, "Null cannot take the IfExists suffix")
    if base.family is Family.NULL and qualifier is not SetQualifier.NONE:
        raise UnknownOperatorError(text, "Null cannot take a set qualifier")
    return OperatorName(text=text, qualifier=qualifier, base=base, if_exists=if_exists)
