"""The inputs of an authorization decision: the request and the policy layers that apply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from orgstack.policy.compile import CompiledPolicy

ContextValue = str | bool | int | float | Sequence[str | bool | int | float]


def _text(value: str | bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize_context(context: Mapping[str, ContextValue]) -> dict[str, tuple[str, ...]]:
    """Lower-case the key names and turn every value into a tuple of strings.

    Condition key names are case-insensitive in IAM; values keep their case. JSON booleans
    become `"true"`/`"false"` as IAM compares them.
    """
    normalized: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        values: tuple[str, ...]
        if type(value) is str:
            values = (value,)
        elif isinstance(value, str | bool | int | float):
            values = (_text(value),)
        else:
            values = tuple(_text(item) for item in value)
        normalized[key.lower()] = values
    return normalized


@dataclass(frozen=True)
class Request:
    """One request to authorize.

    `resource` is an ARN or `"*"` for actions without a resource type. `principal_account`
    and `resource_account` default to the account in the principal ARN and in the resource ARN
    (S3 ARNs carry none, and then the principal's account is assumed). `context` contains the
    condition keys and values as the caller supplies them, and the engine adds none.
    """

    action: str
    resource: str
    principal_arn: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    principal_account: str | None = None
    resource_account: str | None = None


@dataclass(frozen=True)
class PolicyRef:
    """A compiled policy with the name or ID that results and explanations report.

    `arn` is the policy's ARN where AWS names it in an explicit-deny message (SCPs and RCPs
    loaded from the store), and None where no message names it.
    """

    name: str
    compiled: CompiledPolicy
    arn: str | None = None


@dataclass(frozen=True)
class PolicyLevel:
    """The policies attached at one level of the organization tree.

    `label` is `root`, an OU ID or an account ID. All policies of a level are pooled: the level
    passes when any of its statements allows the request.
    """

    label: str
    policies: Sequence[PolicyRef]


@dataclass(frozen=True)
class Layers:
    """Every policy that may apply to a request.

    `scp_levels` are those of the principal's account and `rcp_levels` those of the resource's
    account, root first; None means the account is in no organization (or the policy type is
    not enabled). The flags exempt the management account and service-linked roles as AWS does.

    `resource_policy_required` says whether the resource policy must allow even within one
    account, as a role trust policy and a KMS key policy must. None infers it: true when a
    resource policy is given and it is a trust policy, or the action is `sts:AssumeRole*`, or
    a KMS action on a key ARN.
    """

    identity: Sequence[PolicyRef] = ()
    boundary: PolicyRef | None = None
    session: Sequence[PolicyRef] = ()
    resource: PolicyRef | None = None
    scp_levels: Sequence[PolicyLevel] | None = None
    rcp_levels: Sequence[PolicyLevel] | None = None
    principal_account_is_management: bool = False
    principal_is_service_linked_role: bool = False
    resource_account_is_management: bool = False
    resource_policy_required: bool | None = None
