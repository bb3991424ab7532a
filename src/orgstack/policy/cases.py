"""Evaluate a decision case written as JSON (the format of tests/data/policy_cases.json).

A case contains `request` (action, resource, principal_arn, resource_account, context), the
policy documents of each layer (`identity_policies`, `permission_boundary`, `session_policy`,
`resource_policy`, `scps` and `rcps` as lists of levels, root first) and optional `org` flags
(`principal_account_is_management`, `principal_is_service_linked_role`,
`resource_account_is_management`). `resource_account_scps` is ignored, as AWS ignores the
resource account's SCPs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from orgstack.policy.compile import compile_policy
from orgstack.policy.evaluate import evaluate
from orgstack.policy.model import PolicyKind
from orgstack.policy.request import ContextValue, Layers, PolicyLevel, PolicyRef, Request
from orgstack.policy.result import EvaluationResult

Case = Mapping[str, object]


class CaseFormatError(ValueError):
    """Raised when a case lacks a field or a field has the wrong JSON type."""


def _document(value: object, where: str) -> Mapping[str, object] | str:
    if isinstance(value, Mapping | str):
        return cast(Mapping[str, object] | str, value)
    raise CaseFormatError(f"`{where}` must be a policy document object; got {type(value).__name__}")


def _ref(value: object, kind: PolicyKind, name: str) -> PolicyRef:
    return PolicyRef(name, compile_policy(_document(value, name), kind))


def level_labels(count: int) -> list[str]:
    """Name tree levels as `root`, `ou-1` … `ou-n` and `account` (the last level)."""
    if count <= 1:
        return ["root"][:count]
    return ["root"] + [f"ou-{i}" for i in range(1, count - 1)] + ["account"]


def _levels(value: object, kind: PolicyKind, prefix: str) -> list[PolicyLevel] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise CaseFormatError(f"`{prefix}` must be a list of levels or null")
    levels: list[PolicyLevel] = []
    for label, level in zip(level_labels(len(value)), value, strict=True):
        if not isinstance(level, list):
            raise CaseFormatError(f"each level of `{prefix}` must be a list of policy documents")
        refs = [
            _ref(document, kind, f"{prefix}[{label}][{position}]")
            for position, document in enumerate(level)
        ]
        levels.append(PolicyLevel(label, refs))
    return levels


def case_request(case: Case) -> Request:
    """Build the `Request` of a case."""
    raw = case.get("request")
    if not isinstance(raw, Mapping):
        raise CaseFormatError("the case has no `request` object")
    for field_name in ("action", "resource", "principal_arn"):
        if not isinstance(raw.get(field_name), str):
            raise CaseFormatError(f"`request.{field_name}` must be a string")
    context = raw.get("context") or {}
    if not isinstance(context, Mapping):
        raise CaseFormatError("`request.context` must be an object")
    resource_account = raw.get("resource_account")
    principal_account = raw.get("principal_account")
    return Request(
        action=str(raw["action"]),
        resource=str(raw["resource"]),
        principal_arn=str(raw["principal_arn"]),
        context=cast(Mapping[str, ContextValue], context),
        principal_account=str(principal_account) if principal_account else None,
        resource_account=str(resource_account) if resource_account else None,
    )


def case_layers(case: Case) -> Layers:
    """Compile the policy layers of a case."""
    identity_raw = case.get("identity_policies") or []
    if not isinstance(identity_raw, Sequence) or isinstance(identity_raw, str):
        raise CaseFormatError("`identity_policies` must be a list of policy documents")
    identity = [
        _ref(document, PolicyKind.IDENTITY, f"identity[{position}]")
        for position, document in enumerate(identity_raw)
    ]
    # The case format names this field `permission_boundary`; accept the AWS spelling too.
    boundary = case.get("permission_boundary", case.get("permissions_boundary"))
    session = case.get("session_policy")
    resource = case.get("resource_policy")
    org = case.get("org") or {}
    if not isinstance(org, Mapping):
        raise CaseFormatError("`org` must be an object")
    return Layers(
        identity=identity,
        boundary=_ref(boundary, PolicyKind.PERMISSIONS_BOUNDARY, "boundary") if boundary else None,
        session=[_ref(session, PolicyKind.SESSION, "session")] if session else [],
        resource=_ref(resource, PolicyKind.RESOURCE, "resource") if resource else None,
        scp_levels=_levels(case.get("scps"), PolicyKind.SCP, "scp"),
        rcp_levels=_levels(case.get("rcps"), PolicyKind.RCP, "rcp"),
        principal_account_is_management=bool(org.get("principal_account_is_management")),
        principal_is_service_linked_role=bool(org.get("principal_is_service_linked_role")),
        resource_account_is_management=bool(org.get("resource_account_is_management")),
    )


def evaluate_case(case: Case) -> EvaluationResult:
    """Evaluate one case. Raises `CaseFormatError` or `PolicySyntaxError` for a broken case."""
    return evaluate(case_request(case), case_layers(case))
