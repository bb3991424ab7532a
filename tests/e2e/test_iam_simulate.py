"""IAM SimulatePrincipalPolicy and SimulateCustomPolicy through boto3.

The member account sits in the OU `Sandbox`, whose SCP denies all of S3. Its role `App` has an
inline policy allowing IAM, S3 and SQS reads and a permissions boundary allowing IAM and
s3:GetObject only, so SQS is blocked by the boundary and S3 by the SCP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest

from tests.harness import Server, create_member_account, give_root_key

TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }
)  # fmt: skip
# Written out with its layout, so the statement's position can be read off the text: it opens
# on line 4 at column 9 and closes on line 9 at column 9.
APP_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadThings",
            "Effect": "Allow",
            "Action": ["iam:GetRole", "s3:GetObject", "sqs:ReceiveMessage"],
            "Resource": "*"
        }
    ]
}"""
APP_POLICY_START = {"Line": 4, "Column": 9}
APP_POLICY_END = {"Line": 9, "Column": 10}
BOUNDARY_STATEMENT = {"Sid": "Ceiling", "Effect": "Allow", "Action": ["iam:*", "s3:GetObject"],
                      "Resource": "*"}  # fmt: skip
BOUNDARY_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [BOUNDARY_STATEMENT]})
OBJECT_ARN = "arn:aws:s3:::reports/q4.csv"
READ_ROLES_RESOURCE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "iam:GetRole",
                       "Resource": "*"}],
    }
)  # fmt: skip
UNKNOWN_OPERATOR_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*",
                       "Condition": {"StringEqualsWhatever": {"aws:SourceVpc": "vpc-1"}}}],
    }
)  # fmt: skip


def _one_line_span(document: str, statement: dict[str, Any]) -> tuple[dict[str, int], ...]:
    """Return where `statement` (as json.dumps writes it) sits in a one-line document."""
    text = json.dumps(statement)
    column = document.index(text) + 1
    return {"Line": 1, "Column": column}, {"Line": 1, "Column": column + len(text)}


@dataclass(frozen=True)
class Member:
    iam: Any
    account_id: str
    role_arn: str


@pytest.fixture(scope="module")
def member(server: Server) -> Member:
    management = server.new_account()
    organizations = server.client("organizations", management)
    organizations.create_organization(FeatureSet="ALL")
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_id = organizations.create_organizational_unit(ParentId=root_id, Name="Sandbox")[
        "OrganizationalUnit"
    ]["Id"]
    account_id = create_member_account(server, organizations)
    organizations.move_account(
        AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou_id
    )
    deny_s3 = {"Sid": "DenyAllS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    policy = organizations.create_policy(
        Content=json.dumps({"Version": "2012-10-17", "Statement": [deny_s3]}),
        Description="",
        Name="DenyS3",
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]
    organizations.attach_policy(PolicyId=policy["Id"], TargetId=ou_id)

    iam = server.client("iam", give_root_key(server, account_id))
    boundary_arn = iam.create_policy(PolicyName="AppBoundary", PolicyDocument=BOUNDARY_POLICY)[
        "Policy"
    ]["Arn"]
    role_arn = iam.create_role(
        RoleName="App", AssumeRolePolicyDocument=TRUST_POLICY, PermissionsBoundary=boundary_arn
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName="App", PolicyName="AppAccess", PolicyDocument=APP_POLICY)
    return Member(iam, account_id, role_arn)


def _error(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[int, str, str]:
    response = raised.value.response
    error = response["Error"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]


def _app_statement() -> dict[str, Any]:
    return {
        "SourcePolicyId": "AppAccess",
        "SourcePolicyType": "role",
        "StartPosition": APP_POLICY_START,
        "EndPosition": APP_POLICY_END,
    }


def _boundary_statement() -> dict[str, Any]:
    start, end = _one_line_span(BOUNDARY_POLICY, BOUNDARY_STATEMENT)
    return {
        "SourcePolicyId": "AppBoundary",
        "SourcePolicyType": "Permissions Boundary Policy",
        "StartPosition": start,
        "EndPosition": end,
    }


def test_principal_policy_allowed(member: Member) -> None:
    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn, ActionNames=["iam:GetRole"]
    )

    assert reply["IsTruncated"] is False
    assert reply["EvaluationResults"] == [
        {
            "EvalActionName": "iam:GetRole",
            "EvalResourceName": "*",
            "EvalDecision": "allowed",
            "MatchedStatements": [_app_statement(), _boundary_statement()],
            "MissingContextValues": [],
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
        }
    ]


def test_principal_policy_boundary_blocks(member: Member) -> None:
    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn, ActionNames=["sqs:ReceiveMessage"]
    )

    assert reply["EvaluationResults"] == [
        {
            "EvalActionName": "sqs:ReceiveMessage",
            "EvalResourceName": "*",
            "EvalDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": [],
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": False},
        }
    ]


def test_principal_policy_scp_blocks(member: Member) -> None:
    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn, ActionNames=["s3:GetObject"], ResourceArns=[OBJECT_ARN]
    )

    assert reply["EvaluationResults"] == [
        {
            "EvalActionName": "s3:GetObject",
            "EvalResourceName": OBJECT_ARN,
            "EvalDecision": "explicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": [],
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": False},
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
            "ResourceSpecificResults": [
                {
                    "EvalResourceName": OBJECT_ARN,
                    "EvalResourceDecision": "explicitDeny",
                    "MatchedStatements": [],
                    "MissingContextValues": [],
                    "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
                }
            ],
        }
    ]


def test_principal_policy_each_resource(member: Member) -> None:
    open_role = f"arn:aws:iam::{member.account_id}:role/Open"
    locked_role = f"arn:aws:iam::{member.account_id}:role/Locked"
    deny = {"Effect": "Deny", "Action": "iam:GetRole", "Resource": locked_role}
    document = json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    start, end = _one_line_span(document, deny)
    deny_statement = {
        "SourcePolicyId": "PolicyInputList.1",
        "SourcePolicyType": "IAM Policy",
        "StartPosition": start,
        "EndPosition": end,
    }

    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn,
        ActionNames=["iam:GetRole"],
        ResourceArns=[open_role, locked_role],
        PolicyInputList=[document],
    )

    assert reply["EvaluationResults"] == [
        {
            "EvalActionName": "iam:GetRole",
            "EvalResourceName": "*",
            "EvalDecision": "explicitDeny",
            "MatchedStatements": [_app_statement(), _boundary_statement(), deny_statement],
            "MissingContextValues": [],
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
            "EvalDecisionDetails": {},
            "ResourceSpecificResults": [
                {
                    "EvalResourceName": open_role,
                    "EvalResourceDecision": "allowed",
                    "MatchedStatements": [_app_statement(), _boundary_statement()],
                    "MissingContextValues": [],
                    "EvalDecisionDetails": {},
                    "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
                },
                {
                    "EvalResourceName": locked_role,
                    "EvalResourceDecision": "explicitDeny",
                    "MatchedStatements": [deny_statement],
                    "MissingContextValues": [],
                    "EvalDecisionDetails": {},
                    "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
                },
            ],
        }
    ]


def test_principal_policy_boundary_input_replaces(member: Member) -> None:
    boundary = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        }
    )

    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn,
        ActionNames=["sqs:ReceiveMessage", "iam:GetRole"],
        PermissionsBoundaryPolicyInputList=[boundary],
    )

    results = reply["EvaluationResults"]
    assert [result["EvalDecision"] for result in results] == ["allowed", "implicitDeny"]
    assert results[0]["MatchedStatements"] == [
        _app_statement(),
        {
            "SourcePolicyId": "PermissionsBoundaryPolicyInputList.1",
            "SourcePolicyType": "Permissions Boundary Policy",
            "StartPosition": {"Line": 1, "Column": 40},
            "EndPosition": {"Line": 1, "Column": 95},
        },
    ]
    assert results[1]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False
    }


def test_principal_policy_input_policy_deny(member: Member) -> None:
    deny = {"Effect": "Deny", "Action": "iam:Get*", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    start, end = _one_line_span(document, deny)

    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn, ActionNames=["iam:GetRole"], PolicyInputList=[document]
    )

    result = reply["EvaluationResults"][0]
    assert result["EvalDecision"] == "explicitDeny"
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": start,
            "EndPosition": end,
        }
    ]


def test_principal_policy_pages(member: Member) -> None:
    actions = ["iam:GetRole", "sqs:ReceiveMessage", "s3:GetObject"]

    first = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn, ActionNames=actions, MaxItems=2
    )
    second = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn, ActionNames=actions, MaxItems=2, Marker=first["Marker"]
    )

    assert first["IsTruncated"] is True
    assert [result["EvalActionName"] for result in first["EvaluationResults"]] == actions[:2]
    assert second["IsTruncated"] is False
    assert "Marker" not in second
    assert [result["EvalActionName"] for result in second["EvaluationResults"]] == actions[2:]


def test_principal_policy_unknown_role(member: Member) -> None:
    arn = f"arn:aws:iam::{member.account_id}:role/Nobody"

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member.iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["iam:GetRole"])

    assert _error(raised) == (404, "NoSuchEntity", "The role with name Nobody cannot be found.")


def test_principal_policy_role_of_other_account(server: Server, member: Member) -> None:
    other = server.client("iam", server.new_account())

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        other.simulate_principal_policy(
            PolicySourceArn=member.role_arn, ActionNames=["iam:GetRole"]
        )

    assert _error(raised) == (404, "NoSuchEntity", "The role with name App cannot be found.")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"ActionNames": ["GetRole"]},
            "The action name `GetRole` is not valid: use a service prefix and an operation name, "
            "such as iam:CreateRole.",
        ),
        (
            {
                "ActionNames": ["iam:GetRole"],
                "PermissionsBoundaryPolicyInputList": [BOUNDARY_POLICY] * 2,
            },
            "PermissionsBoundaryPolicyInputList contains more than one policy: pass at most one "
            "permissions boundary.",
        ),
        (
            {"ActionNames": ["iam:GetRole"], "ResourcePolicy": READ_ROLES_RESOURCE_POLICY},
            "CallerArn is required with a ResourcePolicy when PolicySourceArn is not a user: pass "
            "the ARN of an IAM user as CallerArn.",
        ),
        (
            {"ActionNames": ["iam:GetRole"], "PolicyInputList": ['{"Statement": ']},
            "The policy `PolicyInputList.1` is not valid: The policy is not valid JSON: "
            "Expecting value at line 1, column 15.",
        ),
        (
            {"ActionNames": ["iam:GetRole"], "PolicyInputList": [UNKNOWN_OPERATOR_POLICY]},
            "The policy `PolicyInputList.1` is not valid: unknown condition operator "
            "`StringEqualsWhatever`: use an operator from the IAM condition operator list",
        ),
    ],
)
def test_principal_policy_invalid_input(
    member: Member, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member.iam.simulate_principal_policy(PolicySourceArn=member.role_arn, **arguments)

    assert _error(raised) == (400, "InvalidInput", message)


def test_custom_policy_missing_context_key(member: Member) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}},
    }
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    start, end = _one_line_span(document, statement)

    missing = member.iam.simulate_custom_policy(
        PolicyInputList=[document], ActionNames=["s3:GetObject"]
    )
    given = member.iam.simulate_custom_policy(
        PolicyInputList=[document],
        ActionNames=["s3:GetObject"],
        ContextEntries=[
            {
                "ContextKeyName": "aws:SourceVpc",
                "ContextKeyValues": ["vpc-1a2b3c4d"],
                "ContextKeyType": "string",
            }
        ],
    )

    assert missing["EvaluationResults"] == [
        {
            "EvalActionName": "s3:GetObject",
            "EvalResourceName": "*",
            "EvalDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["aws:SourceVpc"],
        }
    ]
    assert given["EvaluationResults"] == [
        {
            "EvalActionName": "s3:GetObject",
            "EvalResourceName": "*",
            "EvalDecision": "allowed",
            "MatchedStatements": [
                {
                    "SourcePolicyId": "PolicyInputList.1",
                    "SourcePolicyType": "IAM Policy",
                    "StartPosition": start,
                    "EndPosition": end,
                }
            ],
            "MissingContextValues": [],
        }
    ]


def test_custom_policy_compact_position(member: Member) -> None:
    document = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    )

    reply = member.iam.simulate_custom_policy(
        PolicyInputList=[document], ActionNames=["s3:ListBucket"]
    )

    statement = reply["EvaluationResults"][0]["MatchedStatements"][0]
    assert statement["StartPosition"] == {"Line": 1, "Column": 38}
    assert statement["EndPosition"] == {"Line": 1, "Column": 87}


def test_custom_policy_multivalued_context(member: Member) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "iam:TagRole",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
    }
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    def decision(keys: list[str]) -> str:
        entry = {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": keys,
                 "ContextKeyType": "stringList"}  # fmt: skip
        reply = member.iam.simulate_custom_policy(
            PolicyInputList=[document], ActionNames=["iam:TagRole"], ContextEntries=[entry]
        )
        return str(reply["EvaluationResults"][0]["EvalDecision"])

    assert decision(["team", "env"]) == "allowed"
    assert decision(["team", "owner"]) == "implicitDeny"


def test_custom_policy_resource_policy_grants(member: Member) -> None:
    caller = f"arn:aws:iam::{member.account_id}:user/alice"
    resource_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": caller},
                           "Action": "sqs:SendMessage", "Resource": "*"}],
        }
    )  # fmt: skip
    queue = f"arn:aws:sqs:us-east-1:{member.account_id}:jobs"
    empty_identity = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*",
                                                 "Resource": "*"}]}
    )  # fmt: skip

    reply = member.iam.simulate_custom_policy(
        PolicyInputList=[empty_identity],
        ActionNames=["sqs:SendMessage"],
        ResourceArns=[queue],
        ResourcePolicy=resource_policy,
        CallerArn=caller,
    )

    result = reply["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert [s["SourcePolicyId"] for s in result["MatchedStatements"]] == ["ResourcePolicy"]
    assert [s["SourcePolicyType"] for s in result["MatchedStatements"]] == ["resource"]


def test_custom_policy_rejects_wildcard_action(member: Member) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member.iam.simulate_custom_policy(PolicyInputList=[BOUNDARY_POLICY], ActionNames=["iam:*"])

    assert _error(raised) == (
        400,
        "InvalidInput",
        "The action name `iam:*` is not valid: use a service prefix and an operation name, such "
        "as iam:CreateRole, without wildcards.",
    )


def test_custom_policy_caller_must_be_user(member: Member) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member.iam.simulate_custom_policy(
            PolicyInputList=[BOUNDARY_POLICY],
            ActionNames=["iam:GetRole"],
            CallerArn=member.role_arn,
        )

    assert _error(raised) == (
        400,
        "InvalidInput",
        f"The CallerArn `{member.role_arn}` is not valid: pass the ARN of an IAM user.",
    )


def test_principal_policy_exclude_inline(member: Member) -> None:
    excluded = {"InlinePolicyIdentifier": {"PolicyName": "AppAccess", "AttachmentType": "role",
                                           "AttachmentName": "App"}}  # fmt: skip

    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn,
        ActionNames=["iam:GetRole"],
        PolicyExclusionList=[excluded],
    )

    result = reply["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []


def test_principal_policy_exclude_boundary(member: Member) -> None:
    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn,
        ActionNames=["sqs:ReceiveMessage"],
        PolicyExclusionList=[{"PolicyType": "permission-boundary"}],
    )

    result = reply["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"] == [_app_statement()]
    assert "PermissionsBoundaryDecisionDetail" not in result


def test_principal_policy_exclude_scps(member: Member) -> None:
    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn,
        ActionNames=["s3:GetObject"],
        PolicyExclusionList=[{"PolicyType": "scp"}],
    )

    result = reply["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert "OrganizationsDecisionDetail" not in result


def test_principal_policy_exclude_unmatched_arn(member: Member) -> None:
    reply = member.iam.simulate_principal_policy(
        PolicySourceArn=member.role_arn,
        ActionNames=["iam:GetRole"],
        PolicyExclusionList=[{"PolicyArn": "arn:aws:iam::aws:policy/Read?nly*"}],
    )

    assert reply["EvaluationResults"][0]["EvalDecision"] == "allowed"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"PolicyArn": "arn:aws:iam::aws:policy/*Read*Only"},
            "The PolicyArn `arn:aws:iam::aws:policy/*Read*Only` in PolicyExclusionList is not "
            "valid: use a managed policy ARN with at most one * in the policy name.",
        ),
    ],
)
def test_principal_policy_exclusion_invalid(
    member: Member, entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member.iam.simulate_principal_policy(
            PolicySourceArn=member.role_arn,
            ActionNames=["iam:GetRole"],
            PolicyExclusionList=[entry],
        )

    assert _error(raised) == (400, "InvalidInput", message)


def test_custom_policy_organization_levels(member: Member) -> None:
    allow_all = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    allow_iam = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*",
                                                 "Resource": "*"}]}
    )  # fmt: skip
    levels = [
        {"ServiceControlPolicyInputList": [allow_all]},
        {"ServiceControlPolicyInputList": [allow_iam]},
        {"ServiceControlPolicyInputList": [allow_all]},
    ]

    reply = member.iam.simulate_custom_policy(
        PolicyInputList=[allow_all],
        ActionNames=["iam:GetRole", "sqs:ReceiveMessage"],
        OrderedOrganizationPolicyInputList=levels,
    )

    iam_result, sqs_result = reply["EvaluationResults"]
    assert iam_result["EvalDecision"] == "allowed"
    assert iam_result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert sqs_result["EvalDecision"] == "implicitDeny"
    assert sqs_result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert sqs_result["MatchedStatements"] == []
