"""The example organization that `orgstack serve --demo` loads into an empty store.

It is the classic multi-account layout: a Security OU (Logging and Audit accounts), a Workloads OU
(Production, Staging and Testing (UAT)) and a Sandbox OU (Development). An SCP denies
`ec2:TerminateInstances` and `s3:DeleteBucket` on the Development and Testing accounts, a
region-restriction SCP applies to Sandbox, and a tag policy requires a `CostCenter` tag.
Everything is created through the Organizations API as the management account's root user, so it
obeys the same rules, and lands in the audit trail, like a client's calls. IAM Identity Center
comes next (`orgstack.demo_identity`): its organization instance, groups, permission sets, account
assignments and users with one-time passwords.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from orgstack import demo_identity
from orgstack.accounts import first_account_id
from orgstack.auth.principals import ROOT, Principal
from orgstack.ids import account_root_arn
from orgstack.server.pipeline import Pipeline
from orgstack.store.schema import accounts

log = logging.getLogger("orgstack.demo")

LAYOUT = {
    "Security": [("Logging", "logging@example.com"), ("Audit", "audit@example.com")],
    "Workloads": [
        ("Production", "production@example.com"),
        ("Staging", "staging@example.com"),
        ("Testing (UAT)", "testing@example.com"),
    ],
    "Sandbox": [("Development", "development@example.com")],
}

DENY_DESTRUCTIVE_SCP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyDestructiveActions",
            "Effect": "Deny",
            "Action": ["ec2:TerminateInstances", "s3:DeleteBucket"],
            "Resource": "*",
        }
    ],
}

REGION_RESTRICTION_SCP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsideApprovedRegions",
            "Effect": "Deny",
            # Global services are exempt, as in AWS's example region-restriction SCP.
            "NotAction": [
                "iam:*",
                "organizations:*",
                "sts:*",
                "support:*",
                "cloudfront:*",
                "route53:*",
                "sso:*",
                "identitystore:*",
            ],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        }
    ],
}

COST_CENTER_TAG_POLICY = {
    "tags": {
        "costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "enforced_for": {"@@assign": ["ec2:instance", "s3:bucket"]},
        }
    }
}

# How long the loader waits for CreateAccount's background job per account.
ACCOUNT_TIMEOUT_SECONDS = 60


@dataclass
class DemoOrganization:
    """Ids of what the loader created, for the start-up banner and tests."""

    organization_id: str = ""
    root_id: str = ""
    units: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)
    identity_center: demo_identity.DemoIdentityCenter | None = None


class DemoLoader:
    def __init__(self, pipeline: Pipeline, management: Principal) -> None:
        self.pipeline = pipeline
        self.management = management

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.pipeline.call_as(self.management, "organizations", operation, params)

    def load(self) -> DemoOrganization:
        demo = DemoOrganization()
        organization = self.call("CreateOrganization", FeatureSet="ALL")["Organization"]
        demo.organization_id = organization["Id"]
        demo.root_id = self.call("ListRoots")["Roots"][0]["Id"]

        for unit_name, members in LAYOUT.items():
            created = self.call("CreateOrganizationalUnit", ParentId=demo.root_id, Name=unit_name)
            unit = created["OrganizationalUnit"]
            demo.units[unit_name] = unit["Id"]
            for account_name, email in members:
                account_id = self.create_account(account_name, email)
                demo.accounts[account_name] = account_id
                self.call(
                    "MoveAccount",
                    AccountId=account_id,
                    SourceParentId=demo.root_id,
                    DestinationParentId=unit["Id"],
                )

        self.attach_policies(demo)
        return demo

    def create_account(self, name: str, email: str) -> str:
        status = self.call("CreateAccount", AccountName=name, Email=email)["CreateAccountStatus"]
        deadline = time.monotonic() + ACCOUNT_TIMEOUT_SECONDS
        while status["State"] == "IN_PROGRESS":
            if time.monotonic() > deadline:
                raise RuntimeError(f"creating the demo account `{name}` did not finish in time")
            time.sleep(0.05)
            status = self.call("DescribeCreateAccountStatus", CreateAccountRequestId=status["Id"])[
                "CreateAccountStatus"
            ]
        if status["State"] != "SUCCEEDED":
            raise RuntimeError(
                f"creating the demo account `{name}` failed: {status.get('FailureReason')}"
            )
        return str(status["AccountId"])

    def attach_policies(self, demo: DemoOrganization) -> None:
        deny = self.create_policy(
            "DenyDestructiveActions",
            "Denies terminating EC2 instances and deleting S3 buckets",
            "SERVICE_CONTROL_POLICY",
            DENY_DESTRUCTIVE_SCP,
        )
        for account_name in ("Development", "Testing (UAT)"):
            self.call("AttachPolicy", PolicyId=deny, TargetId=demo.accounts[account_name])

        regions = self.create_policy(
            "RestrictRegions",
            "Denies actions outside us-east-1 and eu-west-1, except global services",
            "SERVICE_CONTROL_POLICY",
            REGION_RESTRICTION_SCP,
        )
        self.call("AttachPolicy", PolicyId=regions, TargetId=demo.units["Sandbox"])

        self.call("EnablePolicyType", RootId=demo.root_id, PolicyType="TAG_POLICY")
        tags = self.create_policy(
            "RequireCostCenter",
            "Requires a CostCenter tag on EC2 instances and S3 buckets",
            "TAG_POLICY",
            COST_CENTER_TAG_POLICY,
        )
        self.call("AttachPolicy", PolicyId=tags, TargetId=demo.root_id)
        demo.policies.update(
            {"DenyDestructiveActions": deny, "RestrictRegions": regions, "RequireCostCenter": tags}
        )

    def create_policy(self, name: str, description: str, policy_type: str, content: Any) -> str:
        policy = self.call(
            "CreatePolicy",
            Name=name,
            Description=description,
            Type=policy_type,
            Content=json.dumps(content, indent=2),
        )["Policy"]["PolicySummary"]
        return str(policy["Id"])


def load_if_empty(pipeline: Pipeline) -> DemoOrganization | None:
    """Load the example organization when the first account belongs to no organization yet."""
    with pipeline.database.transaction(write=False) as connection:
        account_id = first_account_id(connection)
        if account_id is None:
            return None
        organization = connection.execute(
            select(accounts.c.organization_id).where(accounts.c.id == account_id)
        ).scalar_one()
    if organization is not None:
        log.info("demo: skipped, the store already contains an organization")
        return None

    management = Principal(
        account_id=account_id,
        arn=account_root_arn(account_id),
        principal_id=account_id,
        type=ROOT,
        access_key_id=None,
    )
    demo = DemoLoader(pipeline, management).load()
    demo.identity_center = demo_identity.load(pipeline, management, demo.accounts)
    log.info(
        "demo: loaded the example organization organization_id=%s accounts=%d",
        demo.organization_id,
        len(demo.accounts),
    )
    return demo
