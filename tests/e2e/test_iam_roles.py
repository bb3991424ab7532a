"""IAM roles through boto3 and the AWS CLI: lifecycle, listing, tags, trust policy and quotas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orgstack.auth.principals import ROOT, Principal
from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.secrets_at_rest import SecretBox
from orgstack.services import registry
from orgstack.services.registry import RequestContext
from tests.harness import Account, Server, create_member_account, give_root_key

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def assert_error(
    info: pytest.ExceptionInfo[ClientError], code: str, message: str, status: int
) -> None:
    error = info.value.response["Error"]
    assert error["Code"] == code
    assert error["Message"] == message
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


@pytest.fixture
def account(server: Server) -> Account:
    return server.new_account()


@pytest.fixture
def iam(server: Server, account: Account) -> Any:
    return server.client("iam", account)


def test_create_role_returns_role(iam: Any, account: Account) -> None:
    role = iam.create_role(
        RoleName="app-role",
        Path="/apps/",
        AssumeRolePolicyDocument=TRUST,
        Description="runs the app",
        MaxSessionDuration=7200,
    )["Role"]

    assert role["RoleName"] == "app-role"
    assert role["Path"] == "/apps/"
    assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role/apps/app-role"
    assert role["RoleId"].startswith("AROA")
    assert len(role["RoleId"]) == 21
    assert role["Description"] == "runs the app"
    assert role["MaxSessionDuration"] == 7200
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert "RoleLastUsed" not in role


def test_get_role_returns_stored_role(iam: Any, account: Account) -> None:
    created = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST)["Role"]

    role = iam.get_role(RoleName="READER")["Role"]

    assert role["RoleName"] == "reader"
    assert role["RoleId"] == created["RoleId"]
    assert role["Path"] == "/"
    assert role["MaxSessionDuration"] == 3600
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert role["RoleLastUsed"] == {}
    assert "Description" not in role
    assert "PermissionsBoundary" not in role


def test_get_role_missing(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.get_role(RoleName="nobody")
    assert_error(info, "NoSuchEntity", "The role with name nobody cannot be found.", 404)


def test_create_role_duplicate_name_any_case(iam: Any) -> None:
    iam.create_role(RoleName="Builder", AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName="builder", AssumeRolePolicyDocument=TRUST)
    assert_error(info, "EntityAlreadyExists", "Role with name builder already exists.", 409)


def test_roles_are_per_account(server: Server, iam: Any) -> None:
    iam.create_role(RoleName="private", AssumeRolePolicyDocument=TRUST)
    other = server.client("iam", server.new_account())

    with pytest.raises(ClientError) as info:
        other.get_role(RoleName="private")
    assert_error(info, "NoSuchEntity", "The role with name private cannot be found.", 404)
    other.create_role(RoleName="private", AssumeRolePolicyDocument=TRUST)


def test_create_role_invalid_name(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName="bad name", AssumeRolePolicyDocument=TRUST)
    assert_error(
        info,
        "ValidationError",
        "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        400,
    )


def test_create_role_trust_policy_errors(iam: Any) -> None:
    cases = [
        ("{not json", "This policy contains invalid Json"),
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}],
                }
            ),
            "Missing required field Principal",
        ),
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Resource": "*",
                        }
                    ],
                }
            ),
            "Has prohibited field Resource",
        ),
    ]
    for document, message in cases:
        with pytest.raises(ClientError) as info:
            iam.create_role(RoleName="malformed", AssumeRolePolicyDocument=document)
        assert_error(info, "MalformedPolicyDocument", message, 400)


def test_create_role_trust_policy_quota(iam: Any) -> None:
    principals = [f"arn:aws:iam::{100000000000 + n}:root" for n in range(80)]
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
            ],
        },
        indent=4,
    )
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName="crowded", AssumeRolePolicyDocument=document)
    assert_error(info, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)


def test_trust_policy_whitespace_not_counted(iam: Any) -> None:
    statement = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    document = json.dumps(
        {"Version": "2012-10-17", "Statement": [{**statement, "Action": "sts:AssumeRole"}]},
        indent=200,
    )
    assert len(document) > 2048

    iam.create_role(RoleName="airy", AssumeRolePolicyDocument=document)


def test_list_roles_pages_with_marker(iam: Any) -> None:
    names = [f"role-{index:02d}" for index in range(5)]
    for name in reversed(names):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)

    first = iam.list_roles(MaxItems=2)
    assert [role["RoleName"] for role in first["Roles"]] == names[:2]
    assert first["IsTruncated"] is True
    second = iam.list_roles(MaxItems=2, Marker=first["Marker"])
    assert [role["RoleName"] for role in second["Roles"]] == names[2:4]
    third = iam.list_roles(MaxItems=2, Marker=second["Marker"])
    assert [role["RoleName"] for role in third["Roles"]] == names[4:]
    assert third["IsTruncated"] is False
    assert "Marker" not in third


def test_list_roles_paginator(iam: Any) -> None:
    for index in range(3):
        iam.create_role(RoleName=f"paged-{index}", AssumeRolePolicyDocument=TRUST)

    pages = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1})
    names = [role["RoleName"] for result in pages for role in result["Roles"]]

    assert names == ["paged-0", "paged-1", "paged-2"]


def test_list_roles_path_prefix(iam: Any) -> None:
    iam.create_role(RoleName="team-a", Path="/teams/a/", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="team-b", Path="/teams/b/", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="service", Path="/", AssumeRolePolicyDocument=TRUST)

    teams = iam.list_roles(PathPrefix="/teams/")["Roles"]

    assert [role["RoleName"] for role in teams] == ["team-a", "team-b"]
    assert all("Tags" not in role and "RoleLastUsed" not in role for role in teams)


def test_update_assume_role_policy(iam: Any, account: Account) -> None:
    iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=TRUST)
    new_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }

    iam.update_assume_role_policy(RoleName="trusting", PolicyDocument=json.dumps(new_trust))

    assert iam.get_role(RoleName="trusting")["Role"]["AssumeRolePolicyDocument"] == new_trust
    with pytest.raises(ClientError) as info:
        iam.update_assume_role_policy(RoleName="trusting", PolicyDocument="[]")
    assert info.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_update_role_description_and_duration(iam: Any) -> None:
    iam.create_role(RoleName="tuned", AssumeRolePolicyDocument=TRUST)

    iam.update_role(RoleName="tuned", Description="tuned role", MaxSessionDuration=43200)

    role = iam.get_role(RoleName="tuned")["Role"]
    assert role["Description"] == "tuned role"
    assert role["MaxSessionDuration"] == 43200


def test_delete_role(iam: Any) -> None:
    iam.create_role(RoleName="short-lived", AssumeRolePolicyDocument=TRUST)

    assert iam.list_instance_profiles_for_role(RoleName="short-lived")["InstanceProfiles"] == []
    iam.delete_role(RoleName="short-lived")

    with pytest.raises(ClientError) as info:
        iam.get_role(RoleName="short-lived")
    assert_error(info, "NoSuchEntity", "The role with name short-lived cannot be found.", 404)
    with pytest.raises(ClientError) as info:
        iam.delete_role(RoleName="short-lived")
    assert_error(info, "NoSuchEntity", "The role with name short-lived cannot be found.", 404)


def test_delete_role_with_policies_conflicts(iam: Any) -> None:
    iam.create_role(RoleName="busy", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(
        RoleName="busy",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
            }
        ),
    )
    iam.attach_role_policy(RoleName="busy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    with pytest.raises(ClientError) as info:
        iam.delete_role(RoleName="busy")
    assert_error(info, "DeleteConflict", "Cannot delete entity, must delete policies first.", 409)

    iam.delete_role_policy(RoleName="busy", PolicyName="inline")
    with pytest.raises(ClientError) as info:
        iam.delete_role(RoleName="busy")
    assert_error(
        info, "DeleteConflict", "Cannot delete entity, must detach all policies first.", 409
    )

    iam.detach_role_policy(RoleName="busy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.delete_role(RoleName="busy")


def test_role_tags(iam: Any) -> None:
    iam.create_role(
        RoleName="tagged",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "team", "Value": "core"}],
    )

    iam.tag_role(
        RoleName="tagged",
        Tags=[{"Key": "Team", "Value": "platform"}, {"Key": "env", "Value": "prod"}],
    )

    assert iam.list_role_tags(RoleName="tagged")["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "Team", "Value": "platform"},
    ]
    assert iam.get_role(RoleName="tagged")["Role"]["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "Team", "Value": "platform"},
    ]
    iam.untag_role(RoleName="tagged", TagKeys=["TEAM"])
    assert iam.list_role_tags(RoleName="tagged")["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_tag_role_duplicate_keys(iam: Any) -> None:
    iam.create_role(RoleName="dupes", AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as info:
        iam.tag_role(
            RoleName="dupes", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
        )
    assert_error(
        info,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )


def test_tag_role_quota(iam: Any) -> None:
    tags = [{"Key": f"key-{index}", "Value": "v"} for index in range(50)]
    iam.create_role(RoleName="full", AssumeRolePolicyDocument=TRUST, Tags=tags)
    with pytest.raises(ClientError) as info:
        iam.tag_role(RoleName="full", Tags=[{"Key": "one-more", "Value": "v"}])
    assert_error(info, "LimitExceeded", "The number of tags has reached the maximum limit.", 409)


def test_permissions_boundary(iam: Any, account: Account) -> None:
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    iam.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=boundary
    )
    assert iam.get_role(RoleName="bounded")["Role"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary,
    }

    iam.delete_role_permissions_boundary(RoleName="bounded")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="bounded")["Role"]

    missing = f"arn:aws:iam::{account.account_id}:policy/absent"
    with pytest.raises(ClientError) as info:
        iam.put_role_permissions_boundary(RoleName="bounded", PermissionsBoundary=missing)
    assert_error(
        info, "NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404
    )
    iam.put_role_permissions_boundary(RoleName="bounded", PermissionsBoundary=boundary)
    assert (
        iam.get_role(RoleName="bounded")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
        == boundary
    )


def test_member_account_has_access_role(server: Server, management: Account) -> None:
    org = server.client("organizations", management)
    org.create_organization(FeatureSet="ALL")
    member_id = create_member_account(server, org)
    member = give_root_key(server, member_id)
    iam = server.client("iam", member)

    role = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    attached = iam.list_attached_role_policies(RoleName="OrganizationAccountAccessRole")

    assert role["Arn"] == f"arn:aws:iam::{member_id}:role/OrganizationAccountAccessRole"
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"AWS": f"arn:aws:iam::{management.account_id}:root"}
    assert attached["AttachedPolicies"] == [
        {
            "PolicyName": "AdministratorAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
        }
    ]


def test_aws_cli_get_role(server: Server, iam: Any, account: Account, tmp_path: Path) -> None:
    iam.create_role(RoleName="cli-role", AssumeRolePolicyDocument=TRUST)
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_MAX_ATTEMPTS": "1",
    }
    aws = Path(sys.executable).parent / "aws"

    result = subprocess.run(
        [str(aws), "iam", "get-role", "--role-name", "cli-role", "--endpoint-url", server.endpoint],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    role = json.loads(result.stdout)["Role"]
    assert role["RoleName"] == "cli-role"
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)


def test_operations_declare_role_resource(server: Server, iam: Any, account: Account) -> None:
    """The ARN the authorizer checks contains the stored role's path."""
    iam.create_role(RoleName="pathed", Path="/deep/", AssumeRolePolicyDocument=TRUST)
    registry.load_all()
    spec = registry.find("iam", "GetRole")
    assert spec is not None
    assert spec.resources is not None

    with server.database().transaction(write=False) as connection:
        context = _context(connection, account, server)
        found = spec.resources(context, {"RoleName": "PATHED"})
        absent = spec.resources(context, {"RoleName": "absent"})

    assert found == [f"arn:aws:iam::{account.account_id}:role/deep/pathed"]
    assert absent == [f"arn:aws:iam::{account.account_id}:role/absent"]


def _context(connection: Any, account: Account, server: Server) -> RequestContext:
    root = Principal(
        account_id=account.account_id,
        arn=f"arn:aws:iam::{account.account_id}:root",
        principal_id=account.account_id,
        type=ROOT,
        access_key_id=account.access_key_id,
    )
    return RequestContext(
        request_id="test",
        service="iam",
        operation="GetRole",
        caller=root,
        db=connection,
        clock=Clock(),
        settings=Settings(),
        box=SecretBox(server.master_key.encode()),
        region="us-east-1",
        source_ip="127.0.0.1",
        user_agent="test",
    )


def test_concurrent_create_role_one_wins(server: Server, account: Account) -> None:
    clients = [server.client("iam", account) for _ in range(6)]

    def create(client: Any) -> str:
        try:
            client.create_role(RoleName="contested", AssumeRolePolicyDocument=TRUST)
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "created"

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        outcomes = sorted(pool.map(create, clients))

    assert outcomes == ["EntityAlreadyExists"] * 5 + ["created"]


def trust_for(principal: Any) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def test_trust_policy_invalid_principal_format(iam: Any) -> None:
    document = trust_for({"AWS": ["arn:aws:iam::123456789012:root", "not-an-arn"]})
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName="misnamed", AssumeRolePolicyDocument=document)
    assert_error(
        info, "MalformedPolicyDocument", 'Invalid principal in policy: "AWS":"not-an-arn"', 400
    )


def test_trust_policy_names_missing_role(iam: Any, account: Account) -> None:
    iam.create_role(RoleName="present", Path="/team/", AssumeRolePolicyDocument=TRUST)
    missing = f"arn:aws:iam::{account.account_id}:role/absent"
    wrong_path = f"arn:aws:iam::{account.account_id}:role/present"

    for arn in (missing, wrong_path):
        with pytest.raises(ClientError) as info:
            iam.create_role(RoleName="chained", AssumeRolePolicyDocument=trust_for({"AWS": arn}))
        assert_error(
            info, "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{arn}"', 400
        )

    present = f"arn:aws:iam::{account.account_id}:role/team/present"
    iam.create_role(RoleName="chained", AssumeRolePolicyDocument=trust_for({"AWS": present}))


def test_trust_policy_unknown_account_role_accepted(iam: Any) -> None:
    # orgstack cannot know the roles of an account it does not store, so it accepts them.
    document = trust_for({"AWS": "arn:aws:iam::999999999999:role/elsewhere"})

    role = iam.create_role(RoleName="outward", AssumeRolePolicyDocument=document)["Role"]

    assert role["AssumeRolePolicyDocument"] == json.loads(document)
