"""Condition keys in the request context and resource control policies, seen through AssumeRole
and role sessions: aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:RequestedRegion and an RCP on
the role's account."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config

from tests.e2e.sts_helpers import (
    allow,
    assume,
    assumed_role_arn,
    denial,
    new_organization,
    put_role,
    session_client,
    trust,
)
from tests.harness import CLIENT_CONFIG, Server, create_member_account


def _org_trust(organization_id: str) -> dict[str, Any]:
    """Trust every principal of the organization, by aws:PrincipalOrgID."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            }
        ],
    }


def test_trust_by_principal_org_id(server: Server) -> None:
    organization = new_organization(server)
    organization_id = organization.client.describe_organization()["Organization"]["Id"]
    member = create_member_account(server, organization.client)
    arn = put_role(server, member, "OrgWide", _org_trust(organization_id))
    outsider = server.new_account()

    inside = assume(server, organization.management, arn, "insider")
    refused = denial(server.client("sts", outsider).assume_role, RoleArn=arn, RoleSessionName="o1")

    assert inside["AssumedRoleUser"]["Arn"] == assumed_role_arn(member, "insider", "OrgWide")
    assert refused.message == (
        f"User: arn:aws:iam::{outsider.account_id}:root is not authorized to perform: "
        f"sts:AssumeRole on resource: {arn}"
    )


def test_principal_org_paths_condition(server: Server) -> None:
    organization = new_organization(server)
    organization_id = organization.client.describe_organization()["Organization"]["Id"]
    root_id = organization.client.list_roots()["Roots"][0]["Id"]
    unit = organization.client.create_organizational_unit(ParentId=root_id, Name="Paths")[
        "OrganizationalUnit"
    ]["Id"]
    inside = create_member_account(server, organization.client)
    outside = create_member_account(server, organization.client)
    organization.client.move_account(
        AccountId=inside, SourceParentId=root_id, DestinationParentId=unit
    )
    only_unit = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "organizations:DescribeOrganization",
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringLike": {
                        "aws:PrincipalOrgPaths": f"{organization_id}/*/{unit}/"
                    }
                },
            }
        ],
    }
    sessions = {}
    for account in (inside, outside):
        arn = put_role(
            server,
            account,
            "PathBound",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": organization.management.account_id},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            inline={"only-unit": only_unit},
        )
        credentials = assume(server, organization.management, arn, "p1")["Credentials"]
        sessions[account] = session_client(server, "organizations", credentials)

    allowed = sessions[inside].describe_organization()["Organization"]
    refused = denial(sessions[outside].describe_organization)

    assert allowed["Id"] == organization_id
    assert refused.message == (
        f"User: {assumed_role_arn(outside, 'p1', 'PathBound')} is not authorized to perform: "
        "organizations:DescribeOrganization because no identity-based policy allows the "
        "organizations:DescribeOrganization action"
    )


def test_requested_region_condition(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    arn = put_role(
        server,
        member,
        "EuOnly",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": organization.management.account_id},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        inline={
            "eu": allow(
                ["sts:DecodeAuthorizationMessage"],
                StringEquals={"aws:RequestedRegion": "eu-west-1"},
            )
        },
    )
    credentials = assume(server, organization.management, arn, "eu")["Credentials"]
    us = session_client(server, "sts", credentials)
    eu = boto3.session.Session().client(
        "sts",
        endpoint_url=server.endpoint,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=CLIENT_CONFIG.merge(Config(region_name="eu-west-1")),
    )

    refused_us = denial(us.decode_authorization_message, EncodedMessage="x")
    # Authorized in eu-west-1, the call reaches the handler, which rejects the message itself.
    invalid_eu = denial(eu.decode_authorization_message, EncodedMessage="x")

    assert refused_us.code == "AccessDenied"
    assert invalid_eu.code == "InvalidAuthorizationMessageException"


def test_resource_control_policy_on_role_account(server: Server) -> None:
    organization = new_organization(server)
    organization_id = organization.client.describe_organization()["Organization"]["Id"]
    root_id = organization.client.list_roots()["Roots"][0]["Id"]
    organization.client.enable_policy_type(RootId=root_id, PolicyType="RESOURCE_CONTROL_POLICY")
    member = create_member_account(server, organization.client)
    outsider = server.new_account()
    # The role trusts an account outside the organization. The RCP on the member account stops
    # every principal from outside the organization, whatever the role's trust policy allows.
    arn = put_role(
        server,
        member,
        "Partner",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": outsider.account_id},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        inline={"all": allow(["*"])},
    )
    rcp = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyOrganizationPrincipals",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id}},
            }
        ],
    }
    sts = server.client("sts", outsider)
    before = sts.assume_role(RoleArn=arn, RoleSessionName="partner")
    policy_id = organization.client.create_policy(
        Content=json.dumps(rcp), Description="", Name="OrgOnly", Type="RESOURCE_CONTROL_POLICY"
    )["Policy"]["PolicySummary"]["Id"]
    organization.client.attach_policy(PolicyId=policy_id, TargetId=member)

    refused = denial(sts.assume_role, RoleArn=arn, RoleSessionName="partner")

    assert before["AssumedRoleUser"]["Arn"] == assumed_role_arn(member, "partner", "Partner")
    assert refused.code == "AccessDenied"
    assert refused.message == (
        f"User: arn:aws:iam::{outsider.account_id}:root is not authorized to perform: "
        f"sts:AssumeRole on resource: {arn}"
    )


def test_resource_tag_of_organizational_unit(server: Server) -> None:
    organization = new_organization(server)
    management_id = organization.management.account_id
    root_id = organization.client.list_roots()["Roots"][0]["Id"]
    tagged = organization.client.create_organizational_unit(
        ParentId=root_id, Name="Dev", Tags=[{"Key": "env", "Value": "dev"}]
    )["OrganizationalUnit"]
    untagged = organization.client.create_organizational_unit(ParentId=root_id, Name="Prod")[
        "OrganizationalUnit"
    ]
    # A role in the management account: SCPs do not apply there, its identity policy decides.
    arn = put_role(
        server,
        management_id,
        "DevReader",
        trust(management_id),
        inline={
            "dev-only": allow(
                ["organizations:DescribeOrganizationalUnit"],
                StringEquals={"aws:ResourceTag/env": "dev"},
            )
        },
    )
    credentials = assume(server, organization.management, arn, "reader")["Credentials"]
    orgs = session_client(server, "organizations", credentials)

    described = orgs.describe_organizational_unit(OrganizationalUnitId=tagged["Id"])
    refused = denial(orgs.describe_organizational_unit, OrganizationalUnitId=untagged["Id"])

    assert described["OrganizationalUnit"]["Name"] == "Dev"
    assert refused.message == (
        f"User: {assumed_role_arn(management_id, 'reader', 'DevReader')} is not authorized to "
        f"perform: organizations:DescribeOrganizationalUnit on resource: {untagged['Arn']} "
        "because no identity-based policy allows the organizations:DescribeOrganizationalUnit "
        "action"
    )


def test_resource_tag_of_role_on_assume_role(server: Server) -> None:
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    blue = put_role(server, member, "BlueRole", trust(member), tags={"team": "blue"})
    red = put_role(server, member, "RedRole", trust(member), tags={"team": "red"})
    caller = put_role(
        server,
        member,
        "Switcher",
        trust(organization.management.account_id),
        inline={
            "blue-roles": allow(["sts:AssumeRole"], StringEquals={"aws:ResourceTag/team": "blue"})
        },
    )
    credentials = assume(server, organization.management, caller, "switch")["Credentials"]
    sts = session_client(server, "sts", credentials)

    assumed = sts.assume_role(RoleArn=blue, RoleSessionName="to-blue")
    refused = denial(sts.assume_role, RoleArn=red, RoleSessionName="to-red")

    assert assumed["AssumedRoleUser"]["Arn"] == assumed_role_arn(member, "to-blue", "BlueRole")
    assert refused.message == (
        f"User: {assumed_role_arn(member, 'switch', 'Switcher')} is not authorized to perform: "
        f"sts:AssumeRole on resource: {red}"
    )
