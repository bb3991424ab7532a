"""IAM SimulatePrincipalPolicy and SimulateCustomPolicy, evaluated by orgstack's policy engine.

SimulatePrincipalPolicy evaluates a role's identity policies and permissions boundary as stored,
plus any input policies, under the SCPs of the caller's account. SimulateCustomPolicy evaluates only
the policies in the request. Each action is evaluated on each resource (`*` when none is given)
and gets one result. The context contains exactly the `ContextEntries`, so keys a policy reads and
the request lacks are reported in `MissingContextValues`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orgstack.authorize import store
from orgstack.policy import Layer, Layers, PolicyKind, PolicyLevel, Request, evaluate
from orgstack.protocol.errors import AwsError
from orgstack.services.iam import principal_policies, role_store
from orgstack.services.iam.errors import InvalidInputException, NoSuchEntityException
from orgstack.services.iam.pagination import page
from orgstack.services.iam.simulate_exclusions import Exclusions, read_exclusions
from orgstack.services.iam.simulate_inputs import (
    AWS_MANAGED_POLICY,
    BOUNDARY_POLICY,
    CUSTOMER_MANAGED_POLICY,
    ROLE_POLICY,
    PolicySet,
    Source,
    action_names,
    add_input_policies,
    caller_arn,
    context_entries,
    organization_levels,
    resource_arns,
    resource_owner,
)
from orgstack.services.iam.simulate_results import evaluation_result
from orgstack.services.registry import Params, RequestContext, Result, operation

# `arn:aws:iam::<account>:<user|group|role>/<path><name>`
_SOURCE_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):(?P<kind>user|group|role)/(?:[^/]+/)*(?P<name>[^/]+)"
)
_AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
_NOT_HONOURED = ("ResourceHandlingOption",)


class PolicyEvaluationException(AwsError):
    """The engine could not evaluate a policy; the message names the policy and statement."""

    query_code = "PolicyEvaluation"


@dataclass(frozen=True)
class Scenario:
    """The caller of the simulated requests, its account, and the SCPs over that account."""

    principal_arn: str
    principal_account: str
    resource_owner: str | None = None
    scp_levels: tuple[PolicyLevel, ...] | None = None
    is_management: bool = False


def _source_resource(context: RequestContext, params: Params) -> list[str]:
    """Authorize on the entity whose policies are simulated, when it is in the caller's account."""
    arn = str(params.get("PolicySourceArn", ""))
    match = _SOURCE_ARN.fullmatch(arn)
    if match is None or match["account"] != context.require_caller().account_id:
        return []
    return [arn]


@operation(
    "iam",
    "SimulatePrincipalPolicy",
    read_only=True,
    resources=_source_resource,
    not_honoured=_NOT_HONOURED,
)
def simulate_principal_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    role = _source_role(context, str(params["PolicySourceArn"]), account_id)
    actions = action_names(params, wildcards=True)
    exclusions = read_exclusions(params)

    policies = _role_policies(context, role, exclusions)
    add_input_policies(policies, params)
    caller = caller_arn(params)
    if caller is None and policies.resource is not None:
        raise InvalidInputException(
            "CallerArn is required with a ResourcePolicy when PolicySourceArn is not a user: "
            "pass the ARN of an IAM user as CallerArn."
        )

    account = store.load_account(context.db, account_id)
    scenario = Scenario(
        principal_arn=caller or role.arn,
        principal_account=_account_of(caller) or account_id,
        resource_owner=resource_owner(params),
        scp_levels=None if exclusions.scps else account.scp_levels,
        is_management=account.is_management,
    )
    return _simulate(params, actions, policies, scenario)


@operation("iam", "SimulateCustomPolicy", read_only=True, not_honoured=_NOT_HONOURED)
def simulate_custom_policy(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    actions = action_names(params, wildcards=False)

    policies = PolicySet()
    add_input_policies(policies, params)
    caller = caller_arn(params)
    if caller is None and policies.resource is not None:
        raise InvalidInputException(
            "CallerArn is required with a ResourcePolicy: pass the ARN of an IAM user as CallerArn."
        )

    # Without a CallerArn the simulated caller is an anonymous user of the caller's account,
    # which identity policies do not name.
    scenario = Scenario(
        principal_arn=caller or f"arn:aws:iam::{account_id}:user/SimulatedCaller",
        principal_account=_account_of(caller) or account_id,
        resource_owner=resource_owner(params),
        scp_levels=organization_levels(params),
    )
    return _simulate(params, actions, policies, scenario)


def _source_role(context: RequestContext, arn: str, account_id: str) -> role_store.RoleRow:
    """Return the role `PolicySourceArn` names in the caller's account, or raise NoSuchEntity.

    orgstack stores no IAM users or groups, so their ARNs are never found.
    """
    match = _SOURCE_ARN.fullmatch(arn)
    if match is None:
        raise InvalidInputException(
            f"The PolicySourceArn `{arn}` is not valid: pass the ARN of a user, group or role."
        )
    kind, name = match["kind"], match["name"]
    role = None
    if kind == "role" and match["account"] == account_id:
        role = role_store.find_role(context.db, account_id, name)
    if role is None or role.arn != arn:
        raise NoSuchEntityException(f"The {kind} with name {name} cannot be found.")
    return role


def _role_policies(
    context: RequestContext, role: role_store.RoleRow, exclusions: Exclusions
) -> PolicySet:
    """Compile the role's inline and managed policies and its boundary, as the authorizer loads
    them, except those that `PolicyExclusionList` leaves out."""
    documents, boundary = principal_policies.identity_policies_for_role(
        context.db, role.account_id, role.name
    )
    policies = PolicySet()
    for reference, document in documents:
        if exclusions.excludes_role_policy(reference, role.name):
            continue
        source = _role_policy_source(reference, document)
        policies.add(Layer.IDENTITY, reference, source, PolicyKind.IDENTITY)
    if exclusions.boundary:
        return policies
    if boundary is not None and role.permissions_boundary_arn is not None:
        name = role.permissions_boundary_arn.rsplit("/", 1)[-1]
        source = Source(name, BOUNDARY_POLICY, boundary)
        policies.add(
            Layer.BOUNDARY, role.permissions_boundary_arn, source, PolicyKind.PERMISSIONS_BOUNDARY
        )
    return policies


def _role_policy_source(reference: str, document: str) -> Source:
    """Name an inline policy by its name and a managed policy by the name in its ARN."""
    if not reference.startswith("arn:"):
        return Source(reference, ROLE_POLICY, document)
    name = reference.rsplit("/", 1)[-1]
    if reference.startswith(_AWS_MANAGED_PREFIX):
        return Source(name, AWS_MANAGED_POLICY, document)
    return Source(name, CUSTOMER_MANAGED_POLICY, document)


def _simulate(
    params: Params, actions: list[str], policies: PolicySet, scenario: Scenario
) -> Result:
    layers = Layers(
        identity=tuple(policies.identity),
        boundary=policies.boundary,
        resource=policies.resource,
        scp_levels=scenario.scp_levels,
        principal_account_is_management=scenario.is_management,
    )
    context = context_entries(params)
    resources = resource_arns(params)
    per_resource = bool(params.get("ResourceArns"))

    replies = []
    for action in actions:
        results = []
        for resource in resources:
            request = Request(
                action=action,
                resource=resource,
                principal_arn=scenario.principal_arn,
                context=context,
                principal_account=scenario.principal_account,
                resource_account=_account_of(resource) or scenario.resource_owner,
            )
            result = evaluate(request, layers)
            if result.errors:
                # Every policy passed validation when it was compiled, so an engine error here
                # means the validator and the engine disagree; IAM names this PolicyEvaluation.
                raise PolicyEvaluationException(
                    f"The policy could not be evaluated: {result.errors[0]}"
                )
            results.append(result)
        replies.append(evaluation_result(results, policies, per_resource))

    # Results keep the order of ActionNames, so the position is the marker's sort key.
    numbered = list(enumerate(replies))
    shown, paging = page(numbered, params, lambda item: f"{item[0]:08d}")
    return {"EvaluationResults": [result for _, result in shown], **paging}


def _account_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":", 5)
    if len(parts) == 6 and parts[4].isdigit():
        return parts[4]
    return None
