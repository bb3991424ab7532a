"""Random sequences of IAM role calls against the real server, checked against a dict model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.harness import Server

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"}
        ],
    }
)
DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)
ROLE_NAMES = st.sampled_from(["alpha", "Alpha", "beta", "gamma"])
POLICY_NAMES = st.sampled_from(["read", "write"])
POLICY_ARNS = st.sampled_from(
    [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/SecurityAudit",
        "arn:aws:iam::aws:policy/job-function/Billing",
    ]
)


@dataclass
class RoleModel:
    name: str
    inline: set[str] = field(default_factory=set)
    attached: set[str] = field(default_factory=set)


def error_code(call: Any) -> str | None:
    try:
        call()
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def test_role_calls_match_model(server: Server) -> None:
    class RoleMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.iam = server.client("iam", server.new_account())
            # Keyed by the lower-case name, because IAM role names ignore case.
            self.roles: dict[str, RoleModel] = {}

        @rule(name=ROLE_NAMES)
        def create_role(self, name: str) -> None:
            code = error_code(
                lambda: self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
            )
            if name.lower() in self.roles:
                assert code == "EntityAlreadyExists"
            else:
                assert code is None
                self.roles[name.lower()] = RoleModel(name)

        @rule(name=ROLE_NAMES)
        def delete_role(self, name: str) -> None:
            code = error_code(lambda: self.iam.delete_role(RoleName=name))
            role = self.roles.get(name.lower())
            if role is None:
                assert code == "NoSuchEntity"
            elif role.inline or role.attached:
                assert code == "DeleteConflict"
            else:
                assert code is None
                del self.roles[name.lower()]

        @rule(name=ROLE_NAMES, policy=POLICY_NAMES)
        def put_role_policy(self, name: str, policy: str) -> None:
            code = error_code(
                lambda: self.iam.put_role_policy(
                    RoleName=name, PolicyName=policy, PolicyDocument=DOCUMENT
                )
            )
            role = self.roles.get(name.lower())
            if role is None:
                assert code == "NoSuchEntity"
            else:
                assert code is None
                role.inline.add(policy)

        @rule(name=ROLE_NAMES, policy=POLICY_NAMES)
        def delete_role_policy(self, name: str, policy: str) -> None:
            code = error_code(lambda: self.iam.delete_role_policy(RoleName=name, PolicyName=policy))
            role = self.roles.get(name.lower())
            if role is None or policy not in role.inline:
                assert code == "NoSuchEntity"
            else:
                assert code is None
                role.inline.remove(policy)

        @rule(name=ROLE_NAMES, arn=POLICY_ARNS)
        def attach_role_policy(self, name: str, arn: str) -> None:
            code = error_code(lambda: self.iam.attach_role_policy(RoleName=name, PolicyArn=arn))
            role = self.roles.get(name.lower())
            if role is None:
                assert code == "NoSuchEntity"
            else:
                assert code is None
                role.attached.add(arn)

        @rule(name=ROLE_NAMES, arn=POLICY_ARNS)
        def detach_role_policy(self, name: str, arn: str) -> None:
            code = error_code(lambda: self.iam.detach_role_policy(RoleName=name, PolicyArn=arn))
            role = self.roles.get(name.lower())
            if role is None or arn not in role.attached:
                assert code == "NoSuchEntity"
            else:
                assert code is None
                role.attached.remove(arn)

        @invariant()
        def server_matches_model(self) -> None:
            listed = self.iam.list_roles()["Roles"]
            assert [role["RoleName"] for role in listed] == [
                self.roles[key].name for key in sorted(self.roles)
            ]
            for role in self.roles.values():
                inline = self.iam.list_role_policies(RoleName=role.name)["PolicyNames"]
                attached = self.iam.list_attached_role_policies(RoleName=role.name)
                assert inline == sorted(role.inline)
                assert [entry["PolicyArn"] for entry in attached["AttachedPolicies"]] == sorted(
                    role.attached
                )

    RoleMachine.TestCase.settings = settings(
        max_examples=6,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    RoleMachine.TestCase().runTest()
