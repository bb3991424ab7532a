"""The denying SCP's or RCP's ARN at the end of an explicit-deny message."""

from __future__ import annotations

import json
from typing import Any

from orgstack.policy import (
    Decision,
    Layers,
    PolicyKind,
    PolicyLevel,
    PolicyRef,
    Request,
    compile_policy,
    denial_message,
    evaluate,
    explain,
)

CALLER_ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
USER = f"arn:aws:iam::{CALLER_ACCOUNT}:user/alice"
OBJECT = "arn:aws:s3:::bucket/key"
ORGANIZATION = "o-a1b2c3d4e5"
OTHER_ORGANIZATION = "o-f6g7h8i9j0"
SCP_ARN = f"arn:aws:organizations::999988887777:policy/{ORGANIZATION}/service_control_policy/p-1"
RCP_ARN = f"arn:aws:organizations::999988887777:policy/{ORGANIZATION}/resource_control_policy/p-2"

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
}
ALLOW_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
}
RCP_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}
RCP_DENY_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
}
PREFIX = f"User: {USER} is not authorized to perform: s3:GetObject on resource: {OBJECT}"


def ref(name: str, document: dict[str, Any], kind: PolicyKind, arn: str | None = None) -> PolicyRef:
    return PolicyRef(name, compile_policy(json.dumps(document), kind), arn)


def scp_levels(*policies: PolicyRef) -> tuple[PolicyLevel, ...]:
    full = ref("p-FullAWSAccess", ALLOW_ALL, PolicyKind.SCP)
    return (PolicyLevel("root", (full, *policies)),)


def rcp_levels(*policies: PolicyRef) -> tuple[PolicyLevel, ...]:
    full = ref("p-RCPFullAWSAccess", RCP_ALLOW_ALL, PolicyKind.RCP)
    return (PolicyLevel("root", (full, *policies)),)


def request(resource_account: str = CALLER_ACCOUNT, **context: str) -> Request:
    return Request(
        action="s3:GetObject",
        resource=OBJECT,
        principal_arn=USER,
        context=context,
        principal_account=CALLER_ACCOUNT,
        resource_account=resource_account,
    )


IDENTITY = (ref("admin", ALLOW_ALL, PolicyKind.IDENTITY),)


def test_scp_deny_ends_with_policy_arn() -> None:
    layers = Layers(
        identity=IDENTITY, scp_levels=scp_levels(ref("p-1", DENY_S3, PolicyKind.SCP, SCP_ARN))
    )

    result = evaluate(request(), layers)

    assert result.decision is Decision.EXPLICIT_DENY
    assert denial_message(result) == (
        f"{PREFIX} with an explicit deny in a service control policy: {SCP_ARN}"
    )
    assert f"Message: {PREFIX} with an explicit deny in a service control policy: {SCP_ARN}" in (
        explain(result).splitlines()
    )


def test_scp_deny_without_arn_has_no_suffix() -> None:
    layers = Layers(identity=IDENTITY, scp_levels=scp_levels(ref("p-1", DENY_S3, PolicyKind.SCP)))

    message = denial_message(evaluate(request(), layers))

    assert message == f"{PREFIX} with an explicit deny in a service control policy"


def test_scp_implicit_deny_names_no_policy() -> None:
    level = PolicyLevel("root", (ref("p-1", ALLOW_EC2, PolicyKind.SCP, SCP_ARN),))
    layers = Layers(identity=IDENTITY, scp_levels=(level,))

    message = denial_message(evaluate(request(), layers))

    assert message == (f"{PREFIX} because no service control policy allows the s3:GetObject action")


def test_rcp_deny_same_account_ends_with_arn() -> None:
    layers = Layers(
        identity=IDENTITY, rcp_levels=rcp_levels(ref("p-2", RCP_DENY_S3, PolicyKind.RCP, RCP_ARN))
    )

    message = denial_message(evaluate(request(), layers))

    assert message == f"{PREFIX} with an explicit deny in a resource control policy: {RCP_ARN}"


def test_rcp_deny_same_organization_ends_with_arn() -> None:
    layers = Layers(
        identity=IDENTITY, rcp_levels=rcp_levels(ref("p-2", RCP_DENY_S3, PolicyKind.RCP, RCP_ARN))
    )
    same_org = request(OTHER_ACCOUNT, **{"aws:PrincipalOrgID": ORGANIZATION})

    message = denial_message(evaluate(same_org, layers))

    assert message == f"{PREFIX} with an explicit deny in a resource control policy: {RCP_ARN}"


def test_rcp_deny_other_organization_hides_arn() -> None:
    layers = Layers(
        identity=IDENTITY, rcp_levels=rcp_levels(ref("p-2", RCP_DENY_S3, PolicyKind.RCP, RCP_ARN))
    )
    other_org = request(OTHER_ACCOUNT, **{"aws:PrincipalOrgID": OTHER_ORGANIZATION})
    no_org = request(OTHER_ACCOUNT)

    other_message = denial_message(evaluate(other_org, layers))
    no_org_message = denial_message(evaluate(no_org, layers))

    assert other_message == f"{PREFIX} with an explicit deny in a resource control policy"
    assert no_org_message == f"{PREFIX} with an explicit deny in a resource control policy"
