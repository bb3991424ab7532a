"""The inputs of the policy benchmark: the documented decision cases and a realistic mix.

Both workloads are lists of decision cases in the format of tests/data/policy_cases.json, so
that bench/js/simulate_bench.mjs can hand the same requests and policies to iam-simulate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgstack.policy import Layers, Request
from orgstack.policy.cases import case_layers, case_request

CASES_FILE = Path(__file__).parents[1] / "tests" / "data" / "policy_cases.json"
ACCOUNT = "111122223333"

FULL_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

# The region-restriction SCP from the AWS Organizations example page, with its list of global
# services exempted through NotAction.
REGION_DENY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyAllOutsideEU",
            "Effect": "Deny",
            "NotAction": [
                "a4b:*",
                "acm:*",
                "aws-marketplace-management:*",
                "aws-marketplace:*",
                "aws-portal:*",
                "budgets:*",
                "ce:*",
                "chime:*",
                "cloudfront:*",
                "config:*",
                "cur:*",
                "directconnect:*",
                "ec2:DescribeRegions",
                "ec2:DescribeTransitGateways",
                "ec2:DescribeVpnGateways",
                "fms:*",
                "globalaccelerator:*",
                "health:*",
                "iam:*",
                "importexport:*",
                "kms:*",
                "mobileanalytics:*",
                "networkmanager:*",
                "organizations:*",
                "pricing:*",
                "route53:*",
                "route53domains:*",
                "s3:GetAccountPublic*",
                "s3:ListAllMyBuckets",
                "s3:PutAccountPublic*",
                "shield:*",
                "sts:*",
                "support:*",
                "trustedadvisor:*",
                "waf-regional:*",
                "waf:*",
                "wafv2:*",
                "wellarchitected:*",
            ],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]},
                "ArnNotLike": {"aws:PrincipalARN": ["arn:aws:iam::*:role/BreakGlass"]},
            },
        }
    ],
}

DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
            "Resource": "*",
        },
    ],
}


def permission_set_policy() -> dict[str, Any]:
    """Build a developer permission set of about 30 statements across common services."""
    statements: list[dict[str, Any]] = []
    services = ["s3", "dynamodb", "sqs", "sns", "lambda", "logs", "cloudwatch", "ecr", "ecs", "ssm"]
    for service in services:
        statements.append(
            {
                "Effect": "Allow",
                "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Describe*"],
                "Resource": "*",
            }
        )
        statements.append(
            {
                "Effect": "Allow",
                "Action": [f"{service}:Put*", f"{service}:Update*", f"{service}:Create*"],
                "Resource": f"arn:aws:{service}:eu-west-1:{ACCOUNT}:team-a-*",
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            }
        )
    statements += [
        {
            "Effect": "Allow",
            "Action": "s3:*Object",
            "Resource": "arn:aws:s3:::team-a-data/${aws:username}/*",
        },
        {
            "Effect": "Allow",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:InstanceType": ["t3.micro", "t3.small"]}},
        },
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/app-*",
        },
        {"Effect": "Deny", "Action": "iam:*", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/app-*"},
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                "StringLike": {"aws:PrincipalArn": "*:user/*"},
            },
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*",
        },
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/team-a-*",
        },
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:team-a/*-??????",
        },
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "cloudformation:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


SESSION_PRINCIPAL = (
    f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice"
)

SESSION_CONTEXT = {
    "aws:PrincipalArn": (
        f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/"
        "AWSReservedSSO_Developer_0123456789abcdef"
    ),
    "aws:PrincipalTag/team": "team-a",
    "aws:MultiFactorAuthPresent": "true",
    "aws:SourceIp": "203.0.113.10",
    "aws:username": "alice",
}

# Action, resource and requested region of each request in the realistic mix.
MIX_REQUESTS = [
    ("s3:GetObject", "arn:aws:s3:::team-a-data/alice/report.csv", "eu-west-1"),
    ("s3:PutObject", "arn:aws:s3:::team-a-data/alice/out.csv", "eu-west-1"),
    ("s3:DeleteBucket", "arn:aws:s3:::team-a-data", "eu-west-1"),
    ("s3:ListAllMyBuckets", "*", "us-east-1"),
    ("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders", "eu-west-1"),
    ("dynamodb:PutItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders", "eu-west-1"),
    ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*", "us-east-1"),
    ("ec2:DescribeInstances", "*", "eu-central-1"),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-worker", "us-east-1"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory", "us-east-1"),
    ("kms:Decrypt", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234", "eu-west-1"),
    ("lambda:InvokeFunction", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f", "eu-west-1"),
    ("logs:PutLogEvents", f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:team-a-app", "eu-west-1"),
    (
        "secretsmanager:GetSecretValue",
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:team-a/db-AbCdEf",
        "eu-west-1",
    ),
    ("organizations:LeaveOrganization", "*", "us-east-1"),
    ("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:queue", "eu-west-1"),
]


def realistic_mix_cases() -> list[dict[str, Any]]:
    """Build the realistic mix as decision cases (the format of tests/data/policy_cases.json).

    The cases are requests of one permission-set session under a three-level SCP tree, so they
    all contain the same policies.
    """
    identity = [permission_set_policy()]
    scps = [[FULL_ACCESS], [FULL_ACCESS, REGION_DENY], [FULL_ACCESS, DENY_LEAVE]]
    cases: list[dict[str, Any]] = []
    for number, (action, resource, region) in enumerate(MIX_REQUESTS, start=1):
        request = {
            "action": action,
            "resource": resource,
            "principal_arn": SESSION_PRINCIPAL,
            "context": {**SESSION_CONTEXT, "aws:RequestedRegion": region},
        }
        cases.append(
            {
                "id": f"mix-{number:02d} {action}",
                "request": request,
                "identity_policies": identity,
                "scps": scps,
            }
        )
    return cases


@dataclass(frozen=True)
class Workload:
    """Decision cases, the same cases built for `evaluate`, and the passes to time over them."""

    name: str
    rounds: int
    cases: list[dict[str, Any]]
    inputs: list[tuple[Request, Layers]]


def build_workloads(rounds: int) -> list[Workload]:
    """Build the documented cases (a quarter of `rounds` passes) and the realistic mix."""
    documented = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    documented_inputs = [(case_request(case), case_layers(case)) for case in documented]

    mix = realistic_mix_cases()
    # One Layers object for the whole mix, as one session's requests would share it.
    mix_layers = case_layers(mix[0])
    mix_inputs = [(case_request(case), mix_layers) for case in mix]

    return [
        Workload("documented cases", max(1, rounds // 4), documented, documented_inputs),
        Workload("realistic mix", rounds, mix, mix_inputs),
    ]
