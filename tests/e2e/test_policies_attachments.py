"""AttachPolicy, DetachPolicy, ListPoliciesForTarget and ListTargetsForPolicy through boto3."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest

from tests.e2e.audit_helpers import request_id_of, wait_for_request
from tests.e2e.policy_helpers import (
    ACCESS_DENIED_MESSAGE,
    FULL_AWS_ACCESS,
    RCP,
    RCP_FULL_AWS_ACCESS,
    SCP,
    TAG,
    Organization,
    create_member,
    create_policy,
    error_of,
    join_by_invitation,
    new_organization,
    tag_policy,
)
from tests.harness import Account, Server


@pytest.fixture
def organization(server: Server, management: Account) -> Organization:
    return new_organization(server, management)


def _new_ou(organization: Organization, parent_id: str | None = None, name: str = "unit") -> str:
    unit = organization.client.create_organizational_unit(
        ParentId=parent_id or organization.root_id, Name=name
    )["OrganizationalUnit"]
    return str(unit["Id"])


def _attached_ids(organization: Organization, target_id: str, policy_type: str = SCP) -> list[str]:
    policies = organization.client.list_policies_for_target(TargetId=target_id, Filter=policy_type)
    return sorted(policy["Id"] for policy in policies["Policies"])


def _target_ids(organization: Organization, policy_id: str) -> list[str]:
    targets = organization.client.list_targets_for_policy(PolicyId=policy_id)["Targets"]
    return sorted(target["TargetId"] for target in targets)


# AttachPolicy


def test_attach_to_root(organization: Organization) -> None:
    policy = create_policy(organization)

    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    assert _attached_ids(organization, organization.root_id) == sorted(
        [FULL_AWS_ACCESS, policy["Id"]]
    )
    targets = organization.client.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]
    assert targets == [
        {
            "TargetId": organization.root_id,
            "Arn": (
                f"arn:aws:organizations::{organization.management.account_id}:root/"
                f"{organization.id}/{organization.root_id}"
            ),
            "Name": "Root",
            "Type": "ROOT",
        }
    ]


def test_attach_to_management_account(organization: Organization) -> None:
    policy = create_policy(organization)
    account_id = organization.management.account_id

    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=account_id)

    targets = organization.client.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]
    assert targets == [
        {
            "TargetId": account_id,
            "Arn": (f"arn:aws:organizations::{account_id}:account/{organization.id}/{account_id}"),
            "Name": organization.management.name,
            "Type": "ACCOUNT",
        }
    ]


def test_attach_to_organizational_unit(organization: Organization) -> None:
    policy = create_policy(organization)
    ou_id = _new_ou(organization, name="workloads")

    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=ou_id)

    targets = organization.client.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]
    assert targets == [
        {
            "TargetId": ou_id,
            "Arn": (
                f"arn:aws:organizations::{organization.management.account_id}:ou/"
                f"{organization.id}/{ou_id}"
            ),
            "Name": "workloads",
            "Type": "ORGANIZATIONAL_UNIT",
        }
    ]
    assert _attached_ids(organization, ou_id) == sorted([FULL_AWS_ACCESS, policy["Id"]])


def test_attach_to_created_member_account(organization: Organization) -> None:
    policy = create_policy(organization)
    member_id = create_member(organization)

    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=member_id)

    assert _attached_ids(organization, member_id) == sorted([FULL_AWS_ACCESS, policy["Id"]])
    assert _target_ids(organization, policy["Id"]) == [member_id]


def test_attach_event_names_policy_and_target(server: Server, organization: Organization) -> None:
    policy = create_policy(organization)

    reply = organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    event = wait_for_request(
        server.client("cloudtrail", organization.management), request_id_of(reply)
    )
    assert event["EventName"] == "AttachPolicy"
    root_arn = (
        f"arn:aws:organizations::{organization.management.account_id}:root/"
        f"{organization.id}/{organization.root_id}"
    )
    assert sorted(event["Resources"], key=lambda resource: resource["ResourceType"]) == [
        {"ResourceType": "AWS::Organizations::Policy", "ResourceName": policy["Arn"]},
        {"ResourceType": "AWS::Organizations::Root", "ResourceName": root_arn},
    ]


def test_attach_twice_is_duplicate(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    error = error_of(raised)["Error"]
    assert error["Code"] == "DuplicatePolicyAttachmentException"
    assert error["Message"] == "The selected policy is already attached to the specified target."


def test_full_aws_access_is_already_attached(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=organization.root_id)

    assert error_of(raised)["Error"]["Code"] == "DuplicatePolicyAttachmentException"


def test_sixth_scp_on_a_target(organization: Organization) -> None:
    # FullAWSAccess is the first of the five SCPs a target may have.
    for _ in range(4):
        policy = create_policy(organization)
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)
    sixth = create_policy(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=sixth["Id"], TargetId=organization.root_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You have attached the maximum number of policies to the specified target."
    )
    assert response["Reason"] == "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    assert len(_attached_ids(organization, organization.root_id)) == 5


def test_concurrent_attaches_keep_limit(server: Server, organization: Organization) -> None:
    policies = [create_policy(organization) for _ in range(8)]
    clients = [server.client("organizations", organization.management) for _ in policies]

    def attach(index: int) -> str:
        try:
            clients[index].attach_policy(
                PolicyId=policies[index]["Id"], TargetId=organization.root_id
            )
        except botocore.exceptions.ClientError as error:
            return str(error.response.get("Reason"))
        return "attached"

    with ThreadPoolExecutor(max_workers=len(policies)) as pool:
        outcomes = list(pool.map(attach, range(len(policies))))

    assert outcomes.count("attached") == 4
    assert outcomes.count("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED") == 4
    assert len(_attached_ids(organization, organization.root_id)) == 5


def test_scp_limit_is_per_target(organization: Organization) -> None:
    policies = [create_policy(organization) for _ in range(4)]
    for policy in policies:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)
    account_id = organization.management.account_id

    for policy in policies:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=account_id)

    assert len(_attached_ids(organization, account_id)) == 5


def test_eleventh_tag_policy_on_a_target(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    for index in range(10):
        policy = create_policy(organization, tag_policy(f"Key{index}"), TAG)
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)
    eleventh = create_policy(organization, tag_policy("Key10"), TAG)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=eleventh["Id"], TargetId=organization.root_id)

    assert error_of(raised)["Reason"] == "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"


def test_attach_type_not_enabled(organization: Organization) -> None:
    policy = create_policy(organization, tag_policy("Owner"), TAG)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyTypeNotEnabledException"
    assert error["Message"] == "This operation can be performed only for enabled policy types."


def test_attach_after_scps_disabled(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.disable_policy_type(RootId=organization.root_id, PolicyType=SCP)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    assert error_of(raised)["Error"]["Code"] == "PolicyTypeNotEnabledException"


def test_attach_in_consolidated_billing_organization(server: Server, management: Account) -> None:
    organization = new_organization(server, management, "CONSOLIDATED_BILLING")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=organization.root_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Reason"] == "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"


@pytest.mark.parametrize("which", ["root", "ou", "account"])
def test_attach_to_missing_target(server: Server, organization: Organization, which: str) -> None:
    policy = create_policy(organization)
    target_id = {
        "root": "r-zzzz",
        "ou": f"ou-{organization.root_id.removeprefix('r-')}-zzzzzzzz",
        "account": server.new_account().account_id,
    }[which]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=target_id)

    error = error_of(raised)["Error"]
    assert error["Code"] == "TargetNotFoundException"
    assert error["Message"] == (
        "We can't find a root, OU, account, or policy with the TargetId that you specified."
    )


def test_attach_to_other_organizations_root(server: Server, organization: Organization) -> None:
    other = new_organization(server, server.new_account())
    policy = create_policy(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=other.root_id)

    assert error_of(raised)["Error"]["Code"] == "TargetNotFoundException"


def test_attach_unknown_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId="p-00000000", TargetId=organization.root_id)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyNotFoundException"
    assert error["Message"] == "We can't find a policy with the PolicyId that you specified."


def test_attach_to_malformed_target_id(organization: Organization) -> None:
    policy = create_policy(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId="root-1")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "You specified a policy target ID that doesn't match the required pattern."
    )
    assert response["Reason"] == "INVALID_PATTERN_TARGET_ID"


def test_member_account_cannot_attach(server: Server, organization: Organization) -> None:
    policy = create_policy(organization)
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).attach_policy(
            PolicyId=policy["Id"], TargetId=member.account_id
        )

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED_MESSAGE


# DetachPolicy


def test_detach_policy(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    organization.client.detach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    assert _attached_ids(organization, organization.root_id) == [FULL_AWS_ACCESS]
    assert _target_ids(organization, policy["Id"]) == []


def test_replace_full_aws_access(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    organization.client.detach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=organization.root_id)

    assert _attached_ids(organization, organization.root_id) == [policy["Id"]]


def test_detach_last_scp(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.detach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=organization.root_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You attempted to detach a policy from an entity that would cause the entity to have "
        "fewer than the minimum number of policies of a certain type required."
    )
    assert response["Reason"] == "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    assert _attached_ids(organization, organization.root_id) == [FULL_AWS_ACCESS]


def test_detach_last_scp_of_account(organization: Organization) -> None:
    member_id = create_member(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.detach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=member_id)

    assert error_of(raised)["Reason"] == "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"


def test_detach_last_tag_policy(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    policy = create_policy(organization, tag_policy("Owner"), TAG)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    organization.client.detach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    assert _attached_ids(organization, organization.root_id, TAG) == []


def test_detach_not_attached(organization: Organization) -> None:
    policy = create_policy(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.detach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    error = error_of(raised)["Error"]
    assert error["Code"] == "PolicyNotAttachedException"
    assert error["Message"] == (
        "The policy isn't attached to the specified target in the specified root."
    )


def test_detach_rcp_full_aws_access(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=RCP)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.detach_policy(
            PolicyId=RCP_FULL_AWS_ACCESS, TargetId=organization.root_id
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "You can't detach this Amazon Web Services Managed Policy."
    )
    assert response["Reason"] == "NON_DETACHABLE_POLICY"
    assert _attached_ids(organization, organization.root_id, RCP) == [RCP_FULL_AWS_ACCESS]


def test_detach_from_missing_target(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.detach_policy(PolicyId=FULL_AWS_ACCESS, TargetId="r-zzzz")

    assert error_of(raised)["Error"]["Code"] == "TargetNotFoundException"


def test_detach_unknown_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.detach_policy(PolicyId="p-00000000", TargetId=organization.root_id)

    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_member_account_cannot_detach(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).detach_policy(
            PolicyId=FULL_AWS_ACCESS, TargetId=organization.root_id
        )

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


# ListPoliciesForTarget


def test_list_for_target_filters_by_type(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    scp = create_policy(organization)
    tag = create_policy(organization, tag_policy("Owner"), TAG)
    for policy in (scp, tag):
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    listed = organization.client.list_policies_for_target(
        TargetId=organization.root_id, Filter=TAG
    )["Policies"]

    assert listed == [tag]


def test_list_for_target_direct_only(organization: Organization) -> None:
    policy = create_policy(organization)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)
    ou_id = _new_ou(organization)

    assert _attached_ids(organization, ou_id) == [FULL_AWS_ACCESS]


def test_list_for_target_pages(organization: Organization) -> None:
    policies = [create_policy(organization) for _ in range(4)]
    for policy in policies:
        organization.client.attach_policy(PolicyId=policy["Id"], TargetId=organization.root_id)

    first = organization.client.list_policies_for_target(
        TargetId=organization.root_id, Filter=SCP, MaxResults=3
    )
    second = organization.client.list_policies_for_target(
        TargetId=organization.root_id, Filter=SCP, MaxResults=3, NextToken=first["NextToken"]
    )

    seen = [p["Id"] for p in first["Policies"] + second["Policies"]]
    assert len(first["Policies"]) == 3
    assert "NextToken" not in second
    assert sorted(seen) == sorted([FULL_AWS_ACCESS, *(p["Id"] for p in policies)])


def test_list_for_missing_target(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_policies_for_target(TargetId="r-zzzz", Filter=SCP)

    assert error_of(raised)["Error"]["Code"] == "TargetNotFoundException"


def test_member_account_cannot_list_for_target(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_policies_for_target(
            TargetId=member.account_id, Filter=SCP
        )

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


# ListTargetsForPolicy


def test_full_aws_access_targets_every_node(organization: Organization) -> None:
    ou_id = _new_ou(organization)
    member_id = create_member(organization)

    targets = _target_ids(organization, FULL_AWS_ACCESS)

    expected = [organization.root_id, ou_id, member_id, organization.management.account_id]
    assert targets == sorted(expected)


def test_targets_only_own_organization(server: Server, organization: Organization) -> None:
    other = new_organization(server, server.new_account())

    targets = _target_ids(organization, FULL_AWS_ACCESS)

    assert other.root_id not in targets
    assert other.management.account_id not in targets


def test_list_targets_pages(organization: Organization) -> None:
    ou_ids = [_new_ou(organization, name=f"unit-{index}") for index in range(3)]
    expected = sorted([organization.root_id, organization.management.account_id, *ou_ids])

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        extra = {"NextToken": token} if token else {}
        reply = organization.client.list_targets_for_policy(
            PolicyId=FULL_AWS_ACCESS, MaxResults=2, **extra
        )
        seen.extend(target["TargetId"] for target in reply["Targets"])
        pages += 1
        token = reply.get("NextToken")
        if token is None:
            break

    assert seen == expected
    assert pages == 3


def test_list_targets_with_forged_token(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_targets_for_policy(PolicyId=FULL_AWS_ACCESS, NextToken="abc")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_NEXT_TOKEN"


def test_list_targets_of_unknown_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_targets_for_policy(PolicyId="p-00000000")

    assert error_of(raised)["Error"]["Code"] == "PolicyNotFoundException"


def test_member_account_cannot_list_targets(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_targets_for_policy(PolicyId=FULL_AWS_ACCESS)

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"
