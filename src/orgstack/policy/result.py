"""The outcome of an authorization decision and the statements behind it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from orgstack.policy.model import Effect, PolicyKind
from orgstack.policy.request import Request


class Decision(StrEnum):
    """The final decision, named as in the IAM policy simulator."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


class Layer(StrEnum):
    """A policy layer of the evaluation pipeline; the values are the `denied_by` names."""

    SCP = "scp"
    RCP = "rcp"
    IDENTITY = "identity"
    BOUNDARY = "boundary"
    SESSION = "session"
    RESOURCE = "resource"

    # Enum's own __hash__ is Python code. The str hash is equivalent, because a member equals
    # its value, and it keeps the dict lookups on the evaluation hot path in C.
    __hash__ = str.__hash__


# The order in which AWS's enforcement logic looks at the layers (IAM User Guide, "How AWS
# enforcement code logic evaluates requests"); it decides which layer an outcome names when
# several could.
LAYER_ORDER = (
    Layer.RCP,
    Layer.SCP,
    Layer.RESOURCE,
    Layer.IDENTITY,
    Layer.BOUNDARY,
    Layer.SESSION,
)

LAYER_KIND = {
    Layer.SCP: PolicyKind.SCP,
    Layer.RCP: PolicyKind.RCP,
    Layer.IDENTITY: PolicyKind.IDENTITY,
    Layer.BOUNDARY: PolicyKind.PERMISSIONS_BOUNDARY,
    Layer.SESSION: PolicyKind.SESSION,
    Layer.RESOURCE: PolicyKind.RESOURCE,
}


class StatementRef(NamedTuple):
    """A statement that matched the request, located by layer, policy and tree level."""

    layer: Layer
    policy_kind: PolicyKind
    policy_name: str
    level: str | None
    statement_index: int
    sid: str | None
    effect: Effect
    policy_arn: str | None = None

    def describe(self) -> str:
        """Return e.g. `scp p-1234 at ou-ab12-34cd56ef, statement 2 (DenyRegions): Deny`."""
        where = f" at {self.level}" if self.level is not None else ""
        sid = f" ({self.sid})" if self.sid else ""
        statement = f"statement {self.statement_index}{sid}"
        return f"{self.layer} {self.policy_name}{where}, {statement}: {self.effect}"


@dataclass(frozen=True)
class MissingAllow:
    """A layer (and tree level, for SCPs and RCPs) in which no statement allowed the request."""

    layer: Layer
    level: str | None


@dataclass(frozen=True)
class EvaluationResult:
    """The decision, the layer that decided a denial, and the evidence for both.

    `deciding` lists the statements the decision rests on: the matching Deny statements for an
    explicit deny, the granting Allow statements of every required layer for an allow.
    `blocking` lists every matching Deny statement, and `missing_allows` every layer or level
    without a matching Allow. `missing_context_keys` names condition keys that were absent from
    the request while their statement's action and resource matched. `errors` reports problems
    such as an unknown condition operator, which fail closed. `scp_levels` and `rcp_levels`
    are the tree path (root first) of the levels that applied, or None when the layer did not
    apply to this request. `present_layers` names the layers that had at least one policy,
    and `skipped_layers` pairs each given SCP or RCP layer that did not apply with the reason.
    """

    request: Request
    decision: Decision
    denied_by: Layer | None
    deciding: tuple[StatementRef, ...]
    blocking: tuple[StatementRef, ...]
    missing_allows: tuple[MissingAllow, ...]
    matched: tuple[StatementRef, ...]
    missing_context_keys: tuple[str, ...]
    errors: tuple[str, ...]
    cross_account: bool
    scp_levels: tuple[str, ...] | None = None
    rcp_levels: tuple[str, ...] | None = None
    present_layers: frozenset[Layer] = frozenset()
    skipped_layers: tuple[tuple[Layer, str], ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether the request is allowed."""
        return self.decision is Decision.ALLOW
