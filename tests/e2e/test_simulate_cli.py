"""`orgstack simulate` against the store of a running server.

The organization: a deny-EC2 SCP on the root, a deny-S3 SCP and a deny-SQS RCP on the OU
`Sandbox`, and a member
account in that OU made by CreateAccount, so it has `OrganizationAccountAccessRole` with
AdministratorAccess. The management account has roles of its own, which SCPs never limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Server, create_member_account

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
MEMBER_ROLE = "OrganizationAccountAccessRole"
OBJECT_ARN = "arn:aws:s3:::reports/2026/q4.csv"
TRUST_MANAGEMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }
)  # fmt: skip


def _deny(sid: str, action: str) -> str:
    statement = {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass(frozen=True)
class Tree:
    root_id: str
    ou_id: str
    member_id: str
    member_name: str
    management_id: str
    deny_s3_id: str
    deny_ec2_id: str
    deny_queues_id: str
    organization_id: str

    def policy_arn(self, policy_type: str, policy_id: str) -> str:
        """Build a customer managed policy's ARN as AWS writes it."""
        return (
            f"arn:aws:organizations::{self.management_id}:policy/{self.organization_id}/"
            f"{policy_type}/{policy_id}"
        )


@pytest.fixture(scope="module")
def tree(server: Server) -> Tree:
    management = server.new_account()
    organizations = server.client("organizations", management)
    organization_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_id = organizations.create_organizational_unit(ParentId=root_id, Name="Sandbox")[
        "OrganizationalUnit"
    ]["Id"]
    member_id = create_member_account(server, organizations, name="Simulated Member")
    organizations.move_account(
        AccountId=member_id, SourceParentId=root_id, DestinationParentId=ou_id
    )

    policies = {}
    for name, target, content in (
        ("DenyS3", ou_id, _deny("DenyAllS3", "s3:*")),
        ("DenyEC2", root_id, _deny("DenyAllEC2", "ec2:*")),
    ):
        policy = organizations.create_policy(
            Content=content, Description="", Name=name, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]
        organizations.attach_policy(PolicyId=policy["Id"], TargetId=target)
        policies[name] = policy["Id"]

    organizations.enable_policy_type(RootId=root_id, PolicyType="RESOURCE_CONTROL_POLICY")
    deny_sqs = {"Sid": "NoQueues", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
                "Resource": "*"}  # fmt: skip
    rcp = organizations.create_policy(
        Content=json.dumps({"Version": "2012-10-17", "Statement": [deny_sqs]}),
        Description="",
        Name="DenyQueues",
        Type="RESOURCE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]
    organizations.attach_policy(PolicyId=rcp["Id"], TargetId=ou_id)
    policies["DenyQueues"] = rcp["Id"]

    iam = server.client("iam", management)
    iam.create_role(RoleName="Operator", AssumeRolePolicyDocument=TRUST_MANAGEMENT)
    iam.attach_role_policy(RoleName="Operator", PolicyArn=ADMINISTRATOR_ACCESS)
    iam.create_role(RoleName="Regional", AssumeRolePolicyDocument=TRUST_MANAGEMENT)
    conditional = {
        "Sid": "ReadInEurope",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
        },
    }
    iam.put_role_policy(
        RoleName="Regional",
        PolicyName="ReadInEurope",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [conditional]}),
    )
    return Tree(
        root_id,
        ou_id,
        member_id,
        "Simulated Member",
        management.account_id,
        policies["DenyS3"],
        policies["DenyEC2"],
        policies["DenyQueues"],
        organization_id,
    )


def _simulate(server: Server, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ORGSTACK_MASTER_KEY": server.master_key}
    command = [
        sys.executable, "-m", "orgstack", "simulate", *arguments,
        "--data-dir", str(server.data_dir),
        "--database-url", server.database_url,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _member_role(tree: Tree) -> str:
    return f"arn:aws:iam::{tree.member_id}:role/{MEMBER_ROLE}"


def test_simulate_scp_deny_on_ou(server: Server, tree: Tree) -> None:
    principal = _member_role(tree)

    result = _simulate(
        server, "--principal", principal, "--action", "s3:GetObject", "--resource", OBJECT_ARN
    )

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Decision: ExplicitDeny (decided by service control policy)"
    assert (
        f"Message: User: {principal} is not authorized to perform: s3:GetObject on resource: "
        f"{OBJECT_ARN} with an explicit deny in a service control policy: "
        + tree.policy_arn("service_control_policy", tree.deny_s3_id)
    ) in lines
    assert (
        f"Organization path: {tree.root_id} (Root) -> {tree.ou_id} (Sandbox) -> "
        f"{tree.member_id} ({tree.member_name})"
    ) in lines
    assert (
        f"Service control policies (principal account): {tree.root_id} -> {tree.ou_id} -> "
        f"{tree.member_id}"
    ) in lines
    assert f"  {tree.ou_id}: explicit Deny" in lines
    assert f"  scp {tree.deny_s3_id} at {tree.ou_id}, statement 0 (DenyAllS3): Deny" in lines
    named = sorted(
        [
            f"{tree.deny_s3_id} = DenyS3",
            "p-FullAWSAccess = FullAWSAccess",
            "p-RCPFullAWSAccess = RCPFullAWSAccess",
        ]
    )
    assert "Policies: " + ", ".join(named) in lines


def test_simulate_scp_deny_on_root(server: Server, tree: Tree) -> None:
    result = _simulate(server, "--principal", _member_role(tree), "--action", "ec2:RunInstances")

    assert result.returncode == 1, result.stderr
    assert f"  {tree.root_id}: explicit Deny" in result.stdout.splitlines()
    assert "with an explicit deny in a service control policy" in result.stdout


def test_simulate_allowed_action(server: Server, tree: Tree) -> None:
    result = _simulate(server, "--principal", _member_role(tree), "--action", "iam:ListRoles")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Decision: Allow"
    assert not any(line.startswith("Message:") for line in lines)
    assert "Identity-based policies:" in lines
    assert f"  identity {ADMINISTRATOR_ACCESS}, statement 0: Allow" in lines


def test_simulate_management_role_ignores_scps(server: Server, tree: Tree) -> None:
    principal = f"arn:aws:iam::{tree.management_id}:role/Operator"

    result = _simulate(server, "--principal", principal, "--action", "ec2:RunInstances")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Decision: Allow"
    assert (
        "Service control policies (principal account): not applied "
        "(the principal's account is the management account)"
    ) in lines
    assert (
        f"Principal: {principal} (role Operator of account {tree.management_id}, "
        "the management account)"
    ) in lines


def test_simulate_member_root_user_limited_by_scp(server: Server, tree: Tree) -> None:
    principal = f"arn:aws:iam::{tree.member_id}:root"

    denied = _simulate(server, "--principal", principal, "--action", "s3:ListAllMyBuckets")
    allowed = _simulate(server, "--principal", principal, "--action", "iam:CreateRole")

    assert denied.returncode == 1, denied.stderr
    assert allowed.returncode == 0, allowed.stderr


def test_simulate_session_policy_limits(server: Server, tree: Tree, tmp_path: Path) -> None:
    principal = f"arn:aws:sts::{tree.member_id}:assumed-role/{MEMBER_ROLE}/audit"
    session_policy = tmp_path / "session.json"
    session_policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}],
            }
        )
    )

    denied = _simulate(
        server, "--principal", principal, "--action", "iam:ListRoles",
        "--session-policy", str(session_policy),
    )  # fmt: skip
    allowed = _simulate(
        server, "--principal", principal, "--action", "iam:GetRole",
        "--session-policy", str(session_policy),
    )  # fmt: skip
    without = _simulate(server, "--principal", principal, "--action", "iam:ListRoles")

    assert denied.returncode == 1, denied.stderr
    assert (
        f"Message: User: {principal} is not authorized to perform: iam:ListRoles because no "
        "session policy allows the iam:ListRoles action"
    ) in denied.stdout.splitlines()
    assert allowed.returncode == 0, allowed.stderr
    assert without.returncode == 0, without.stderr
    assert "Session policy: none" in without.stdout.splitlines()


def test_simulate_reports_missing_context_key(server: Server, tree: Tree) -> None:
    principal = f"arn:aws:iam::{tree.management_id}:role/Regional"

    result = _simulate(
        server, "--principal", principal, "--action", "s3:GetObject", "--resource", OBJECT_ARN
    )

    assert result.returncode == 1, result.stderr
    assert "Missing context keys: aws:RequestedRegion" in result.stdout.splitlines()
    assert "because no identity-based policy allows the s3:GetObject action" in result.stdout


def test_simulate_context_multivalued_key(server: Server, tree: Tree) -> None:
    principal = f"arn:aws:iam::{tree.management_id}:role/Regional"
    request = ("--principal", principal, "--action", "s3:GetObject", "--resource", OBJECT_ARN)

    both = _simulate(
        server, *request, "--context", "aws:RequestedRegion=eu-west-1",
        "--context", "aws:TagKeys=team", "--context", "aws:TagKeys=env",
    )  # fmt: skip
    outside = _simulate(
        server, *request, "--context", "aws:RequestedRegion=eu-west-1",
        "--context", "aws:TagKeys=team", "--context", "aws:TagKeys=owner",
    )  # fmt: skip

    assert both.returncode == 0, both.stdout + both.stderr
    assert "  identity ReadInEurope, statement 0 (ReadInEurope): Allow" in both.stdout
    assert outside.returncode == 1, outside.stderr


def test_simulate_json_output(server: Server, tree: Tree) -> None:
    result = _simulate(
        server, "--principal", _member_role(tree), "--action", "s3:GetObject",
        "--resource", OBJECT_ARN, "--json",
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    assert output["decision"] == "ExplicitDeny"
    assert output["allowed"] is False
    assert output["denied_by"] == "service control policy"
    assert output["message"] == (
        f"User: {_member_role(tree)} is not authorized to perform: s3:GetObject on resource: "
        f"{OBJECT_ARN} with an explicit deny in a service control policy: "
        + tree.policy_arn("service_control_policy", tree.deny_s3_id)
    )
    assert output["organization_path"] == [
        {"id": tree.root_id, "name": "Root"},
        {"id": tree.ou_id, "name": "Sandbox"},
        {"id": tree.member_id, "name": tree.member_name},
    ]
    assert output["deciding"] == [
        {
            "layer": "scp",
            "policy_type": "service control policy",
            "policy": tree.deny_s3_id,
            "policy_name": "DenyS3",
            "level": tree.ou_id,
            "level_name": "Sandbox",
            "statement_index": 0,
            "sid": "DenyAllS3",
            "effect": "Deny",
        }
    ]
    assert output["missing_context_keys"] == []


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        (
            "arn:aws:iam::{member}:user/alice",
            "orgstack: the principal ARN `arn:aws:iam::{member}:user/alice` is not valid: use "
            "arn:aws:iam::<account>:root, arn:aws:iam::<account>:role/<path><name> or "
            "arn:aws:sts::<account>:assumed-role/<role>/<session>",
        ),
        (
            "arn:aws:iam::{member}:role/Missing",
            "orgstack: the role `Missing` does not exist in account `{member}`: check the "
            "principal ARN",
        ),
        (
            "arn:aws:iam::{member}:role/team/" + MEMBER_ROLE,
            "orgstack: the role `"
            + MEMBER_ROLE
            + "` has the ARN `arn:aws:iam::{member}:role/"
            + MEMBER_ROLE
            + "`, not `arn:aws:iam::{member}:role/team/"
            + MEMBER_ROLE
            + "`: use the ARN with the role's path",
        ),
        (
            "arn:aws:iam::999999999999:root",
            "orgstack: the account `999999999999` is not in this store: check the principal ARN "
            "and the --data-dir or --database-url",
        ),
    ],
)
def test_simulate_usage_errors(server: Server, tree: Tree, principal: str, message: str) -> None:
    result = _simulate(
        server, "--principal", principal.format(member=tree.member_id), "--action", "s3:GetObject"
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == message.format(member=tree.member_id)


def test_simulate_bad_context_entry(server: Server, tree: Tree) -> None:
    result = _simulate(
        server, "--principal", _member_role(tree), "--action", "s3:GetObject",
        "--context", "aws:RequestedRegion",
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "orgstack: the context entry `aws:RequestedRegion` is not valid: use KEY=VALUE"
    )


def test_simulate_assume_role_reads_trust_policy(server: Server, tree: Tree) -> None:
    management_root = f"arn:aws:iam::{tree.management_id}:root"
    member_root = f"arn:aws:iam::{tree.member_id}:root"
    operator = f"arn:aws:iam::{tree.management_id}:role/Operator"

    trusted = _simulate(
        server, "--principal", management_root, "--action", "sts:AssumeRole",
        "--resource", _member_role(tree),
    )  # fmt: skip
    untrusted = _simulate(
        server, "--principal", member_root, "--action", "sts:AssumeRole", "--resource", operator
    )

    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "  resource trust policy, statement 0: Allow" in trusted.stdout.splitlines()
    assert untrusted.returncode == 1, untrusted.stderr
    assert (
        f"Message: User: {member_root} is not authorized to perform: sts:AssumeRole on resource: "
        f"{operator} because no resource-based policy allows the sts:AssumeRole action"
    ) in untrusted.stdout.splitlines()


def test_simulate_rcp_deny_on_ou(server: Server, tree: Tree) -> None:
    principal = _member_role(tree)
    queue = f"arn:aws:sqs:us-east-1:{tree.member_id}:jobs"

    result = _simulate(
        server, "--principal", principal, "--action", "sqs:SendMessage", "--resource", queue
    )

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Decision: ExplicitDeny (decided by resource control policy)"
    assert (
        f"Message: User: {principal} is not authorized to perform: sqs:SendMessage on resource: "
        f"{queue} with an explicit deny in a resource control policy: "
        + tree.policy_arn("resource_control_policy", tree.deny_queues_id)
    ) in lines
    assert (
        f"Resource control policies (resource account): {tree.root_id} -> {tree.ou_id} -> "
        f"{tree.member_id}"
    ) in lines
    assert f"  rcp {tree.deny_queues_id} at {tree.ou_id}, statement 0 (NoQueues): Deny" in lines
