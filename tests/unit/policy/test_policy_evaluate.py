"""The evaluation pipeline: principal types, org exemptions, cross-account and fail-closed rules."""

from __future__ import annotations

from typing import Any

from orgstack.policy import Decision, Layer, evaluate_case, explain

ACCOUNT = "111122223333"
OTHER = "444455556666"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/AppRole"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/AppRole/app-session"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
BUCKET = "arn:aws:s3:::bucket/key"


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def deny(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Deny", "Action": action, "Resource": resource, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def bucket_policy(principal: Any, effect: str = "Allow") -> dict[str, Any]:
    statement = {
        "Effect": effect,
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": BUCKET,
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def case(
    principal: str = USER,
    *,
    action: str = "s3:GetObject",
    resource: str = BUCKET,
    resource_account: str = ACCOUNT,
    context: dict[str, Any] | None = None,
    **layers: Any,
) -> dict[str, Any]:
    if context is None:
        context = {"aws:PrincipalArn": ROLE} if principal == SESSION else {}
    return {
        "request": {
            "action": action,
            "resource": resource,
            "principal_arn": principal,
            "resource_account": resource_account,
            "context": context,
        },
        "identity_policies": layers.pop("identity", []),
        **layers,
    }


def decided(data: dict[str, Any]) -> tuple[str, str | None]:
    result = evaluate_case(data)
    return str(result.decision), str(result.denied_by) if result.denied_by else None


def test_identity_allow_grants_same_account() -> None:
    assert decided(case(identity=[allow()])) == ("Allow", None)


def test_no_policy_is_implicit_deny_by_identity() -> None:
    assert decided(case()) == ("ImplicitDeny", "identity")


def test_resource_policy_naming_user_bypasses_boundary() -> None:
    data = case(resource_policy=bucket_policy({"AWS": USER}), permission_boundary=allow("ec2:*"))

    assert decided(data) == ("Allow", None)


def test_resource_policy_naming_session_bypasses_session_policy() -> None:
    data = case(
        SESSION,
        resource_policy=bucket_policy({"AWS": SESSION}),
        session_policy=allow("ec2:*"),
        permission_boundary=allow("ec2:*"),
    )

    assert decided(data) == ("Allow", None)


def test_role_grant_limited_by_session_policy() -> None:
    data = case(
        SESSION, resource_policy=bucket_policy({"AWS": ROLE}), session_policy=allow("ec2:*")
    )

    assert decided(data) == ("ImplicitDeny", "session")


def test_resource_policy_naming_role_grants_without_identity_policy() -> None:
    data = case(SESSION, resource_policy=bucket_policy({"AWS": ROLE}))

    assert decided(data) == ("Allow", None)


def test_resource_policy_naming_role_without_aws_principal_arn() -> None:
    data = case(SESSION, context={}, resource_policy=bucket_policy({"AWS": ROLE}))

    assert decided(data) == ("Allow", None)


def test_resource_policy_naming_account_delegates_to_identity() -> None:
    data = case(resource_policy=bucket_policy({"AWS": ROOT}))

    assert decided(data) == ("ImplicitDeny", "identity")


def test_resource_policy_deny_naming_role_denies_session() -> None:
    data = case(SESSION, identity=[allow()], resource_policy=bucket_policy({"AWS": ROLE}, "Deny"))

    assert decided(data) == ("ExplicitDeny", "resource")


def test_boundary_deny_is_explicit_deny_by_boundary() -> None:
    data = case(identity=[allow()], permission_boundary=deny())

    assert decided(data) == ("ExplicitDeny", "boundary")


def test_session_policy_deny_is_explicit() -> None:
    data = case(SESSION, identity=[allow()], session_policy=deny())

    assert decided(data) == ("ExplicitDeny", "session")


def test_root_user_has_implicit_access_in_own_account() -> None:
    assert decided(case(ROOT)) == ("Allow", None)


def test_root_user_is_limited_by_scp() -> None:
    data = case(ROOT, scps=[[allow("*")], [allow("ec2:*")]])

    assert decided(data) == ("ImplicitDeny", "scp")


def test_management_account_ignores_scps() -> None:
    data = case(
        identity=[allow()], scps=[[deny("*")]], org={"principal_account_is_management": True}
    )

    assert decided(data) == ("Allow", None)


def test_scp_level_without_policies_denies() -> None:
    data = case(identity=[allow()], scps=[[allow("*")], []])

    assert decided(data) == ("ImplicitDeny", "scp")


def test_resource_account_scps_are_ignored() -> None:
    data = case(
        identity=[allow()],
        resource_policy=bucket_policy({"AWS": USER}),
        resource_account=OTHER,
        resource_account_scps=[[deny("*")]],
    )

    assert decided(data) == ("Allow", None)


def test_cross_account_needs_resource_policy() -> None:
    assert decided(case(identity=[allow()], resource_account=OTHER)) == ("ImplicitDeny", "resource")


def test_cross_account_needs_identity_policy() -> None:
    data = case(resource_policy=bucket_policy({"AWS": USER}), resource_account=OTHER)

    assert decided(data) == ("ImplicitDeny", "identity")


def test_cross_account_account_principal_suffices() -> None:
    data = case(
        identity=[allow()], resource_policy=bucket_policy({"AWS": ACCOUNT}), resource_account=OTHER
    )

    assert decided(data) == ("Allow", None)


def test_cross_account_resource_grant_does_not_bypass_boundary() -> None:
    data = case(
        identity=[allow()],
        permission_boundary=allow("ec2:*"),
        resource_policy=bucket_policy({"AWS": USER}),
        resource_account=OTHER,
    )

    assert decided(data) == ("ImplicitDeny", "boundary")


def test_rcp_does_not_apply_to_management_account_resources() -> None:
    rcps = [[bucket_policy("*", "Deny")]]
    data = case(identity=[allow()], rcps=rcps, org={"resource_account_is_management": True})

    assert decided(data) == ("Allow", None)


def test_rcp_does_not_apply_to_unsupported_service() -> None:
    data = case(
        identity=[allow("ec2:RunInstances")],
        action="ec2:RunInstances",
        resource="*",
        rcps=[
            [
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
                    ],
                }
            ]
        ],
    )

    assert decided(data) == ("Allow", None)


def test_rcp_level_without_allow_denies_implicitly() -> None:
    data = case(identity=[allow()], rcps=[[], []])

    assert decided(data) == ("ImplicitDeny", "rcp")


def test_not_principal_deny_exempts_listed_user_and_account() -> None:
    policy = bucket_policy(None, "Deny")
    statement = policy["Statement"][0]
    del statement["Principal"]
    statement["NotPrincipal"] = {"AWS": [USER, ROOT]}

    assert decided(case(identity=[allow()], resource_policy=policy)) == ("Allow", None)


def test_not_principal_without_account_still_denies() -> None:
    policy = bucket_policy(None, "Deny")
    statement = policy["Statement"][0]
    del statement["Principal"]
    statement["NotPrincipal"] = {"AWS": [USER]}

    assert decided(case(identity=[allow()], resource_policy=policy)) == ("ExplicitDeny", "resource")


def test_not_principal_never_exempts_caller_with_boundary() -> None:
    policy = bucket_policy(None, "Deny")
    statement = policy["Statement"][0]
    del statement["Principal"]
    statement["NotPrincipal"] = {"AWS": [USER, ROOT]}
    data = case(identity=[allow()], permission_boundary=allow(), resource_policy=policy)

    assert decided(data) == ("ExplicitDeny", "resource")


def test_unknown_operator_fails_closed_and_is_reported() -> None:
    condition = {"StringEqualsAny": {"aws:username": "alice"}}
    allowed = evaluate_case(case(identity=[allow(Condition=condition)]))
    denied = evaluate_case(case(identity=[allow("*"), deny(Condition=condition)]))

    assert allowed.decision is Decision.IMPLICIT_DENY
    assert denied.decision is Decision.EXPLICIT_DENY
    assert denied.denied_by is Layer.IDENTITY
    assert any("StringEqualsAny" in error for error in allowed.errors)
    assert "failed closed" in explain(denied)


def test_missing_context_keys_are_listed() -> None:
    condition = {"StringEquals": {"aws:PrincipalTag/team": "red"}}
    result = evaluate_case(case(identity=[allow(Condition=condition)]))

    assert result.missing_context_keys == ("aws:PrincipalTag/team",)


def test_explicit_deny_outranks_implicit() -> None:
    data = case(identity=[deny()], scps=[[allow("ec2:*")]])

    assert decided(data) == ("ExplicitDeny", "identity")


def test_allow_result_lists_deciding_statements() -> None:
    result = evaluate_case(case(identity=[allow()], scps=[[allow("*")], [allow("s3:*")]]))
    layers = sorted(str(ref.layer) for ref in result.deciding)

    assert layers == ["identity", "scp", "scp"]
    assert {ref.level for ref in result.deciding if ref.layer is Layer.SCP} == {"root", "account"}


KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234"


def key_policy(principal: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "kms:*", "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_key_policy_must_allow_in_same_account() -> None:
    data = case(
        identity=[allow("kms:Decrypt")],
        action="kms:Decrypt",
        resource=KEY,
        resource_policy=key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:role/Other"}),
    )

    assert decided(data) == ("ImplicitDeny", "resource")


def test_key_policy_naming_account_delegates_to_identity() -> None:
    data = case(action="kms:Decrypt", resource=KEY, resource_policy=key_policy({"AWS": ROOT}))
    with_identity = case(
        identity=[allow("kms:Decrypt")],
        action="kms:Decrypt",
        resource=KEY,
        resource_policy=key_policy({"AWS": ROOT}),
    )

    assert decided(data) == ("ImplicitDeny", "identity")
    assert decided(with_identity) == ("Allow", None)


def test_trust_policy_must_allow_assume_role() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/Other"},
             "Action": "sts:AssumeRole"}
        ],
    }  # fmt: skip
    data = case(
        identity=[allow("sts:AssumeRole")],
        action="sts:AssumeRole",
        resource=ROLE,
        resource_policy=trust,
    )

    assert decided(data) == ("ImplicitDeny", "resource")


def test_trust_policy_naming_user_needs_no_identity_policy() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}],
    }

    assert decided(case(action="sts:AssumeRole", resource=ROLE, resource_policy=trust)) == (
        "Allow",
        None,
    )
