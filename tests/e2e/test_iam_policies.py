"""IAM policies through boto3: inline role policies, managed policies, versions and attachments."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orgstack.services.iam.principal_policies import identity_policies_for_role
from tests.harness import Account, Server

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
READ_BUCKETS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}
WRITE_BUCKETS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}],
}
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def assert_error(
    info: pytest.ExceptionInfo[ClientError], code: str, message: str, status: int
) -> None:
    error = info.value.response["Error"]
    assert error["Code"] == code
    assert error["Message"] == message
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def statement_document(count: int) -> str:
    """Return an identity policy of `count` statements, about 70 non-whitespace characters each."""
    statements = [
        {"Sid": f"S{index}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        for index in range(count)
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture
def account(server: Server) -> Account:
    return server.new_account()


@pytest.fixture
def iam(server: Server, account: Account) -> Any:
    client = server.client("iam", account)
    client.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)
    return client


# Inline policies


def test_put_and_get_role_policy(iam: Any) -> None:
    iam.put_role_policy(
        RoleName="worker", PolicyName="buckets", PolicyDocument=json.dumps(READ_BUCKETS)
    )

    policy = iam.get_role_policy(RoleName="worker", PolicyName="buckets")

    assert policy["RoleName"] == "worker"
    assert policy["PolicyName"] == "buckets"
    assert policy["PolicyDocument"] == READ_BUCKETS


def test_put_role_policy_replaces_document(iam: Any) -> None:
    iam.put_role_policy(
        RoleName="worker", PolicyName="buckets", PolicyDocument=json.dumps(READ_BUCKETS)
    )
    iam.put_role_policy(
        RoleName="worker", PolicyName="buckets", PolicyDocument=json.dumps(WRITE_BUCKETS)
    )

    policy = iam.get_role_policy(RoleName="worker", PolicyName="buckets")
    assert policy["PolicyDocument"] == WRITE_BUCKETS
    assert iam.list_role_policies(RoleName="worker")["PolicyNames"] == ["buckets"]


def test_list_role_policies_pages(iam: Any) -> None:
    for name in ("c", "a", "b"):
        iam.put_role_policy(
            RoleName="worker", PolicyName=name, PolicyDocument=json.dumps(READ_BUCKETS)
        )

    first = iam.list_role_policies(RoleName="worker", MaxItems=2)
    second = iam.list_role_policies(RoleName="worker", Marker=first["Marker"])

    assert first["PolicyNames"] == ["a", "b"]
    assert first["IsTruncated"] is True
    assert second["PolicyNames"] == ["c"]
    assert second["IsTruncated"] is False


def test_get_and_delete_missing_role_policy(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.get_role_policy(RoleName="worker", PolicyName="absent")
    assert_error(info, "NoSuchEntity", "The role policy with name absent cannot be found.", 404)
    with pytest.raises(ClientError) as info:
        iam.delete_role_policy(RoleName="worker", PolicyName="absent")
    assert_error(info, "NoSuchEntity", "The role policy with name absent cannot be found.", 404)
    with pytest.raises(ClientError) as info:
        iam.put_role_policy(
            RoleName="ghost", PolicyName="p", PolicyDocument=json.dumps(READ_BUCKETS)
        )
    assert_error(info, "NoSuchEntity", "The role with name ghost cannot be found.", 404)


def test_put_role_policy_malformed(iam: Any) -> None:
    cases = [
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]},
            "Policy statement must contain resources.",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}
                ],
            },
            "Policy document should not specify a principal.",
        ),
        (
            {
                "Version": "2012-10-18",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            },
            "The policy failed legacy parsing",
        ),
    ]
    for document, message in cases:
        with pytest.raises(ClientError) as info:
            iam.put_role_policy(
                RoleName="worker", PolicyName="bad", PolicyDocument=json.dumps(document)
            )
        assert_error(info, "MalformedPolicyDocument", message, 400)


def test_inline_policies_share_size_quota(iam: Any) -> None:
    # Each document has about 6,300 non-whitespace characters; two exceed the 10,240 quota.
    document = statement_document(90)
    iam.put_role_policy(RoleName="worker", PolicyName="first", PolicyDocument=document)
    iam.put_role_policy(RoleName="worker", PolicyName="first", PolicyDocument=document)

    with pytest.raises(ClientError) as info:
        iam.put_role_policy(RoleName="worker", PolicyName="second", PolicyDocument=document)
    assert_error(
        info, "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role worker", 409
    )


# Attached managed policies


def test_attach_and_list_aws_managed_policy(iam: Any) -> None:
    iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)
    iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)
    iam.attach_role_policy(
        RoleName="worker", PolicyArn="arn:aws:iam::aws:policy/job-function/Billing"
    )

    attached = iam.list_attached_role_policies(RoleName="worker")["AttachedPolicies"]
    job_functions = iam.list_attached_role_policies(RoleName="worker", PathPrefix="/job-function/")

    assert attached == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN},
        {"PolicyName": "Billing", "PolicyArn": "arn:aws:iam::aws:policy/job-function/Billing"},
    ]
    assert job_functions["AttachedPolicies"] == [
        {"PolicyName": "Billing", "PolicyArn": "arn:aws:iam::aws:policy/job-function/Billing"}
    ]


def test_attach_unknown_policy(iam: Any, account: Account) -> None:
    for arn in (
        "arn:aws:iam::aws:policy/NoSuchPolicy",
        f"arn:aws:iam::{account.account_id}:policy/absent",
    ):
        with pytest.raises(ClientError) as info:
            iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
        assert_error(
            info, "NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404
        )


def test_attach_invalid_arn(iam: Any) -> None:
    arn = "arn:aws:s3:::not-a-policy-at-all"
    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    assert_error(info, "InvalidInput", f"ARN {arn} is not valid.", 400)


def test_attach_other_accounts_policy(server: Server, iam: Any) -> None:
    other = server.client("iam", server.new_account())
    arn = other.create_policy(PolicyName="theirs", PolicyDocument=json.dumps(READ_BUCKETS))[
        "Policy"
    ]["Arn"]

    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    assert_error(info, "NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)


def test_attach_quota(iam: Any) -> None:
    arns = []
    for index in range(11):
        created = iam.create_policy(
            PolicyName=f"quota-{index}", PolicyDocument=json.dumps(READ_BUCKETS)
        )
        arns.append(created["Policy"]["Arn"])
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName="worker", PolicyArn=arn)

    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName="worker", PolicyArn=arns[10])
    assert_error(info, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409)


def test_detach_not_attached(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.detach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)
    assert_error(info, "NoSuchEntity", f"Policy {ADMIN_ARN} was not found.", 404)


# Customer managed policies


def test_create_and_get_policy(iam: Any, account: Account) -> None:
    created = iam.create_policy(
        PolicyName="bucket-reader",
        Path="/data/",
        PolicyDocument=json.dumps(READ_BUCKETS),
        Description="reads buckets",
        Tags=[{"Key": "team", "Value": "data"}],
    )["Policy"]

    policy = iam.get_policy(PolicyArn=created["Arn"])["Policy"]

    assert created["Arn"] == f"arn:aws:iam::{account.account_id}:policy/data/bucket-reader"
    assert created["PolicyId"].startswith("ANPA")
    assert created["DefaultVersionId"] == "v1"
    assert created["Tags"] == [{"Key": "team", "Value": "data"}]
    assert policy["PolicyName"] == "bucket-reader"
    assert policy["Path"] == "/data/"
    assert policy["Description"] == "reads buckets"
    assert policy["AttachmentCount"] == 0
    assert policy["PermissionsBoundaryUsageCount"] == 0
    assert policy["IsAttachable"] is True
    assert policy["Tags"] == [{"Key": "team", "Value": "data"}]


def test_create_policy_duplicate_name(iam: Any) -> None:
    iam.create_policy(PolicyName="Unique", PolicyDocument=json.dumps(READ_BUCKETS))
    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName="unique", PolicyDocument=json.dumps(READ_BUCKETS))
    assert_error(
        info,
        "EntityAlreadyExists",
        "A policy called unique already exists. Duplicate names are not allowed.",
        409,
    )


def test_create_policy_size_quota(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName="huge", PolicyDocument=statement_document(90))
    assert_error(info, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)


def test_get_policy_missing(iam: Any, account: Account) -> None:
    arn = f"arn:aws:iam::{account.account_id}:policy/absent"
    with pytest.raises(ClientError) as info:
        iam.get_policy(PolicyArn=arn)
    assert_error(info, "NoSuchEntity", f"Policy {arn} was not found.", 404)


def test_get_aws_managed_policy_and_version(iam: Any) -> None:
    policy = iam.get_policy(PolicyArn=READ_ONLY_ARN)["Policy"]
    version = iam.get_policy_version(PolicyArn=READ_ONLY_ARN, VersionId=policy["DefaultVersionId"])[
        "PolicyVersion"
    ]
    admin = iam.get_policy_version(PolicyArn=ADMIN_ARN, VersionId="v1")["PolicyVersion"]

    assert policy["PolicyName"] == "ReadOnlyAccess"
    assert policy["Path"] == "/"
    assert policy["PolicyId"].startswith("ANPA")
    assert version["IsDefaultVersion"] is True
    assert len(version["Document"]["Statement"]) >= 1
    assert admin["Document"] == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }


def test_aws_managed_policies_are_immutable(iam: Any, account: Account) -> None:
    caller = f"arn:aws:iam::{account.account_id}:root"
    calls = {
        "CreatePolicyVersion": lambda: iam.create_policy_version(
            PolicyArn=ADMIN_ARN, PolicyDocument=json.dumps(READ_BUCKETS)
        ),
        "DeletePolicy": lambda: iam.delete_policy(PolicyArn=ADMIN_ARN),
        "SetDefaultPolicyVersion": lambda: iam.set_default_policy_version(
            PolicyArn=ADMIN_ARN, VersionId="v1"
        ),
    }
    for operation, call in calls.items():
        with pytest.raises(ClientError) as info:
            call()
        assert_error(
            info,
            "AccessDenied",
            f"User: {caller} is not authorized to perform: iam:{operation} on resource: "
            f"{ADMIN_ARN} because no resource-based policy allows the iam:{operation} action",
            403,
        )


def test_list_policies_scopes(iam: Any) -> None:
    iam.create_policy(PolicyName="local-one", PolicyDocument=json.dumps(READ_BUCKETS))

    local = iam.list_policies(Scope="Local")["Policies"]
    aws = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    every = iam.list_policies(MaxItems=1000)["Policies"]

    assert [policy["PolicyName"] for policy in local] == ["local-one"]
    assert "Description" not in local[0]
    aws_arns = {policy["Arn"] for policy in aws}
    for name in (
        "AdministratorAccess",
        "PowerUserAccess",
        "ReadOnlyAccess",
        "SecurityAudit",
        "job-function/ViewOnlyAccess",
        "job-function/Billing",
        "job-function/DatabaseAdministrator",
        "job-function/DataScientist",
        "job-function/NetworkAdministrator",
        "job-function/SupportUser",
        "job-function/SystemAdministrator",
    ):
        assert f"arn:aws:iam::aws:policy/{name}" in aws_arns
    assert len(every) == len(aws) + 1


def test_list_policies_filters(iam: Any) -> None:
    mine = iam.create_policy(
        PolicyName="attached", Path="/mine/", PolicyDocument=json.dumps(READ_BUCKETS)
    )["Policy"]["Arn"]
    iam.create_policy(PolicyName="idle", Path="/mine/", PolicyDocument=json.dumps(READ_BUCKETS))
    iam.attach_role_policy(RoleName="worker", PolicyArn=mine)
    iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)
    iam.put_role_permissions_boundary(RoleName="worker", PermissionsBoundary=READ_ONLY_ARN)

    attached = iam.list_policies(OnlyAttached=True)["Policies"]
    boundaries = iam.list_policies(PolicyUsageFilter="PermissionsBoundary")["Policies"]
    by_path = iam.list_policies(PathPrefix="/mine/")["Policies"]
    job_functions = iam.list_policies(Scope="AWS", PathPrefix="/job-function/")["Policies"]

    assert [policy["Arn"] for policy in attached] == [ADMIN_ARN, mine]
    assert [policy["AttachmentCount"] for policy in attached] == [1, 1]
    assert [policy["Arn"] for policy in boundaries] == [READ_ONLY_ARN]
    assert boundaries[0]["PermissionsBoundaryUsageCount"] == 1
    assert [policy["PolicyName"] for policy in by_path] == ["attached", "idle"]
    assert all(policy["Path"] == "/job-function/" for policy in job_functions)
    assert len(job_functions) == 7


def test_list_policies_pages(iam: Any) -> None:
    pages = iam.get_paginator("list_policies").paginate(
        Scope="AWS", PaginationConfig={"PageSize": 5}
    )
    arns = [policy["Arn"] for page in pages for policy in page["Policies"]]
    single = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]

    assert arns == [policy["Arn"] for policy in single]
    assert len(set(arns)) == len(arns)


# Versions


def test_policy_version_lifecycle(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=json.dumps(READ_BUCKETS))[
        "Policy"
    ]["Arn"]

    created = iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS), SetAsDefault=True
    )["PolicyVersion"]
    assert created["VersionId"] == "v2"
    assert created["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert version["Document"] == WRITE_BUCKETS

    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(entry["VersionId"], entry["IsDefaultVersion"]) for entry in listed] == [
        ("v2", True),
        ("v1", False),
    ]

    with pytest.raises(ClientError) as info:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert_error(info, "DeleteConflict", "Cannot delete the default version of a policy.", 409)

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    third = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS))
    assert third["PolicyVersion"]["VersionId"] == "v3"
    assert third["PolicyVersion"]["IsDefaultVersion"] is False


def test_policy_version_quota(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="many", PolicyDocument=json.dumps(READ_BUCKETS))["Policy"][
        "Arn"
    ]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS))

    with pytest.raises(ClientError) as info:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS))
    assert_error(
        info,
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version.",
        409,
    )


def test_missing_policy_version(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="single", PolicyDocument=json.dumps(READ_BUCKETS))["Policy"][
        "Arn"
    ]
    with pytest.raises(ClientError) as info:
        iam.get_policy_version(PolicyArn=arn, VersionId="v7")
    assert_error(
        info, "NoSuchEntity", f"Policy {arn} version v7 does not exist or is not attachable.", 404
    )


def test_create_policy_version_malformed(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="strict", PolicyDocument=json.dumps(READ_BUCKETS))["Policy"][
        "Arn"
    ]
    with pytest.raises(ClientError) as info:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument="{")
    assert_error(info, "MalformedPolicyDocument", "This policy contains invalid Json", 400)


# Deletion and usage


def test_delete_policy_conflicts(iam: Any, account: Account) -> None:
    arn = iam.create_policy(PolicyName="in-use", PolicyDocument=json.dumps(READ_BUCKETS))["Policy"][
        "Arn"
    ]
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)

    with pytest.raises(ClientError) as info:
        iam.delete_policy(PolicyArn=arn)
    assert_error(info, "DeleteConflict", "Cannot delete a policy attached to entities.", 409)

    iam.detach_role_policy(RoleName="worker", PolicyArn=arn)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS))
    with pytest.raises(ClientError) as info:
        iam.delete_policy(PolicyArn=arn)
    assert_error(
        info,
        "DeleteConflict",
        "This policy has more than one version. Before you delete a policy, you must delete the "
        "policy's versions. The default version is deleted with the policy.",
        409,
    )

    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as info:
        iam.get_policy(PolicyArn=arn)
    assert_error(info, "NoSuchEntity", f"Policy {arn} was not found.", 404)


def test_list_entities_for_policy(iam: Any) -> None:
    iam.create_role(RoleName="bounded", Path="/edge/", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="worker", PolicyArn=READ_ONLY_ARN)
    iam.put_role_permissions_boundary(RoleName="bounded", PermissionsBoundary=READ_ONLY_ARN)
    worker_id = iam.get_role(RoleName="worker")["Role"]["RoleId"]
    bounded_id = iam.get_role(RoleName="bounded")["Role"]["RoleId"]

    every = iam.list_entities_for_policy(PolicyArn=READ_ONLY_ARN)
    attached = iam.list_entities_for_policy(
        PolicyArn=READ_ONLY_ARN, PolicyUsageFilter="PermissionsPolicy"
    )
    edge = iam.list_entities_for_policy(PolicyArn=READ_ONLY_ARN, PathPrefix="/edge/")
    users = iam.list_entities_for_policy(PolicyArn=READ_ONLY_ARN, EntityFilter="User")

    assert every["PolicyRoles"] == [
        {"RoleName": "bounded", "RoleId": bounded_id},
        {"RoleName": "worker", "RoleId": worker_id},
    ]
    assert every["PolicyUsers"] == []
    assert every["PolicyGroups"] == []
    assert attached["PolicyRoles"] == [{"RoleName": "worker", "RoleId": worker_id}]
    assert edge["PolicyRoles"] == [{"RoleName": "bounded", "RoleId": bounded_id}]
    assert users["PolicyRoles"] == []


def test_account_authorization_details(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="details", PolicyDocument=json.dumps(READ_BUCKETS))[
        "Policy"
    ]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS))
    iam.put_role_policy(
        RoleName="worker", PolicyName="inline", PolicyDocument=json.dumps(WRITE_BUCKETS)
    )
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)

    details = iam.get_account_authorization_details()

    [role] = details["RoleDetailList"]
    assert role["RoleName"] == "worker"
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert role["RoleLastUsed"] == {}
    assert role["InstanceProfileList"] == []
    assert role["RolePolicyList"] == [{"PolicyName": "inline", "PolicyDocument": WRITE_BUCKETS}]
    # Attached policies are listed in ARN order: account ids sort before `aws`.
    assert role["AttachedManagedPolicies"] == [
        {"PolicyName": "details", "PolicyArn": arn},
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN},
    ]
    policies = {policy["Arn"]: policy for policy in details["Policies"]}
    assert set(policies) == {arn, ADMIN_ARN}
    versions = policies[arn]["PolicyVersionList"]
    assert [(version["VersionId"], version["Document"]) for version in versions] == [
        ("v2", WRITE_BUCKETS),
        ("v1", READ_BUCKETS),
    ]
    assert details["UserDetailList"] == []
    assert details["GroupDetailList"] == []


def test_account_authorization_details_filter_and_pages(iam: Any) -> None:
    iam.create_role(RoleName="second", AssumeRolePolicyDocument=TRUST)
    iam.create_policy(PolicyName="local", PolicyDocument=json.dumps(READ_BUCKETS))

    roles_only = iam.get_account_authorization_details(Filter=["Role"])
    first = iam.get_account_authorization_details(MaxItems=2)
    rest = iam.get_account_authorization_details(MaxItems=2, Marker=first["Marker"])

    assert [role["RoleName"] for role in roles_only["RoleDetailList"]] == ["second", "worker"]
    assert roles_only["Policies"] == []
    assert [role["RoleName"] for role in first["RoleDetailList"]] == ["second", "worker"]
    assert first["IsTruncated"] is True
    assert rest["RoleDetailList"] == []
    assert [policy["PolicyName"] for policy in rest["Policies"]] == ["local"]
    assert rest["IsTruncated"] is False


def test_identity_policies_for_role(server: Server, iam: Any, account: Account) -> None:
    arn = iam.create_policy(PolicyName="resolved", PolicyDocument=json.dumps(READ_BUCKETS))[
        "Policy"
    ]["Arn"]
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(WRITE_BUCKETS), SetAsDefault=True
    )
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)
    iam.put_role_policy(
        RoleName="worker", PolicyName="inline", PolicyDocument=json.dumps(READ_BUCKETS)
    )
    iam.put_role_permissions_boundary(RoleName="worker", PermissionsBoundary=READ_ONLY_ARN)

    with server.database().transaction(write=False) as connection:
        policies, boundary = identity_policies_for_role(connection, account.account_id, "WORKER")
        missing = identity_policies_for_role(connection, account.account_id, "nobody")

    documents = {reference: json.loads(document) for reference, document in policies}
    assert set(documents) == {"inline", arn, ADMIN_ARN}
    assert documents["inline"] == READ_BUCKETS
    assert documents[arn] == WRITE_BUCKETS
    assert documents[ADMIN_ARN]["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ]
    assert boundary is not None
    assert json.loads(boundary)["Version"] == "2012-10-17"
    assert missing == ([], None)


def test_policy_tags(iam: Any) -> None:
    arn = iam.create_policy(
        PolicyName="tagged-policy",
        PolicyDocument=json.dumps(READ_BUCKETS),
        Tags=[{"Key": "team", "Value": "data"}],
    )["Policy"]["Arn"]

    iam.tag_policy(
        PolicyArn=arn, Tags=[{"Key": "Team", "Value": "ml"}, {"Key": "env", "Value": "dev"}]
    )
    tagged = iam.list_policy_tags(PolicyArn=arn)["Tags"]
    iam.untag_policy(PolicyArn=arn, TagKeys=["ENV"])
    untagged = iam.list_policy_tags(PolicyArn=arn)["Tags"]

    assert tagged == [{"Key": "env", "Value": "dev"}, {"Key": "Team", "Value": "ml"}]
    assert untagged == [{"Key": "Team", "Value": "ml"}]
    assert iam.list_policy_tags(PolicyArn=ADMIN_ARN)["Tags"] == []
