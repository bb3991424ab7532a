"""Property tests: the engine agrees with the literal reference evaluator, and decisions obey
the invariants of the IAM evaluation logic, over small alphabets of actions, ARNs and keys."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import reference_decision

from orgstack.policy import evaluate_case, explain
from orgstack.policy.conditions import compile_condition
from orgstack.policy.model import ConditionClause

A = "111122223333"
B = "444455556666"

PRINCIPALS = [
    (f"arn:aws:iam::{A}:user/alice", {}),
    (
        f"arn:aws:sts::{A}:assumed-role/AppRole/s1",
        {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/AppRole"},
    ),
    (f"arn:aws:iam::{A}:root", {}),
    (f"arn:aws:iam::{B}:user/bob", {}),
]
ACTIONS = [
    "s3:GetObject", "s3:PutObject", "kms:Decrypt", "ec2:RunInstances", "iam:CreateUser",
    "sts:AssumeRole",
]  # fmt: skip
ACTION_PATTERNS = [
    "*", "s3:*", "s3:Get*", "S3:getobject", "s3:?utObject", "kms:*", "ec2:Run*", "iam:*User",
    "*:Decrypt", "ec2:Describe*", "sts:Assume*",
]  # fmt: skip
RESOURCES = [
    "*",
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/Key.txt",
    "arn:aws:s3:::bucket/alice/x",
    "arn:aws:kms:us-east-1:111122223333:key/k-1",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:iam::111122223333:role/AppRole",
]
RESOURCE_PATTERNS = [
    "*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/?ey",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'alice'}/*", "arn:aws:kms:*:111122223333:key/*",
    "arn:aws:ec2:us-*-1:*:instance/*", "arn:aws:s3:*", "arn:aws:s3:::bucket/${*}",
]  # fmt: skip
KEYS = [
    "aws:RequestedRegion",
    "AWS:requestedregion",
    "aws:PrincipalTag/team",
    "aws:TagKeys",
    "aws:SourceIp",
]
VALUES = ["eu-west-1", "us-east-1", "red", "alice", "key1", "key2", "203.0.113.7"]
OPERATORS = [
    "StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
    "StringEqualsIfExists", "StringNotEqualsIfExists", "ForAllValues:StringLike",
    "ForAnyValue:StringEquals", "ForAllValues:StringNotEquals", "IpAddress", "NotIpAddress",
    "Null", "ArnLike", "StringEqualz",
]  # fmt: skip
CONDITION_VALUES = [
    *VALUES, "*", "eu-*", "key?", "203.0.113.0/24", "true", "false", "${aws:username}",
]  # fmt: skip

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from(OPERATORS))
        key = draw(st.sampled_from(KEYS))
        values = draw(st.lists(st.sampled_from(CONDITION_VALUES), min_size=1, max_size=2))
        if operator == "Null":
            values = [draw(st.sampled_from(["true", "false"]))]
        block.setdefault(operator, {})[key] = values if len(values) > 1 else values[0]
    return block


@st.composite
def statements(draw: st.DrawFn, principal: bool = False) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    statement[action_key] = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    statement[resource_key] = draw(
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2)
    )
    if principal:
        choice = draw(st.sampled_from(["*", "account", "user", "role", "session", "other", "not"]))
        names = {
            "account": A,
            "user": PRINCIPALS[0][0],
            "role": f"arn:aws:iam::{A}:role/AppRole",
            "session": PRINCIPALS[1][0],
            "other": f"arn:aws:iam::{B}:root",
        }
        if choice == "*":
            statement["Principal"] = "*"
        elif choice == "not":
            statement["NotPrincipal"] = {"AWS": [PRINCIPALS[0][0], f"arn:aws:iam::{A}:root"]}
        else:
            statement["Principal"] = {"AWS": names[choice]}
    block = draw(conditions())
    if block:
        statement["Condition"] = block
    return statement


def policies(principal: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda version, body: {"Version": version, "Statement": body},
        st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17"]),
        st.lists(statements(principal), min_size=1, max_size=3),
    )


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def levels(principal: bool) -> st.SearchStrategy[list[list[dict[str, Any]]] | None]:
    return optional(
        st.lists(st.lists(policies(principal), min_size=0, max_size=2), min_size=1, max_size=3)
    )


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    principal_arn, base_context = draw(st.sampled_from(PRINCIPALS))
    context: dict[str, Any] = dict(base_context)
    if principal_arn.endswith("user/alice"):
        context["aws:username"] = "alice"
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3, unique=True)):
        values = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2))
        context[key] = values if key == "aws:TagKeys" else values[0]
    return {
        "request": {
            "action": draw(st.sampled_from(ACTIONS)),
            "resource": draw(st.sampled_from(RESOURCES)),
            "principal_arn": principal_arn,
            "resource_account": draw(st.sampled_from([A, A, B])),
            "context": context,
        },
        "identity_policies": draw(st.lists(policies(), max_size=2)),
        "permission_boundary": draw(optional(policies())),
        "session_policy": draw(optional(policies())),
        "resource_policy": draw(optional(policies(principal=True))),
        "scps": draw(levels(False)),
        "rcps": draw(levels(True)),
        "org": {
            "principal_account_is_management": draw(st.booleans()),
            "resource_account_is_management": draw(st.booleans()),
        },
    }


def decision(case: dict[str, Any]) -> tuple[str, str | None]:
    result = evaluate_case(case)
    return str(result.decision), str(result.denied_by) if result.denied_by else None


@SETTINGS
@given(cases())
def test_engine_agrees_with_reference(case: dict[str, Any]) -> None:
    result = evaluate_case(case)

    assert decision(case) == reference_decision(case), explain(result)


DENY_STATEMENTS = statements().map(lambda s: {**s, "Effect": "Deny"})


@SETTINGS
@given(cases(), DENY_STATEMENTS, st.sampled_from(["identity", "boundary", "scp", "resource"]))
def test_adding_deny_never_grants(case: dict[str, Any], extra: dict[str, Any], where: str) -> None:
    before = decision(case)
    changed = copy.deepcopy(case)
    policy = {"Version": "2012-10-17", "Statement": [extra]}
    if where == "identity":
        changed["identity_policies"].append(policy)
    elif where == "boundary" and changed["permission_boundary"] is not None:
        changed["permission_boundary"]["Statement"].append(extra)
    elif where == "scp" and changed["scps"]:
        changed["scps"][0].append(policy)
    elif where == "resource" and changed["resource_policy"] is not None:
        changed["resource_policy"]["Statement"].append({**extra, "Principal": "*"})

    after = decision(changed)

    if before[0] != "Allow":
        assert after[0] != "Allow"


def _shuffled(case: dict[str, Any], seed: int) -> dict[str, Any]:
    shuffle = random.Random(seed).shuffle
    changed = copy.deepcopy(case)
    documents = list(changed["identity_policies"])
    for key in ("permission_boundary", "session_policy", "resource_policy"):
        if changed[key] is not None:
            documents.append(changed[key])
    for key in ("scps", "rcps"):
        for level in changed[key] or []:
            shuffle(level)
            documents.extend(level)
    shuffle(changed["identity_policies"])
    for document in documents:
        shuffle(document["Statement"])
    return changed


@SETTINGS
@given(cases(), st.integers(0, 2**32))
def test_statement_and_policy_order_never_matter(case: dict[str, Any], seed: int) -> None:
    assert decision(_shuffled(case, seed)) == decision(case)


@SETTINGS
@given(cases())
def test_action_case_never_matters(case: dict[str, Any]) -> None:
    changed = copy.deepcopy(case)
    changed["request"]["action"] = changed["request"]["action"].swapcase()

    assert decision(changed) == decision(case)


BASE_OPERATORS = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericLessThan", "NumericGreaterThanEquals",
    "DateLessThan", "DateGreaterThan", "Bool", "IpAddress", "NotIpAddress", "ArnLike",
    "ArnNotLike", "BinaryEquals",
]  # fmt: skip
ANY_VALUES = [
    "a", "A", "a*", "10", "9.5", "2020-01-01T00:00:00Z", "1577836800", "true", "false",
    "203.0.113.0/24", "203.0.113.9", "arn:aws:iam::1:role/x", "arn:aws:iam::*:role/*", "YQ==",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(BASE_OPERATORS),
    st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]),
    st.lists(st.sampled_from(ANY_VALUES), min_size=1, max_size=3),
    st.lists(st.sampled_from(ANY_VALUES), min_size=1, max_size=3),
)
def test_if_exists_with_key_present_equals_base_operator(
    base: str, qualifier: str, policy_values: list[str], request_values: list[str]
) -> None:
    context = {"k:key": tuple(request_values)}
    plain = compile_condition(
        ConditionClause(qualifier + base, "k:key", tuple(policy_values)), True
    )
    if_exists = compile_condition(
        ConditionClause(qualifier + base + "IfExists", "k:key", tuple(policy_values)), True
    )

    assert plain.evaluate(context, []) == if_exists.evaluate(context, [])
