"""The policies and request of an IAM policy simulation, read from the request parameters.

Each policy keeps the text it was given, so that results can locate matched statements in it, and
the identifier and type that `MatchedStatements` report for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from orgstack.policy import (
    CompiledPolicy,
    FindingType,
    Layer,
    PolicyKind,
    PolicyLevel,
    PolicyRef,
    PolicySyntaxError,
    compile_policy,
    validate,
)
from orgstack.policy.request import ContextValue
from orgstack.services.iam.errors import InvalidInputException
from orgstack.simulation.positions import Span, statement_spans

# `SourcePolicyType` values. IAM's replies use "IAM Policy" for documents passed in
# `PolicyInputList`, "Permissions Boundary Policy" for boundaries, and the model's enum values
# (`role`, `aws-managed`, `user-managed`, `resource`) for the others.
# NOTE: the types of role policies, boundary inputs and the resource policy are not checked
# against IAM itself. They follow the model's enum and replies that users have published.
INPUT_POLICY = "IAM Policy"
BOUNDARY_POLICY = "Permissions Boundary Policy"
ROLE_POLICY = "role"
AWS_MANAGED_POLICY = "aws-managed"
CUSTOMER_MANAGED_POLICY = "user-managed"
RESOURCE_POLICY = "resource"
RESOURCE_POLICY_ID = "ResourcePolicy"

# `service:Operation`; only SimulatePrincipalPolicy accepts `*` and `?` in the operation.
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?_-]+")
_USER_ARN = re.compile(r"arn:aws:iam::\d{12}:user/(?:[^/]+/)*[^/]+")
_ACCOUNT_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):root")
_LIST_TYPE_SUFFIX = "List"


@dataclass(frozen=True)
class Source:
    """A policy as simulation results name it, with the text its positions are counted in."""

    policy_id: str
    policy_type: str
    document: str

    def spans(self) -> list[Span]:
        return statement_spans(self.document)


@dataclass
class PolicySet:
    """The compiled policies of one simulation by layer, and the source of each.

    A `PolicyRef`'s name is its key in `sources`, unique within its layer.
    """

    identity: list[PolicyRef] = field(default_factory=list)
    boundary: PolicyRef | None = None
    resource: PolicyRef | None = None
    sources: dict[tuple[Layer, str], Source] = field(default_factory=dict)

    def add(self, layer: Layer, key: str, source: Source, kind: PolicyKind) -> None:
        """Compile `source` as a policy of `layer`; raise InvalidInput if it is not valid."""
        ref = PolicyRef(key, compile_checked(source, kind))
        self.sources[(layer, key)] = source
        if layer is Layer.IDENTITY:
            self.identity.append(ref)
        elif layer is Layer.BOUNDARY:
            self.boundary = ref
        else:
            self.resource = ref


def compile_checked(source: Source, kind: PolicyKind) -> CompiledPolicy:
    """Compile `source` as a policy of `kind`.

    Raises InvalidInput with the first validation error, such as an unknown condition operator,
    which the engine would otherwise only report at evaluation.
    """
    errors = [
        finding.message
        for finding in validate(source.document, kind)
        if finding.finding_type is FindingType.ERROR
    ]
    try:
        compiled = compile_policy(source.document, kind)
    except PolicySyntaxError as error:
        # Validation reports the same problem in plainer words, when it finds it.
        errors.append(str(error))
    if errors:
        raise InvalidInputException(f"The policy `{source.policy_id}` is not valid: {errors[0]}")
    return compiled


def add_input_policies(policies: PolicySet, params: dict[str, Any]) -> None:
    """Add `PolicyInputList`, `PermissionsBoundaryPolicyInputList` and `ResourcePolicy`.

    A boundary given here replaces the one attached to the simulated entity, because an entity
    has at most one permissions boundary.
    """
    for number, document in enumerate(params.get("PolicyInputList") or [], start=1):
        policy_id = f"PolicyInputList.{number}"
        source = Source(policy_id, INPUT_POLICY, str(document))
        policies.add(Layer.IDENTITY, policy_id, source, PolicyKind.IDENTITY)

    boundaries = params.get("PermissionsBoundaryPolicyInputList") or []
    if len(boundaries) > 1:
        raise InvalidInputException(
            "PermissionsBoundaryPolicyInputList contains more than one policy: "
            "pass at most one permissions boundary."
        )
    if boundaries:
        policy_id = "PermissionsBoundaryPolicyInputList.1"
        source = Source(policy_id, BOUNDARY_POLICY, str(boundaries[0]))
        policies.add(Layer.BOUNDARY, policy_id, source, PolicyKind.PERMISSIONS_BOUNDARY)

    resource_policy = params.get("ResourcePolicy")
    if resource_policy is not None:
        source = Source(RESOURCE_POLICY_ID, RESOURCE_POLICY, str(resource_policy))
        policies.add(Layer.RESOURCE, RESOURCE_POLICY_ID, source, PolicyKind.RESOURCE)


def organization_levels(params: dict[str, Any]) -> tuple[PolicyLevel, ...] | None:
    """Return the SCP levels of `OrderedOrganizationPolicyInputList`, root first, or None.

    Each level is named by its position, such as `OrderedOrganizationPolicyInputList.2`, and
    must allow the request, as the levels of a real organization must.
    """
    given = params.get("OrderedOrganizationPolicyInputList")
    if not given:
        return None
    levels: list[PolicyLevel] = []
    for number, level in enumerate(given, start=1):
        label = f"OrderedOrganizationPolicyInputList.{number}"
        refs: list[PolicyRef] = []
        documents = level.get("ServiceControlPolicyInputList") or []
        for position, document in enumerate(documents, start=1):
            policy_id = f"{label}.ServiceControlPolicyInputList.{position}"
            # SCP statements never appear in MatchedStatements, so the source type is unused.
            source = Source(policy_id, "", str(document))
            refs.append(PolicyRef(policy_id, compile_checked(source, PolicyKind.SCP)))
        levels.append(PolicyLevel(label, tuple(refs)))
    return tuple(levels)


def action_names(params: dict[str, Any], wildcards: bool) -> list[str]:
    """Return `ActionNames`, each `service:Operation`; raise InvalidInput for any other form."""
    names = [str(name) for name in params["ActionNames"]]
    for name in names:
        if _ACTION.fullmatch(name) is None or (not wildcards and ("*" in name or "?" in name)):
            raise InvalidInputException(
                f"The action name `{name}` is not valid: use a service prefix and an operation "
                "name, such as iam:CreateRole" + ("." if wildcards else ", without wildcards.")
            )
    return names


def resource_arns(params: dict[str, Any]) -> list[str]:
    """Return `ResourceArns`; without them the simulation uses `*` (all resources)."""
    return [str(arn) for arn in params.get("ResourceArns") or []] or ["*"]


def caller_arn(params: dict[str, Any]) -> str | None:
    """Return `CallerArn` after checking that it names an IAM user, as IAM requires."""
    arn = params.get("CallerArn")
    if arn is None:
        return None
    if _USER_ARN.fullmatch(str(arn)) is None:
        raise InvalidInputException(
            f"The CallerArn `{arn}` is not valid: pass the ARN of an IAM user."
        )
    return str(arn)


def resource_owner(params: dict[str, Any]) -> str | None:
    """Return the account id of `ResourceOwner` (`arn:aws:iam::<account>:root`), or None."""
    owner = params.get("ResourceOwner")
    if owner is None:
        return None
    match = _ACCOUNT_ARN.fullmatch(str(owner))
    if match is None:
        raise InvalidInputException(
            f"The ResourceOwner `{owner}` is not valid: pass an account ARN such as "
            "arn:aws:iam::123456789012:root."
        )
    return match["account"]


def context_entries(params: dict[str, Any]) -> dict[str, ContextValue]:
    """Return `ContextEntries` as request context keys.

    List types (`stringList`, `ipList` …) become multivalued keys. A scalar type keeps its only
    value, and several values for a scalar type are kept as a multivalued key.
    """
    context: dict[str, ContextValue] = {}
    for entry in params.get("ContextEntries") or []:
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInputException(
                "A context entry has no ContextKeyName: name the key of every entry."
            )
        values = [str(value) for value in entry.get("ContextKeyValues") or []]
        key_type = str(entry.get("ContextKeyType", "string"))
        if key_type.startswith("boolean"):
            values = [value.lower() for value in values]
        if key_type.endswith(_LIST_TYPE_SUFFIX) or len(values) != 1:
            context[str(name)] = values
        else:
            context[str(name)] = values[0]
    return context
