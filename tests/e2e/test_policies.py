"""CreatePolicy, UpdatePolicy, DeletePolicy, DescribePolicy and ListPolicies through boto3."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest

from tests.e2e.policy_helpers import (
    ACCESS_DENIED_MESSAGE,
    AI_OPT_OUT,
    BACKUP,
    DENY_S3,
    FULL_AWS_ACCESS,
    MALFORMED_MESSAGE,
    RCP,
    RCP_DENY_S3,
    SCP,
    TAG,
    Organization,
    create_policy,
    error_of,
    join_by_invitation,
    new_organization,
    store_policies,
    tag_policy,
)
from tests.harness import Account, Server


@pytest.fixture
def organization(server: Server, management: Account) -> Organization:
    return new_organization(server, management)


AI_OPT_OUT_ALL = json.dumps({"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}})


def _padded(document: str, size: int) -> str:
    """Return `document` padded with trailing spaces to exactly `size` characters."""
    return document + " " * (size - len(document))


# CreatePolicy


def test_create_scp_returns_policy(organization: Organization) -> None:
    policy = organization.client.create_policy(
        Content=DENY_S3, Description="no S3", Name="deny-s3", Type=SCP
    )["Policy"]

    summary = policy["PolicySummary"]
    assert re.fullmatch(r"p-[0-9a-zA-Z_]{8,128}", summary["Id"])
    assert summary["Arn"] == (
        f"arn:aws:organizations::{organization.management.account_id}:policy/"
        f"{organization.id}/service_control_policy/{summary['Id']}"
    )
    assert summary["Name"] == "deny-s3"
    assert summary["Description"] == "no S3"
    assert summary["Type"] == SCP
    assert summary["AwsManaged"] is False
    assert policy["Content"] == DENY_S3


def test_content_stored_as_sent(organization: Organization) -> None:
    content = (
        '{\n  "Version": "2012-10-17",\n'
        '  "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]\n}'
    )
    created = create_policy(organization, content)

    described = organization.client.describe_policy(PolicyId=created["Id"])["Policy"]

    assert described["Content"] == content


@pytest.mark.parametrize(
    ("policy_type", "content"),
    [
        (RCP, RCP_DENY_S3),
        (TAG, tag_policy("CostCenter", ["100", "200"])),
        (AI_OPT_OUT, AI_OPT_OUT_ALL),
    ],
)
def test_create_other_policy_types(
    organization: Organization, policy_type: str, content: str
) -> None:
    summary = create_policy(organization, content, policy_type)

    assert summary["Type"] == policy_type
    assert summary["Arn"].endswith(f"/{policy_type.lower()}/{summary['Id']}")


def test_scp_with_principal_is_malformed(organization: Organization) -> None:
    content = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        }
    )

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, content, SCP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "MalformedPolicyDocumentException"
    assert error["Message"] == MALFORMED_MESSAGE


@pytest.mark.parametrize(
    ("policy_type", "content"),
    [
        (SCP, "not json"),
        (
            SCP,
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}],
                }
            ),
        ),
        (
            RCP,
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                    ],
                }
            ),
        ),
        (TAG, json.dumps({"tags": {"costcenter": {"tag_kee": {"@@assign": "CostCenter"}}}})),
        (TAG, "[1, 2]"),
        (BACKUP, json.dumps({"plans": {"daily": {"unknown_element": {"@@assign": "x"}}}})),
    ],
)
def test_content_outside_grammar_is_malformed(
    organization: Organization, policy_type: str, content: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, content, policy_type)

    error = error_of(raised)["Error"]
    assert error["Code"] == "MalformedPolicyDocumentException"
    assert error["Message"] == MALFORMED_MESSAGE


@pytest.mark.parametrize(
    ("policy_type", "document", "limit"),
    [
        (SCP, DENY_S3, 5_120),
        (RCP, RCP_DENY_S3, 5_120),
        (TAG, tag_policy("CostCenter"), 10_000),
        (AI_OPT_OUT, AI_OPT_OUT_ALL, 2_500),
    ],
)
def test_content_size_limit_counts_whitespace(
    organization: Organization, policy_type: str, document: str, limit: int
) -> None:
    create_policy(organization, _padded(document, limit), policy_type)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, _padded(document, limit + 1), policy_type)

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You attempted to create a policy that is larger than the maximum size."
    )
    assert response["Reason"] == "POLICY_CONTENT_LIMIT_EXCEEDED"


def test_name_longer_than_128_is_invalid(organization: Organization) -> None:
    create_policy(organization, name="n" * 128)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, name="n" * 129)

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "You provided a string parameter that is longer than allowed."
    )
    assert response["Reason"] == "MAX_LENGTH_EXCEEDED"


def test_description_longer_than_512_is_invalid(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.create_policy(
            Content=DENY_S3, Description="d" * 513, Name="long-description", Type=SCP
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "MAX_LENGTH_EXCEEDED"


def test_duplicate_name_of_same_type(organization: Organization) -> None:
    create_policy(organization, name="shared-name")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, name="shared-name")

    error = error_of(raised)["Error"]
    assert error["Code"] == "DuplicatePolicyException"
    assert error["Message"] == "A policy with the specified name and type already exists."


def test_concurrent_creates_of_one_name(server: Server, organization: Organization) -> None:
    clients = [server.client("organizations", organization.management) for _ in range(6)]

    def create(index: int) -> str:
        try:
            clients[index].create_policy(Content=DENY_S3, Description="", Name="raced", Type=SCP)
        except botocore.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        return "created"

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        outcomes = list(pool.map(create, range(len(clients))))

    assert outcomes.count("created") == 1
    assert outcomes.count("DuplicatePolicyException") == 5


def test_same_name_other_type_allowed(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    create_policy(organization, name="shared-name")

    summary = create_policy(organization, tag_policy("Owner"), TAG, name="shared-name")

    assert summary["Name"] == "shared-name"


def test_same_name_other_organization_allowed(server: Server, organization: Organization) -> None:
    other = new_organization(server, server.new_account())
    create_policy(organization, name="everywhere")

    summary = create_policy(other, name="everywhere")

    assert summary["Name"] == "everywhere"


def test_aws_managed_name_is_taken(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, name="FullAWSAccess")

    assert error_of(raised)["Error"]["Code"] == "DuplicatePolicyException"


def test_policy_tags_are_stored(organization: Organization) -> None:
    created = organization.client.create_policy(
        Content=DENY_S3,
        Description="",
        Name="tagged",
        Type=SCP,
        Tags=[{"Key": "team", "Value": "security"}],
    )["Policy"]["PolicySummary"]

    listed = organization.client.list_tags_for_resource(ResourceId=created["Id"])["Tags"]

    assert listed == [{"Key": "team", "Value": "security"}]


def test_duplicate_tag_keys_are_invalid(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.create_policy(
            Content=DENY_S3,
            Description="",
            Name="twice-tagged",
            Type=SCP,
            Tags=[{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}],
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "DUPLICATE_TAG_KEY"
    names = [p["Name"] for p in organization.client.list_policies(Filter=SCP)["Policies"]]
    assert "twice-tagged" not in names


def test_scp_quota_per_organization(server: Server, organization: Organization) -> None:
    store_policies(server, organization, SCP, 9_999)
    create_policy(organization, name="ten-thousandth")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, name="one-too-many")

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You attempted to exceed the number of policies that you can have in an organization."
    )
    assert response["Reason"] == "POLICY_NUMBER_LIMIT_EXCEEDED"


def test_tag_policy_quota_per_organization(server: Server, organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    store_policies(server, organization, TAG, 1_000)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, tag_policy("Owner"), TAG)

    assert error_of(raised)["Reason"] == "POLICY_NUMBER_LIMIT_EXCEEDED"


def test_create_before_type_enabled(organization: Organization) -> None:
    summary = create_policy(organization, tag_policy("Owner"), TAG)

    assert summary["Type"] == TAG


@pytest.mark.parametrize("policy_type", [SCP, RCP])
def test_authorization_policy_needs_all_features(
    server: Server, management: Account, policy_type: str
) -> None:
    organization = new_organization(server, management, "CONSOLIDATED_BILLING")
    content = DENY_S3 if policy_type == SCP else RCP_DENY_S3

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, content, policy_type)

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You attempted to perform an operation that requires the organization to be configured "
        "to support all features. An organization that supports only consolidated billing "
        "features can't perform this operation."
    )
    assert response["Reason"] == "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"


def test_management_policy_needs_all_features(server: Server, management: Account) -> None:
    organization = new_organization(server, management, "CONSOLIDATED_BILLING")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        create_policy(organization, tag_policy("Owner"), TAG)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyTypeNotAvailableForOrganizationException"
    assert error["Message"] == (
        "You can't use the specified policy type with the feature set currently enabled for "
        "this organization."
    )


def test_member_account_cannot_create(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)
    client = server.client("organizations", member)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_policy(Content=DENY_S3, Description="", Name="from-member", Type=SCP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED_MESSAGE


def test_create_outside_organization(server: Server, management: Account) -> None:
    client = server.client("organizations", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_policy(Content=DENY_S3, Description="", Name="alone", Type=SCP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "AWSOrganizationsNotInUseException"
    assert error["Message"] == "Your account isn't a member of an organization."


# DescribePolicy


def test_describe_full_aws_access(organization: Organization) -> None:
    policy = organization.client.describe_policy(PolicyId=FULL_AWS_ACCESS)["Policy"]

    assert policy["PolicySummary"] == {
        "Id": FULL_AWS_ACCESS,
        "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
        "Name": "FullAWSAccess",
        "Description": "Allows access to every operation",
        "Type": SCP,
        "AwsManaged": True,
    }
    assert json.loads(policy["Content"]) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }


def test_describe_unknown_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_policy(PolicyId="p-00000000")

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyNotFoundException"
    assert error["Message"] == "We can't find a policy with the PolicyId that you specified."


def test_other_organizations_policy_is_not_found(
    server: Server, organization: Organization
) -> None:
    other = new_organization(server, server.new_account())
    foreign = create_policy(other)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_policy(PolicyId=foreign["Id"])

    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_malformed_policy_id_is_invalid(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_policy(PolicyId="policy-1")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == "You specified an invalid policy ID."
    assert response["Reason"] == "INVALID_SYNTAX_POLICY_ID"


def test_member_account_cannot_describe(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).describe_policy(PolicyId=FULL_AWS_ACCESS)

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


# ListPolicies


def test_list_filters_by_type(organization: Organization) -> None:
    scp = create_policy(organization)
    tag = create_policy(organization, tag_policy("Owner"), TAG)

    scps = organization.client.list_policies(Filter=SCP)["Policies"]
    tags = organization.client.list_policies(Filter=TAG)["Policies"]

    assert sorted(p["Id"] for p in scps) == sorted([FULL_AWS_ACCESS, scp["Id"]])
    assert [p["Id"] for p in tags] == [tag["Id"]]
    assert scp in scps


def test_list_shows_no_other_organizations_policies(
    server: Server, organization: Organization
) -> None:
    other = new_organization(server, server.new_account())
    create_policy(other)

    listed = organization.client.list_policies(Filter=SCP)["Policies"]

    assert [p["Id"] for p in listed] == [FULL_AWS_ACCESS]


def test_list_pages(organization: Organization) -> None:
    created = {create_policy(organization)["Id"] for _ in range(5)}

    first = organization.client.list_policies(Filter=SCP, MaxResults=4)
    second = organization.client.list_policies(
        Filter=SCP, MaxResults=4, NextToken=first["NextToken"]
    )

    assert len(first["Policies"]) == 4
    assert len(second["Policies"]) == 2
    assert "NextToken" not in second
    seen = [p["Id"] for p in first["Policies"] + second["Policies"]]
    assert sorted(seen) == sorted(created | {FULL_AWS_ACCESS})


def test_list_with_token_of_other_filter(organization: Organization) -> None:
    for _ in range(3):
        create_policy(organization)
    token = organization.client.list_policies(Filter=SCP, MaxResults=1)["NextToken"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_policies(Filter=TAG, NextToken=token)

    assert error_of(raised)["Reason"] == "INVALID_NEXT_TOKEN"


def test_list_invalid_filter(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_policies(Filter="SOME_POLICY")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == "You specified an invalid policy type string."
    assert response["Reason"] == "INVALID_ENUM_POLICY_TYPE"


def test_member_account_cannot_list(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_policies(Filter=SCP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED_MESSAGE


# UpdatePolicy


def test_update_name_description_and_content(organization: Organization) -> None:
    created = create_policy(organization, name="before")
    content = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}],
        }
    )

    updated = organization.client.update_policy(
        PolicyId=created["Id"], Name="after", Description="changed", Content=content
    )["Policy"]

    assert updated["PolicySummary"]["Name"] == "after"
    assert updated["PolicySummary"]["Description"] == "changed"
    assert updated["PolicySummary"]["Arn"] == created["Arn"]
    assert updated["Content"] == content
    assert organization.client.describe_policy(PolicyId=created["Id"])["Policy"] == updated


def test_update_only_description(organization: Organization) -> None:
    created = create_policy(organization, name="keep")

    updated = organization.client.update_policy(PolicyId=created["Id"], Description="new")["Policy"]

    assert updated["PolicySummary"]["Name"] == "keep"
    assert updated["Content"] == DENY_S3


def test_update_to_malformed_content(organization: Organization) -> None:
    created = create_policy(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.update_policy(PolicyId=created["Id"], Content="{")

    assert error_of(raised)["Error"]["Code"] == "MalformedPolicyDocumentException"
    described = organization.client.describe_policy(PolicyId=created["Id"])["Policy"]
    assert described["Content"] == DENY_S3


def test_update_to_oversized_content(organization: Organization) -> None:
    created = create_policy(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.update_policy(PolicyId=created["Id"], Content=_padded(DENY_S3, 5_121))

    assert error_of(raised)["Reason"] == "POLICY_CONTENT_LIMIT_EXCEEDED"


def test_update_to_taken_name(organization: Organization) -> None:
    create_policy(organization, name="first")
    second = create_policy(organization, name="second")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.update_policy(PolicyId=second["Id"], Name="first")

    assert error_of(raised)["Error"]["Code"] == "DuplicatePolicyException"


def test_update_keeping_own_name(organization: Organization) -> None:
    created = create_policy(organization, name="same")

    updated = organization.client.update_policy(PolicyId=created["Id"], Name="same")["Policy"]

    assert updated["PolicySummary"]["Name"] == "same"


@pytest.mark.parametrize("policy_id", [FULL_AWS_ACCESS, "p-RCPFullAWSAccess"])
def test_update_aws_managed_policy_is_immutable(organization: Organization, policy_id: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.update_policy(PolicyId=policy_id, Name="mine-now")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "You specified a policy that is managed by Amazon Web Services and can't be modified."
    )
    assert response["Reason"] == "IMMUTABLE_POLICY"


def test_update_unknown_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.update_policy(PolicyId="p-00000000", Name="x")

    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_member_account_cannot_update(server: Server, organization: Organization) -> None:
    created = create_policy(organization)
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).update_policy(PolicyId=created["Id"], Name="x")

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


# DeletePolicy


def test_delete_policy(organization: Organization) -> None:
    created = create_policy(organization)

    organization.client.delete_policy(PolicyId=created["Id"])

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_policy(PolicyId=created["Id"])
    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_delete_frees_the_name(organization: Organization) -> None:
    created = create_policy(organization, name="reused")
    organization.client.delete_policy(PolicyId=created["Id"])

    again = create_policy(organization, name="reused")

    assert again["Id"] != created["Id"]


def test_delete_attached_policy_is_in_use(organization: Organization) -> None:
    created = create_policy(organization)
    organization.client.attach_policy(PolicyId=created["Id"], TargetId=organization.root_id)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.delete_policy(PolicyId=created["Id"])

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyInUseException"
    assert error["Message"] == (
        "The policy is attached to one or more entities. You must detach it from all roots, "
        "OUs, and accounts before performing this operation."
    )


def test_delete_after_detach(organization: Organization) -> None:
    created = create_policy(organization)
    organization.client.attach_policy(PolicyId=created["Id"], TargetId=organization.root_id)
    organization.client.detach_policy(PolicyId=created["Id"], TargetId=organization.root_id)

    organization.client.delete_policy(PolicyId=created["Id"])

    listed = organization.client.list_policies(Filter=SCP)["Policies"]
    assert [p["Id"] for p in listed] == [FULL_AWS_ACCESS]


@pytest.mark.parametrize("policy_id", [FULL_AWS_ACCESS, "p-RCPFullAWSAccess"])
def test_delete_aws_managed_policy_is_immutable(organization: Organization, policy_id: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.delete_policy(PolicyId=policy_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "IMMUTABLE_POLICY"


def test_delete_unknown_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.delete_policy(PolicyId="p-00000000")

    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_member_account_cannot_delete(server: Server, organization: Organization) -> None:
    created = create_policy(organization)
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).delete_policy(PolicyId=created["Id"])

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


def test_delete_organization_removes_policies(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    created = create_policy(organization)
    organization.client.delete_organization()

    again = new_organization(server, management)

    listed = again.client.list_policies(Filter=SCP)["Policies"]
    assert [p["Id"] for p in listed] == [FULL_AWS_ACCESS]
    assert created["Id"] != FULL_AWS_ACCESS
