"""Condition operators as tables: operator, policy values, request values, expected result."""

from __future__ import annotations

import pytest

from orgstack.policy.conditions import compile_condition
from orgstack.policy.model import ConditionClause

ABSENT = None
KEY = "aws:Test"


def holds(
    operator: str,
    policy_values: tuple[str, ...],
    request_values: tuple[str, ...] | None,
    *,
    variables: bool = True,
    extra: dict[str, tuple[str, ...]] | None = None,
) -> bool:
    condition = compile_condition(ConditionClause(operator, KEY, policy_values), variables)
    assert condition.error is None
    context = dict(extra or {})
    if request_values is not None:
        context[KEY.lower()] = request_values
    return condition.evaluate(context, [])


STRING_TABLE = [
    ("StringEquals", ("alice",), ("alice",), True),
    ("StringEquals", ("alice",), ("Alice",), False),
    ("StringEquals", ("a*",), ("abc",), False),
    ("StringEquals", ("a*",), ("a*",), True),
    ("StringEquals", ("x", "alice"), ("alice",), True),
    ("StringEquals", ("alice",), ABSENT, False),
    ("StringNotEquals", ("alice",), ("bob",), True),
    ("StringNotEquals", ("alice", "bob"), ("bob",), False),
    ("StringNotEquals", ("alice",), ABSENT, True),
    ("StringEqualsIgnoreCase", ("johndoe",), ("JohnDoe",), True),
    ("StringNotEqualsIgnoreCase", ("johndoe",), ("JOHNDOE",), False),
    ("StringLike", ("t2.*",), ("t2.micro",), True),
    ("StringLike", ("t?.micro",), ("t2.micro",), True),
    ("StringLike", ("t2.*",), ("T2.micro",), False),
    ("StringLike", ("a.c",), ("abc",), False),
    ("StringNotLike", ("key1*",), ("key2",), True),
    ("StringNotLike", ("key1*",), ("key1a",), False),
    ("StringLikeIfExists", ("t2.*",), ABSENT, True),
    ("StringLikeIfExists", ("t2.*",), ("m5.large",), False),
    ("StringNotEqualsIfExists", ("o-1",), ABSENT, True),
]

NUMERIC_DATE_TABLE = [
    ("NumericEquals", ("10",), ("10",), True),
    ("NumericEquals", ("10",), ("10.0",), True),
    ("NumericNotEquals", ("10",), ("11",), True),
    ("NumericLessThan", ("10",), ("9",), True),
    ("NumericLessThan", ("10",), ("10",), False),
    ("NumericLessThanEquals", ("10",), ("10",), True),
    ("NumericGreaterThan", ("10",), ("11",), True),
    ("NumericGreaterThanEquals", ("10",), ("9",), False),
    ("NumericLessThan", ("10",), ("ten",), False),
    ("DateGreaterThan", ("2020-04-01T00:00:00Z",), ("2020-05-15T12:00:00Z",), True),
    ("DateLessThan", ("2020-06-30T23:59:59Z",), ("2020-07-01T00:00:00Z",), False),
    ("DateEquals", ("2020-01-01T00:00:00Z",), ("1577836800",), True),
    ("DateEquals", ("2020-01-01",), ("2020-01-01T00:00:00+00:00",), True),
    ("DateNotEquals", ("2020-01-01T00:00:00Z",), ("2021-01-01T00:00:00Z",), True),
    ("DateLessThanEquals", ("1577836800",), ("2020-01-01T00:00:00Z",), True),
    ("DateGreaterThanEquals", ("2020-01-01T00:00:00Z",), ("not a date",), False),
]

OTHER_TABLE = [
    ("Bool", ("true",), ("true",), True),
    ("Bool", ("false",), ("true",), False),
    ("Bool", ("TRUE",), ("true",), True),
    ("BoolIfExists", ("false",), ABSENT, True),
    ("Bool", ("false",), ABSENT, False),
    ("BinaryEquals", ("QmluYXJ5",), ("QmluYXJ5",), True),
    ("BinaryEquals", ("QmluYXJ5",), ("b3RoZXI=",), False),
    ("IpAddress", ("203.0.113.0/24",), ("203.0.113.9",), True),
    ("IpAddress", ("203.0.113.5",), ("203.0.113.6",), False),
    ("IpAddress", ("203.0.113.5",), ("203.0.113.5",), True),
    ("IpAddress", ("2001:DB8:1234:5678::/64",), ("2001:db8:1234:5678::1",), True),
    ("IpAddress", ("203.0.113.0/24",), ("2001:db8::1",), False),
    ("NotIpAddress", ("203.0.113.0/24",), ("198.51.100.1",), True),
    ("NotIpAddress", ("203.0.113.0/24",), ("203.0.113.1",), False),
    ("ArnLike", ("arn:aws:iam::*:role/Admin",), ("arn:aws:iam::111122223333:role/Admin",), True),
    ("ArnLike", ("arn:aws:iam::*:role/Admin",), ("arn:aws:iam::111122223333:role/Other",), False),
    (
        "ArnEquals",
        ("arn:aws:sns:*:111122223333:t",),
        ("arn:aws:sns:us-east-1:111122223333:t",),
        True,
    ),
    ("ArnNotLike", ("arn:aws:iam::*:role/Admin",), ("arn:aws:iam::1:role/Dev",), True),
    ("ArnLike", ("arn:aws:iam::*:role/*",), ("not-an-arn",), False),
    ("ArnNotLike", ("arn:aws:iam::*:role/Admin",), ABSENT, True),
    ("Null", ("true",), ABSENT, True),
    ("Null", ("true",), ("2024-01-01T00:00:00Z",), False),
    ("Null", ("false",), ("x",), True),
    ("Null", ("false",), ABSENT, False),
]

SET_TABLE = [
    ("ForAllValues:StringEquals", ("ID", "Message", "Tags"), ("ID", "Message"), True),
    ("ForAllValues:StringEquals", ("ID", "Message", "Tags"), ("ID", "UserName"), False),
    ("ForAllValues:StringEquals", ("ID",), ABSENT, True),
    ("ForAllValues:StringEquals", ("ID",), (), True),
    ("ForAllValues:StringNotLike", ("key1*",), ("key2", "key3"), True),
    ("ForAllValues:StringNotLike", ("key1*",), ("key2", "key1x"), False),
    ("ForAnyValue:StringEquals", ("ID", "PostDateTime"), ("PostDateTime", "Message"), True),
    ("ForAnyValue:StringEquals", ("ID",), ("Message",), False),
    ("ForAnyValue:StringEquals", ("ID",), ABSENT, False),
    ("ForAnyValue:StringEqualsIfExists", ("ID",), ABSENT, True),
    ("ForAnyValue:StringNotEquals", ("a", "b"), ("a", "c"), True),
    ("StringEquals", ("b",), ("a", "b"), True),
    ("StringNotEquals", ("b",), ("a", "b"), False),
]


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), STRING_TABLE)
def test_string_operators(
    operator: str, policy: tuple[str, ...], request_values: tuple[str, ...] | None, expected: bool
) -> None:
    assert holds(operator, policy, request_values) is expected


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), NUMERIC_DATE_TABLE)
def test_numeric_and_date_operators(
    operator: str, policy: tuple[str, ...], request_values: tuple[str, ...] | None, expected: bool
) -> None:
    assert holds(operator, policy, request_values) is expected


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), OTHER_TABLE)
def test_bool_binary_ip_arn_null_operators(
    operator: str, policy: tuple[str, ...], request_values: tuple[str, ...] | None, expected: bool
) -> None:
    assert holds(operator, policy, request_values) is expected


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), SET_TABLE)
def test_set_operators(
    operator: str, policy: tuple[str, ...], request_values: tuple[str, ...] | None, expected: bool
) -> None:
    assert holds(operator, policy, request_values) is expected


def test_absent_key_is_reported_missing() -> None:
    condition = compile_condition(ConditionClause("StringEquals", "aws:Test", ("x",)), True)
    missing: list[str] = []

    condition.evaluate({}, missing)

    assert missing == ["aws:Test"]


def test_condition_key_lookup_ignores_case() -> None:
    condition = compile_condition(ConditionClause("StringEquals", "AWS:USERNAME", ("a",)), True)

    assert condition.evaluate({"aws:username": ("a",)}, [])


def test_variable_in_condition_value_resolves() -> None:
    extra = {"aws:username": ("alice",)}

    assert holds("StringLike", ("home/${aws:username}/*",), ("home/alice/x",), extra=extra)
    assert not holds("StringLike", ("home/${aws:username}/*",), ("home/bob/x",), extra=extra)


def test_unset_variable_makes_positive_false_and_negated_true() -> None:
    assert not holds("StringEquals", ("${aws:username}",), ("alice",))
    assert holds("StringNotEquals", ("${aws:username}",), ("alice",))


def test_variable_is_literal_under_2008_version() -> None:
    assert holds("StringEquals", ("${aws:username}",), ("${aws:username}",), variables=False)


@pytest.mark.parametrize(
    "operator",
    [
        "StringEqualsAny",
        "NullIfExists",
        "ForAllValues:Null",
        "ForEachValue:StringEquals",
        "stringequals",
    ],
)
def test_unknown_operator_is_reported(operator: str) -> None:
    condition = compile_condition(ConditionClause(operator, KEY, ("x",)), True)

    assert condition.error is not None
    assert f"`{operator}`" in condition.error
