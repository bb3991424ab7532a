"""IAM `EvaluationResult` members built from engine results: Organizations and boundary details."""

from __future__ import annotations

import json

from orgstack.policy import (
    Layer,
    Layers,
    PolicyKind,
    PolicyLevel,
    PolicyRef,
    Request,
    compile_policy,
    evaluate,
)
from orgstack.services.iam.simulate_inputs import BOUNDARY_POLICY, INPUT_POLICY, PolicySet, Source
from orgstack.services.iam.simulate_results import evaluation_result

ROLE = "arn:aws:iam::111122223333:role/App"
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
DENY_SQS = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}]}
)


def _policies(boundary: str | None = None) -> PolicySet:
    policies = PolicySet()
    policies.add(
        Layer.IDENTITY,
        "PolicyInputList.1",
        Source("PolicyInputList.1", INPUT_POLICY, ALLOW_ALL),
        PolicyKind.IDENTITY,
    )
    if boundary is not None:
        policies.add(
            Layer.BOUNDARY,
            "Ceiling",
            Source("Ceiling", BOUNDARY_POLICY, boundary),
            PolicyKind.PERMISSIONS_BOUNDARY,
        )
    return policies


def _scp_levels() -> tuple[PolicyLevel, ...]:
    full = PolicyRef("p-FullAWSAccess", compile_policy(ALLOW_ALL, PolicyKind.SCP))
    deny = PolicyRef("p-denysqs1", compile_policy(DENY_SQS, PolicyKind.SCP))
    return (
        PolicyLevel("r-ab12", (full, deny)),
        PolicyLevel("111122223333", (full,)),
    )


def _result(action: str, policies: PolicySet, management: bool) -> dict[str, object]:
    layers = Layers(
        identity=tuple(policies.identity),
        boundary=policies.boundary,
        scp_levels=_scp_levels(),
        principal_account_is_management=management,
    )
    return evaluation_result([evaluate(Request(action, "*", ROLE), layers)], policies, False)


def test_organizations_detail_member_denied() -> None:
    result = _result("sqs:SendMessage", _policies(), management=False)

    assert result["EvalDecision"] == "explicitDeny"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert result["MatchedStatements"] == []


def test_organizations_detail_management_exempt() -> None:
    result = _result("sqs:SendMessage", _policies(), management=True)

    assert result["EvalDecision"] == "allowed"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}


def test_organizations_detail_member_allowed() -> None:
    result = _result("iam:GetRole", _policies(), management=False)

    assert result["EvalDecision"] == "allowed"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert "PermissionsBoundaryDecisionDetail" not in result


def test_boundary_detail_deny() -> None:
    policies = _policies(boundary=DENY_SQS)
    layers = Layers(identity=tuple(policies.identity), boundary=policies.boundary)

    request = Request("sqs:SendMessage", "*", ROLE)
    result = evaluation_result([evaluate(request, layers)], policies, False)

    assert result["EvalDecision"] == "explicitDeny"
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "Ceiling",
            "SourcePolicyType": BOUNDARY_POLICY,
            "StartPosition": {"Line": 1, "Column": 41},
            "EndPosition": {"Line": 1, "Column": 95},
        }
    ]
    assert "OrganizationsDecisionDetail" not in result
