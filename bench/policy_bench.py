"""Measure warm policy decisions: on the documented cases and on a realistic request mix.

Run: `.venv/bin/python bench/policy_bench.py [--rounds N]`. Policies are compiled once before
timing (the compile cache makes later lookups of the same content free), so the numbers are the
cost of `evaluate` alone. Prints the median and 99th percentile per decision and decisions per
second; writes nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from orgstack.policy import (
    Layers,
    PolicyKind,
    PolicyLevel,
    PolicyRef,
    Request,
    clear_cache,
    compile_policy,
    evaluate,
)
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


def _permission_set_policy() -> dict[str, Any]:
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


def realistic_mix() -> list[tuple[Request, Layers]]:
    """Requests of one permission-set session under a three-level SCP tree."""
    ref = PolicyRef
    layers = Layers(
        identity=[
            ref(
                "AWSReservedSSO_Developer",
                compile_policy(_permission_set_policy(), PolicyKind.IDENTITY),
            )
        ],
        scp_levels=[
            PolicyLevel(
                "r-ab12", [ref("p-FullAWSAccess", compile_policy(FULL_ACCESS, PolicyKind.SCP))]
            ),
            PolicyLevel(
                "ou-ab12-workloads",
                [
                    ref("p-FullAWSAccess", compile_policy(FULL_ACCESS, PolicyKind.SCP)),
                    ref("p-regiondeny", compile_policy(REGION_DENY, PolicyKind.SCP)),
                ],
            ),
            PolicyLevel(
                ACCOUNT,
                [
                    ref("p-FullAWSAccess", compile_policy(FULL_ACCESS, PolicyKind.SCP)),
                    ref("p-denyleave", compile_policy(DENY_LEAVE, PolicyKind.SCP)),
                ],
            ),
        ],
    )
    principal = (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice"
    )
    base_context = {
        "aws:PrincipalArn": (
            f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/"
            "AWSReservedSSO_Developer_0123456789abcdef"
        ),
        "aws:PrincipalTag/team": "team-a",
        "aws:MultiFactorAuthPresent": "true",
        "aws:SourceIp": "203.0.113.10",
    }
    requests = [
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
        (
            "logs:PutLogEvents",
            f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:team-a-app",
            "eu-west-1",
        ),
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:team-a/db-AbCdEf",
            "eu-west-1",
        ),
        ("organizations:LeaveOrganization", "*", "us-east-1"),
        ("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:queue", "eu-west-1"),
    ]
    mix: list[tuple[Request, Layers]] = []
    for action, resource, region in requests:
        context = {**base_context, "aws:RequestedRegion": region, "aws:username": "alice"}
        mix.append((Request(action, resource, principal, context), layers))
    return mix


def documented_cases() -> list[tuple[Request, Layers]]:
    cases = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return [(case_request(case), case_layers(case)) for case in cases]


def measure(name: str, workload: list[tuple[Request, Layers]], rounds: int) -> None:
    """Print wall-clock latency per decision and CPU time per decision.

    The CPU time (thread time per pass over the workload, divided by its size) is the steadier
    number on a shared machine, where other processes preempt the benchmark.
    """
    for request, layers in workload:  # warm the per-service statement index
        evaluate(request, layers)
    samples: list[float] = []
    cpu_per_decision: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        cpu_start = time.thread_time_ns()
        for request, layers in workload:
            begin = time.perf_counter_ns()
            evaluate(request, layers)
            samples.append((time.perf_counter_ns() - begin) / 1000)
        cpu_per_decision.append((time.thread_time_ns() - cpu_start) / 1000 / len(workload))
    elapsed = time.perf_counter() - started
    samples.sort()
    p99 = samples[int(len(samples) * 0.99)]
    print(
        f"{name:<18} decisions={len(samples):>7}  median={statistics.median(samples):6.1f} µs  "
        f"p99={p99:6.1f} µs  cpu median={statistics.median(cpu_per_decision):6.1f} µs  "
        f"throughput={len(samples) / elapsed:>9,.0f} decisions/s"
    )


def measure_cold_compile() -> None:
    document = _permission_set_policy()
    rounds = 200
    begin = time.perf_counter()
    for _ in range(rounds):
        clear_cache()
        compile_policy(document, PolicyKind.IDENTITY)
    per = (time.perf_counter() - begin) / rounds * 1e6
    size = len(document["Statement"])
    print(f"{'cold compile':<18} permission set of {size} statements: {per:,.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="passes over each workload")
    args = parser.parse_args()

    measure("documented cases", documented_cases(), max(1, args.rounds // 4))
    measure("realistic mix", realistic_mix(), args.rounds)
    measure_cold_compile()


if __name__ == "__main__":
    main()
