"""The IAM actions, resources and condition keys that each operation is authorized as.

AWS authorizes an API call as one or more IAM actions, each on the resources that the Service
Authorization Reference lists for the action, with the condition keys the request sets. Service
packages declare their operations here with `@authorizes(service, operation)`, in an
`authorization` module beside their handlers. An operation without a declaration is authorized as
its registered action on resource `"*"`, which is right for every action that has no resource type.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orgstack.policy.request import ContextValue
from orgstack.services.registry import OperationSpec, Params, RequestContext

ANY_RESOURCE = "*"

# The modules that declare the operations of each served service.
DECLARATION_MODULES = (
    "orgstack.services.organizations.authorization",
    "orgstack.services.sts.authorization",
    "orgstack.services.sso_oidc.iam_authorization",
)


@dataclass(frozen=True)
class Target:
    """A resource that an action acts on.

    `tag_id` is the key under which the store keeps the resource's tags (the `tags` table), so
    that `aws:ResourceTag/*` can be read; None when the resource has no tags. `trust_policy` is a
    role's trust policy, the resource-based policy that `sts:AssumeRole` and its companion actions
    are checked against. A target with a trust policy is granted only when that policy names the
    caller or the caller's account. `resource_policy` is any other resource-based policy (the
    actor policy of an Identity Center application), evaluated with the usual rules: within one
    account it grants on its own when it names the caller, and otherwise an identity-based allow
    suffices. `missing` marks a resource that does not exist, which AWS reports with the same
    denial as a refused one.

    `in_caller_account` marks a resource that is authorized as if it were in the caller's
    account although its ARN names another: Organizations resources carry the management
    account's id, yet a member or delegated administrator is authorized by its own account's
    policies, and Organizations applies its delegation rules afterwards in the handler.
    """

    arn: str
    tag_id: str | None = None
    trust_policy: str | None = None
    resource_policy: str | None = None
    missing: bool = False
    in_caller_account: bool = False

    @property
    def account(self) -> str | None:
        """Return the account in the ARN, or None (`*`, AWS managed policies, S3 style ARNs)."""
        parts = self.arn.split(":", 5)
        if len(parts) == 6 and parts[4].isdigit():
            return parts[4]
        return None


ANY = Target(ANY_RESOURCE)


@dataclass(frozen=True)
class Check:
    """One authorization an operation needs: an action on a target, with its condition keys.

    `keys` contains the service-specific keys (`organizations:PolicyType`, `sts:ExternalId` …)
    and the request keys (`aws:RequestTag/*`, `aws:TagKeys`). The authorizer adds the global keys.
    `reason_in_message` is False for the STS role actions, whose AWS denial message names the
    action and role but no policy type.
    """

    action: str
    target: Target = ANY
    keys: Mapping[str, ContextValue] = field(default_factory=dict)
    reason_in_message: bool = True


@dataclass(frozen=True)
class CallerOrganization:
    """The caller's organization, from the authorizer's cache, for building resource ARNs."""

    organization_id: str
    management_account_id: str
    caller_account_id: str


Deriver = Callable[[RequestContext, Params, CallerOrganization | None], Sequence[Check]]

_DECLARED: dict[tuple[str, str], Deriver] = {}
_EXEMPT: set[tuple[str, str]] = set()
_loaded = False


def authorizes(service: str, operation: str) -> Callable[[Deriver], Deriver]:
    """Register `deriver` as the source of the checks of `service`'s operation `operation`."""

    def register(deriver: Deriver) -> Deriver:
        key = (service, operation)
        if key in _DECLARED or key in _EXEMPT:
            raise RuntimeError(f"authorization of {service}.{operation} is declared twice")
        _DECLARED[key] = deriver
        return deriver

    return register


def exempt(service: str, operation: str) -> None:
    """Declare an operation that no policy can deny (AWS documents `sts:GetCallerIdentity` so)."""
    _EXEMPT.add((service, operation))


def load_declarations() -> None:
    """Import every declaration module once."""
    global _loaded
    if _loaded:
        return
    for module in DECLARATION_MODULES:
        importlib.import_module(module)
    _loaded = True


def is_exempt(spec: OperationSpec) -> bool:
    return (spec.service, spec.name) in _EXEMPT


def checks_for(
    spec: OperationSpec,
    context: RequestContext,
    params: Params,
    organization: CallerOrganization | None,
) -> Sequence[Check]:
    """Return the checks a call needs, in order; empty for an exempt operation.

    A declaration in an `authorization` module wins; else the `resources=` function of the
    operation's registration; else the registered action on `"*"`. Request tags in the parameters
    become `aws:RequestTag/*` and `aws:TagKeys` in the latter two cases.
    """
    key = (spec.service, spec.name)
    if key in _EXEMPT:
        return ()
    deriver = _DECLARED.get(key)
    if deriver is not None:
        return deriver(context, params, organization)

    keys = request_tag_keys(params)
    if spec.resources is not None:
        arns = spec.resources(context, params) or [ANY_RESOURCE]
        return tuple(Check(spec.action, Target(arn), keys) for arn in arns)
    return (Check(spec.action, ANY, keys),)


def request_tag_keys(params: Params) -> dict[str, ContextValue]:
    """Return `aws:RequestTag/<key>` and `aws:TagKeys` for the tags a request sets or removes.

    `Tags` (a list of Key/Value pairs, as Organizations and STS send them) sets both keys;
    `TagKeys` (UntagResource) sets only `aws:TagKeys`.
    """
    keys: dict[str, ContextValue] = {}
    tags = params.get("Tags")
    if isinstance(tags, list) and tags:
        pairs = [_tag_pair(tag) for tag in tags]
        for name, value in pairs:
            keys[f"aws:RequestTag/{name}"] = value
        keys["aws:TagKeys"] = [name for name, _ in pairs]
    tag_keys = params.get("TagKeys")
    if isinstance(tag_keys, list) and tag_keys:
        keys["aws:TagKeys"] = [str(name) for name in tag_keys]
    return keys


def _tag_pair(tag: Any) -> tuple[str, str]:
    return str(tag.get("Key", "")), str(tag.get("Value", ""))
