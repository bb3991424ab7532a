"""The organization's resource-based delegation policy: validation and evaluation.

The policy lets member accounts call Organizations operations that only the management account
may call otherwise. AWS allows it to delegate the read-only operations (`Describe*`, `List*`) and
policy management (Organizations User Guide, "Delegated administrator for AWS Organizations" and
its example delegation policies); PutResourcePolicy rejects any other action.

Evaluation is deliberately small: a matching `Deny` wins, then a matching `Allow` grants. Only the
`organizations:PolicyType` condition key is understood. A statement with any other condition is
treated as not granting (an `Allow`) or as applying (a `Deny`), so an unknown condition never
widens access.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from orgstack.json_depth import exceeds_nesting_depth
from orgstack.protocol.models import service_model
from orgstack.services.organizations.errors import InvalidInputException

# NOTE: the User Guide's examples delegate creating, updating, deleting, tagging, attaching and
# detaching policies. EnablePolicyType and DisablePolicyType are accepted too without an example.
POLICY_MANAGEMENT_OPERATIONS = frozenset(
    {
        "AttachPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "DetachPolicy",
        "DisablePolicyType",
        "EnablePolicyType",
        "TagResource",
        "UntagResource",
        "UpdatePolicy",
    }
)
POLICY_TYPE_KEY = "organizations:policytype"
STRING_OPERATORS = ("StringEquals", "StringLike", "StringNotEquals", "StringNotLike")

_ACCOUNT_PRINCIPAL = re.compile(r"\d{12}|arn:aws:iam::\d{12}:(root|user/.+|role/.+)")
_ORGANIZATIONS_ARN = re.compile(r"arn:aws:organizations::(\d{12}|\*|aws):.+")

# NOTE: AWS does not document the messages of these reasons; orgstack words them after the
# reason names.
_MESSAGES = {
    "INVALID_RESOURCE_POLICY_JSON": "You provided a resource policy that is not valid JSON.",
    "INVALID_PRINCIPAL": "You specified an invalid principal element in the policy.",
    "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY": (
        "You specified an action that is not supported in a resource policy."
    ),
    "UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY": (
        "You specified a resource that is not supported in a resource policy."
    ),
    "UNSUPPORTED_POLICY_TYPE_IN_RESOURCE_POLICY": (
        "You specified a policy type that is not supported in a resource policy."
    ),
}


def _invalid(reason: str) -> InvalidInputException:
    return InvalidInputException(_MESSAGES[reason], Reason=reason)


@cache
def organizations_operations() -> frozenset[str]:
    return frozenset(service_model("organizations").operation_names)


@cache
def delegable_operations() -> frozenset[str]:
    read_only = {
        name
        for name in organizations_operations()
        if name.startswith("Describe") or name.startswith("List")
    }
    return frozenset(read_only | POLICY_MANAGEMENT_OPERATIONS)


@cache
def policy_types() -> frozenset[str]:
    return frozenset(service_model("organizations").shape_for("PolicyType").enum)


def wildcard(pattern: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """Compile an IAM wildcard: escape everything, then `*` is any run and `?` one character."""
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    effect: str
    principals: tuple[str, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    policy_types: tuple[str, ...] | None
    negated_policy_types: bool
    understood: bool


def parse(content: str) -> list[Statement]:
    """Validate the content as an Organizations resource policy and return its statements.

    Raises InvalidInputException with AWS's reason for the first problem found.
    """
    if exceeds_nesting_depth(content):
        raise _invalid("INVALID_RESOURCE_POLICY_JSON")
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise _invalid("INVALID_RESOURCE_POLICY_JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise _invalid("INVALID_RESOURCE_POLICY_JSON")
    raw_statements = _as_list(document["Statement"])
    if not raw_statements or not all(isinstance(item, dict) for item in raw_statements):
        raise _invalid("INVALID_RESOURCE_POLICY_JSON")
    return [_statement(item) for item in raw_statements]


def _statement(item: dict[str, Any]) -> Statement:
    if item.get("Effect") not in ("Allow", "Deny"):
        raise _invalid("INVALID_RESOURCE_POLICY_JSON")
    if "NotAction" in item or "NotPrincipal" in item or "NotResource" in item:
        raise _invalid("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
    principals = _principals(item.get("Principal"))
    actions = _actions(item.get("Action"))
    resources = _resources(item.get("Resource", "*"))
    types, negated, understood = _conditions(item.get("Condition"))
    return Statement(item["Effect"], principals, actions, resources, types, negated, understood)


def _principals(value: Any) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, dict) or set(value) != {"AWS"}:
        raise _invalid("INVALID_PRINCIPAL")
    entries = _as_list(value["AWS"])
    if not entries or not all(isinstance(entry, str) for entry in entries):
        raise _invalid("INVALID_PRINCIPAL")
    for entry in entries:
        if entry != "*" and not _ACCOUNT_PRINCIPAL.fullmatch(entry):
            raise _invalid("INVALID_PRINCIPAL")
    return tuple(entries)


def _actions(value: Any) -> tuple[str, ...]:
    entries = _as_list(value) if value is not None else []
    if not entries or not all(isinstance(entry, str) for entry in entries):
        raise _invalid("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
    for entry in entries:
        service, _, name = entry.partition(":")
        if service.lower() != "organizations" or not name:
            raise _invalid("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
        # A pattern is delegable when it names at least one operation and only delegable ones.
        matcher = wildcard(name, case_sensitive=False)
        matched = {op for op in organizations_operations() if matcher.fullmatch(op)}
        if not matched or not matched <= delegable_operations():
            raise _invalid("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
    return tuple(entries)


def _resources(value: Any) -> tuple[str, ...]:
    entries = _as_list(value)
    if not entries or not all(isinstance(entry, str) for entry in entries):
        raise _invalid("UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY")
    for entry in entries:
        if entry != "*" and not _ORGANIZATIONS_ARN.fullmatch(entry):
            raise _invalid("UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY")
    return tuple(entries)


def _conditions(value: Any) -> tuple[tuple[str, ...] | None, bool, bool]:
    """Return the policy types a condition allows, whether it negates them, and whether the
    condition holds only keys orgstack evaluates."""
    if value is None:
        return None, False, True
    if not isinstance(value, dict):
        raise _invalid("INVALID_RESOURCE_POLICY_JSON")
    types: tuple[str, ...] | None = None
    negated = False
    understood = True
    for operator, entries in value.items():
        if not isinstance(entries, dict):
            raise _invalid("INVALID_RESOURCE_POLICY_JSON")
        for key, raw in entries.items():
            if key.lower() != POLICY_TYPE_KEY:
                understood = False
                continue
            values = tuple(str(item) for item in _as_list(raw))
            if not set(values) <= policy_types():
                raise _invalid("UNSUPPORTED_POLICY_TYPE_IN_RESOURCE_POLICY")
            if operator not in STRING_OPERATORS:
                understood = False
            types, negated = values, operator.startswith("StringNot")
    return types, negated, understood


@dataclass(frozen=True)
class Request:
    """One call to authorize: who calls, which action, on which resources."""

    account_id: str
    principal_arn: str
    action: str
    resource_arns: Sequence[str] = ()
    policy_type: str | None = None


def allows(statements: Sequence[Statement], request: Request) -> bool:
    """Return True when a statement allows the request and none denies it."""
    matching = [statement for statement in statements if _matches(statement, request)]
    if any(statement.effect == "Deny" for statement in matching):
        return False
    return any(statement.effect == "Allow" and statement.understood for statement in matching)


def _matches(statement: Statement, request: Request) -> bool:
    if not _principal_matches(statement.principals, request):
        return False
    if not any(
        wildcard(a, case_sensitive=False).fullmatch(request.action) for a in statement.actions
    ):
        return False
    if not _resources_match(statement.resources, request.resource_arns):
        return False
    return _policy_type_matches(statement, request.policy_type)


def _principal_matches(principals: Sequence[str], request: Request) -> bool:
    for principal in principals:
        if principal in ("*", request.account_id, f"arn:aws:iam::{request.account_id}:root"):
            return True
        if principal == request.principal_arn:
            return True
    return False


def _resources_match(patterns: Sequence[str], resource_arns: Sequence[str]) -> bool:
    # An operation without a resource ARN is matched only by `"Resource": "*"`.
    if not resource_arns:
        return "*" in patterns
    return all(
        any(wildcard(pattern).fullmatch(arn) for pattern in patterns) for arn in resource_arns
    )


def _policy_type_matches(statement: Statement, policy_type: str | None) -> bool:
    if statement.policy_types is None:
        return True
    if policy_type is None:
        # A missing key makes a positive operator false and a negated one true.
        return statement.negated_policy_types
    found = policy_type in statement.policy_types
    return not found if statement.negated_policy_types else found
