"""sso-admin permission sets and their policies, through boto3 against the real server."""

from __future__ import annotations

import json
import re

import pytest

from orgstack.services.iam import aws_managed
from tests.e2e.identity_center_helpers import account_instance
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import (
    POLICY_ADMIN,
    POLICY_READ_ONLY,
    IdentityCenter,
    new_identity_center,
    new_permission_set,
    unique_name,
)
from tests.e2e.sts_helpers import (
    assume,
    assumed_role_arn,
    put_role,
    role_arn,
    session_client,
    trust,
    unvalidated_client,
)
from tests.harness import Server, create_member_account, give_root_key

PERMISSION_SET_ARN = re.compile(r"arn:aws:sso:::permissionSet/ssoins-[a-f0-9]{16}/ps-[a-f0-9]{16}")
DENIED = "You do not have sufficient access to perform this action."
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def center(server: Server) -> IdentityCenter:
    return new_identity_center(server)


def _not_found(arn: str) -> str:
    return f"Could not find PermissionSet with id {arn.rsplit('/', 1)[-1]}"


def test_create_describe_and_list(center: IdentityCenter) -> None:
    name = unique_name()

    created = center.sso_admin.create_permission_set(
        InstanceArn=center.instance_arn,
        Name=name,
        Description="Operators",
        RelayState="https://console.aws.amazon.com/ec2/",
    )["PermissionSet"]

    assert PERMISSION_SET_ARN.fullmatch(created["PermissionSetArn"])
    assert created["PermissionSetArn"].split("/")[1] == center.instance_arn.split("/")[1]
    assert created["Name"] == name
    assert created["SessionDuration"] == "PT1H"
    described = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=created["PermissionSetArn"]
    )["PermissionSet"]
    assert described == created
    assert described["Description"] == "Operators"
    assert described["RelayState"] == "https://console.aws.amazon.com/ec2/"
    listed = center.sso_admin.list_permission_sets(InstanceArn=center.instance_arn)
    assert created["PermissionSetArn"] in listed["PermissionSets"]


def test_create_duplicate_name_conflicts(center: IdentityCenter) -> None:
    name = unique_name()
    new_permission_set(center, name)

    status, error, _ = failure(
        center.sso_admin.create_permission_set, InstanceArn=center.instance_arn, Name=name
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == f"PermissionSet with name {name} already exists."


@pytest.mark.parametrize("duration", ["PT59M", "PT12H1M", "P1D", "P1M"])
def test_session_duration_outside_range(center: IdentityCenter, duration: str) -> None:
    status, error, _ = failure(
        center.sso_admin.create_permission_set,
        InstanceArn=center.instance_arn,
        Name=unique_name(),
        SessionDuration=duration,
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The session duration must be between 1 hour and 12 hours."


@pytest.mark.parametrize("duration", ["PT1H", "PT12H", "PT90M", "PT3600S", "PT4H30M"])
def test_session_duration_inside_range(center: IdentityCenter, duration: str) -> None:
    arn = new_permission_set(center, SessionDuration=duration)

    described = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["PermissionSet"]

    assert described["SessionDuration"] == duration


def test_name_pattern_is_validated(server: Server, center: IdentityCenter) -> None:
    client = unvalidated_client(server, "sso-admin", center.management)

    status, error, _ = failure(
        client.create_permission_set, InstanceArn=center.instance_arn, Name="has space"
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_update_changes_fields(center: IdentityCenter) -> None:
    arn = new_permission_set(center, Description="before")

    center.sso_admin.update_permission_set(
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        Description="after",
        SessionDuration="PT8H",
        RelayState="https://console.aws.amazon.com/s3/",
    )

    described = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["PermissionSet"]
    assert described["Description"] == "after"
    assert described["SessionDuration"] == "PT8H"
    assert described["RelayState"] == "https://console.aws.amazon.com/s3/"


def test_update_rejects_long_session(center: IdentityCenter) -> None:
    arn = new_permission_set(center)

    status, error, _ = failure(
        center.sso_admin.update_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        SessionDuration="PT13H",
    )

    assert status == 400
    assert error["Code"] == "ValidationException"


def test_delete_then_describe_not_found(center: IdentityCenter) -> None:
    arn = new_permission_set(center)

    center.sso_admin.delete_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)

    status, error, _ = failure(
        center.sso_admin.describe_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
    )
    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == _not_found(arn)
    listed = center.sso_admin.list_permission_sets(InstanceArn=center.instance_arn)
    assert arn not in listed["PermissionSets"]


def test_list_pages(center: IdentityCenter) -> None:
    for _ in range(3):
        new_permission_set(center)

    first = center.sso_admin.list_permission_sets(InstanceArn=center.instance_arn, MaxResults=2)
    second = center.sso_admin.list_permission_sets(
        InstanceArn=center.instance_arn, MaxResults=2, NextToken=first["NextToken"]
    )

    assert len(first["PermissionSets"]) == 2
    assert not set(first["PermissionSets"]) & set(second["PermissionSets"])
    everything = center.sso_admin.list_permission_sets(InstanceArn=center.instance_arn)
    assert (
        everything["PermissionSets"][:4] == first["PermissionSets"] + second["PermissionSets"][:2]
    )


def test_other_account_is_denied(server: Server, center: IdentityCenter) -> None:
    outsider = server.client("sso-admin", server.new_account())

    status, error, _ = failure(
        outsider.create_permission_set, InstanceArn=center.instance_arn, Name=unique_name()
    )

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == DENIED


def test_delegated_administrator_manages_sets(server: Server) -> None:
    center = new_identity_center(server)
    member = give_root_key(server, create_member_account(server, center.organizations))
    center.organizations.register_delegated_administrator(
        AccountId=member.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    delegated = server.client("sso-admin", member)

    created = delegated.create_permission_set(InstanceArn=center.instance_arn, Name="Delegated")

    arn = created["PermissionSet"]["PermissionSetArn"]
    listed = center.sso_admin.list_permission_sets(InstanceArn=center.instance_arn)
    assert listed["PermissionSets"] == [arn]


def test_account_instance_without_permission_sets(server: Server) -> None:
    owner, instance_arn, _ = account_instance(server)

    status, error, _ = failure(
        server.client("sso-admin", owner).create_permission_set,
        InstanceArn=instance_arn,
        Name="Anything",
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Permission sets are not enabled for this instance."


# Inline policy


def test_inline_policy_put_get_delete(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    document = json.dumps(S3_READ)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}

    center.sso_admin.put_inline_policy_to_permission_set(**request, InlinePolicy=document)
    stored = center.sso_admin.get_inline_policy_for_permission_set(**request)["InlinePolicy"]
    center.sso_admin.delete_inline_policy_from_permission_set(**request)
    after = center.sso_admin.get_inline_policy_for_permission_set(**request)

    assert stored == document
    assert "InlinePolicy" not in after


@pytest.mark.parametrize(
    "document",
    [
        "{not json",
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}',
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
        '"Resource":"*","Principal":"*"}]}',
    ],
)
def test_inline_policy_malformed(center: IdentityCenter, document: str) -> None:
    arn = new_permission_set(center)

    status, error, _ = failure(
        center.sso_admin.put_inline_policy_to_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        InlinePolicy=document,
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Invalid PermissionsPolicy Document"


def test_inline_policy_size_quota(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    actions = [f"s3:GetObject{index:05d}" for index in range(700)]
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
    )

    status, error, _ = failure(
        center.sso_admin.put_inline_policy_to_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        InlinePolicy=document,
    )

    assert len(document) < 32768
    assert status == 400
    assert error["Code"] == "ServiceQuotaExceededException"


# AWS managed policies


def test_managed_policies_attach_list_detach(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}

    center.sso_admin.attach_managed_policy_to_permission_set(
        **request, ManagedPolicyArn=POLICY_READ_ONLY
    )
    center.sso_admin.attach_managed_policy_to_permission_set(
        **request, ManagedPolicyArn=POLICY_ADMIN
    )
    listed = center.sso_admin.list_managed_policies_in_permission_set(**request)
    center.sso_admin.detach_managed_policy_from_permission_set(
        **request, ManagedPolicyArn=POLICY_ADMIN
    )
    after = center.sso_admin.list_managed_policies_in_permission_set(**request)

    assert listed["AttachedManagedPolicies"] == [
        {"Name": "AdministratorAccess", "Arn": POLICY_ADMIN},
        {"Name": "ReadOnlyAccess", "Arn": POLICY_READ_ONLY},
    ]
    assert after["AttachedManagedPolicies"] == [{"Name": "ReadOnlyAccess", "Arn": POLICY_READ_ONLY}]


def test_managed_policy_attached_twice_conflicts(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}
    center.sso_admin.attach_managed_policy_to_permission_set(
        **request, ManagedPolicyArn=POLICY_ADMIN
    )

    status, error, _ = failure(
        center.sso_admin.attach_managed_policy_to_permission_set,
        **request,
        ManagedPolicyArn=POLICY_ADMIN,
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == f"Policy {POLICY_ADMIN} is already attached to the permission set."


def test_unknown_managed_policy_rejected(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    unknown = "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"

    status, error, _ = failure(
        center.sso_admin.attach_managed_policy_to_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        ManagedPolicyArn=unknown,
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == f"Policy {unknown} does not exist or is not attachable."


def test_detach_unattached_policy_not_found(center: IdentityCenter) -> None:
    arn = new_permission_set(center)

    status, error, _ = failure(
        center.sso_admin.detach_managed_policy_from_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        ManagedPolicyArn=POLICY_ADMIN,
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Policy {POLICY_ADMIN} is not attached to the permission set."


def test_managed_policy_quota_counts_both_kinds(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}
    shipped = list(aws_managed.all_policies())[:20]
    for policy_arn in shipped[:19]:
        center.sso_admin.attach_managed_policy_to_permission_set(
            **request, ManagedPolicyArn=policy_arn
        )
    center.sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        **request, CustomerManagedPolicyReference={"Name": "Twentieth"}
    )

    status, error, _ = failure(
        center.sso_admin.attach_managed_policy_to_permission_set,
        **request,
        ManagedPolicyArn=shipped[19],
    )

    assert status == 400
    assert error["Code"] == "ServiceQuotaExceededException"
    assert error["Message"] == (
        "The number of managed policies attached to the permission set exceeds the quota of 20."
    )


# Customer managed policy references


def test_customer_policies_attach_list_detach(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}

    center.sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        **request, CustomerManagedPolicyReference={"Name": "Reader"}
    )
    center.sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        **request, CustomerManagedPolicyReference={"Name": "Writer", "Path": "/team/"}
    )
    listed = center.sso_admin.list_customer_managed_policy_references_in_permission_set(**request)
    center.sso_admin.detach_customer_managed_policy_reference_from_permission_set(
        **request, CustomerManagedPolicyReference={"Name": "Reader", "Path": "/"}
    )
    after = center.sso_admin.list_customer_managed_policy_references_in_permission_set(**request)

    assert listed["CustomerManagedPolicyReferences"] == [
        {"Name": "Reader", "Path": "/"},
        {"Name": "Writer", "Path": "/team/"},
    ]
    assert after["CustomerManagedPolicyReferences"] == [{"Name": "Writer", "Path": "/team/"}]


def test_customer_policy_twice_conflicts(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}
    reference = {"Name": "Reader", "Path": "/"}
    center.sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        **request, CustomerManagedPolicyReference=reference
    )

    status, error, _ = failure(
        center.sso_admin.attach_customer_managed_policy_reference_to_permission_set,
        **request,
        CustomerManagedPolicyReference=reference,
    )
    detach_status, detach_error, _ = failure(
        center.sso_admin.detach_customer_managed_policy_reference_from_permission_set,
        **request,
        CustomerManagedPolicyReference={"Name": "Other"},
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == (
        "Customer managed policy /Reader is already attached to the permission set."
    )
    assert detach_status == 400
    assert detach_error["Code"] == "ResourceNotFoundException"
    assert detach_error["Message"] == (
        "Customer managed policy /Other is not attached to the permission set."
    )


# Permissions boundary


def test_boundary_put_get_delete(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    request = {"InstanceArn": center.instance_arn, "PermissionSetArn": arn}

    center.sso_admin.put_permissions_boundary_to_permission_set(
        **request, PermissionsBoundary={"CustomerManagedPolicyReference": {"Name": "Limit"}}
    )
    customer = center.sso_admin.get_permissions_boundary_for_permission_set(**request)
    center.sso_admin.put_permissions_boundary_to_permission_set(
        **request, PermissionsBoundary={"ManagedPolicyArn": POLICY_READ_ONLY}
    )
    managed = center.sso_admin.get_permissions_boundary_for_permission_set(**request)
    center.sso_admin.delete_permissions_boundary_from_permission_set(**request)
    status, error, _ = failure(
        center.sso_admin.get_permissions_boundary_for_permission_set, **request
    )

    assert customer["PermissionsBoundary"] == {
        "CustomerManagedPolicyReference": {"Name": "Limit", "Path": "/"}
    }
    assert managed["PermissionsBoundary"] == {"ManagedPolicyArn": POLICY_READ_ONLY}
    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "The permission set has no permissions boundary."


def test_boundary_needs_exactly_one_kind(center: IdentityCenter) -> None:
    arn = new_permission_set(center)

    status, error, _ = failure(
        center.sso_admin.put_permissions_boundary_to_permission_set,
        InstanceArn=center.instance_arn,
        PermissionSetArn=arn,
        PermissionsBoundary={
            "ManagedPolicyArn": POLICY_READ_ONLY,
            "CustomerManagedPolicyReference": {"Name": "Limit"},
        },
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "Specify either CustomerManagedPolicyReference or ManagedPolicyArn in PermissionsBoundary,"
        " but not both."
    )


# Tags


def test_tags_on_create_tag_untag(center: IdentityCenter) -> None:
    arn = new_permission_set(center, Tags=[{"Key": "team", "Value": "ops"}])
    request = {"InstanceArn": center.instance_arn, "ResourceArn": arn}

    center.sso_admin.tag_resource(
        **request, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sre"}]
    )
    tagged = center.sso_admin.list_tags_for_resource(**request)["Tags"]
    center.sso_admin.untag_resource(**request, TagKeys=["team"])
    after = center.sso_admin.list_tags_for_resource(**request)["Tags"]

    assert tagged == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sre"}]
    assert after == [{"Key": "env", "Value": "prod"}]


def test_tag_quota(center: IdentityCenter) -> None:
    arn = new_permission_set(center)
    tags = [{"Key": f"key{index}", "Value": "v"} for index in range(51)]

    status, error, _ = failure(
        center.sso_admin.tag_resource, InstanceArn=center.instance_arn, ResourceArn=arn, Tags=tags
    )

    assert status == 400
    assert error["Code"] == "ServiceQuotaExceededException"
    assert error["Message"] == "The number of tags on the resource exceeds the quota of 50."


def test_tags_of_deleted_set_not_found(center: IdentityCenter) -> None:
    arn = new_permission_set(center, Tags=[{"Key": "team", "Value": "ops"}])
    center.sso_admin.delete_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)

    status, error, _ = failure(
        center.sso_admin.list_tags_for_resource, InstanceArn=center.instance_arn, ResourceArn=arn
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == _not_found(arn)


# Attributes for access control


def test_access_control_attributes_lifecycle(center: IdentityCenter) -> None:
    request = {"InstanceArn": center.instance_arn}
    department = {
        "Key": "department",
        "Value": {"Source": ["${path:enterprise.department}"]},
    }
    missing_status, missing_error, _ = failure(
        center.sso_admin.describe_instance_access_control_attribute_configuration, **request
    )

    center.sso_admin.create_instance_access_control_attribute_configuration(
        **request,
        InstanceAccessControlAttributeConfiguration={"AccessControlAttributes": [department]},
    )
    created = center.sso_admin.describe_instance_access_control_attribute_configuration(**request)
    again_status, again_error, _ = failure(
        center.sso_admin.create_instance_access_control_attribute_configuration,
        **request,
        InstanceAccessControlAttributeConfiguration={"AccessControlAttributes": []},
    )
    center.sso_admin.update_instance_access_control_attribute_configuration(
        **request, InstanceAccessControlAttributeConfiguration={"AccessControlAttributes": []}
    )
    updated = center.sso_admin.describe_instance_access_control_attribute_configuration(**request)
    center.sso_admin.delete_instance_access_control_attribute_configuration(**request)
    deleted_status, _, _ = failure(
        center.sso_admin.describe_instance_access_control_attribute_configuration, **request
    )

    assert missing_status == 400
    assert missing_error["Code"] == "ResourceNotFoundException"
    assert missing_error["Message"] == (
        "No attribute-based access control configuration exists for the instance."
    )
    assert created["Status"] == "ENABLED"
    assert created["InstanceAccessControlAttributeConfiguration"] == {
        "AccessControlAttributes": [department]
    }
    assert again_error["Code"] == "ConflictException"
    assert again_status == 400
    assert updated["InstanceAccessControlAttributeConfiguration"] == {"AccessControlAttributes": []}
    assert deleted_status == 400


# IAM authorization on Identity Center resources


def test_policy_scoped_to_one_set(server: Server, center: IdentityCenter) -> None:
    allowed = new_permission_set(center)
    other = new_permission_set(center)
    role_name = unique_name("SetReader")
    put_role(
        server,
        center.management.account_id,
        role_name,
        trust(center.management.account_id),
        inline={
            "read-one-set": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sso:DescribePermissionSet",
                        "Resource": [center.instance_arn, allowed],
                    }
                ],
            }
        },
    )
    reply = assume(server, center.management, role_arn(center.management.account_id, role_name))
    reader = session_client(server, "sso-admin", reply["Credentials"])

    described = reader.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=allowed
    )
    status, error, _ = failure(
        reader.describe_permission_set, InstanceArn=center.instance_arn, PermissionSetArn=other
    )

    assert described["PermissionSet"]["PermissionSetArn"] == allowed
    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        f"User: {assumed_role_arn(center.management.account_id, 'tester', role_name)} is not "
        f"authorized to perform: sso:DescribePermissionSet on resource: {other} because no "
        "identity-based policy allows the sso:DescribePermissionSet action"
    )
