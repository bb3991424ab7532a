"""DescribeEffectivePolicy, ListAccountsWithInvalidEffectivePolicy and
ListEffectivePolicyValidationErrors through boto3."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from tests.e2e.policy_helpers import (
    ACCESS_DENIED_MESSAGE,
    BACKUP,
    SCP,
    TAG,
    Organization,
    create_member,
    create_policy,
    error_of,
    join_by_invitation,
    new_organization,
)
from tests.harness import Account, Server

COST_CENTER = json.dumps(
    {
        "tags": {
            "costcenter": {
                "tag_key": {"@@assign": "CostCenter"},
                "tag_value": {"@@assign": ["100", "200"]},
            }
        }
    }
)
MORE_COST_CENTERS = json.dumps({"tags": {"costcenter": {"tag_value": {"@@append": ["300"]}}}})
OWNER = json.dumps({"tags": {"owner": {"tag_key": {"@@assign": "Owner"}}}})

# A backup plan that names its regions but leaves its rules and selections to other policies.
PARTIAL_BACKUP_PLAN = json.dumps({"plans": {"daily": {"regions": {"@@assign": ["us-east-1"]}}}})

NOT_FOUND_MESSAGE = (
    "If you ran this action on the management account, this policy type is not enabled."
)


@pytest.fixture
def organization(server: Server, management: Account) -> Organization:
    organization = new_organization(server, management)
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=TAG)
    return organization


def _attach_new(organization: Organization, content: str, target_id: str, kind: str = TAG) -> str:
    policy = create_policy(organization, content, kind)
    organization.client.attach_policy(PolicyId=policy["Id"], TargetId=target_id)
    return str(policy["Id"])


def _member_in_new_ou(organization: Organization) -> tuple[str, str]:
    """Create an OU under the root and a member account inside it; return both IDs."""
    ou_id = organization.client.create_organizational_unit(
        ParentId=organization.root_id, Name="workloads"
    )["OrganizationalUnit"]["Id"]
    member_id = create_member(organization)
    organization.client.move_account(
        AccountId=member_id, SourceParentId=organization.root_id, DestinationParentId=ou_id
    )
    return str(ou_id), member_id


def _effective(organization: Organization, target_id: str, policy_type: str = TAG) -> object:
    reply = organization.client.describe_effective_policy(
        PolicyType=policy_type, TargetId=target_id
    )["EffectivePolicy"]
    return json.loads(reply["PolicyContent"])


# DescribeEffectivePolicy


def test_merges_root_ou_and_account(organization: Organization) -> None:
    ou_id, member_id = _member_in_new_ou(organization)
    _attach_new(organization, COST_CENTER, organization.root_id)
    _attach_new(organization, MORE_COST_CENTERS, ou_id)
    _attach_new(organization, OWNER, member_id)

    reply = organization.client.describe_effective_policy(PolicyType=TAG, TargetId=member_id)[
        "EffectivePolicy"
    ]

    assert reply["TargetId"] == member_id
    assert reply["PolicyType"] == TAG
    assert "LastUpdatedTimestamp" in reply
    assert json.loads(reply["PolicyContent"]) == {
        "tags": {
            "costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200", "300"]},
            "owner": {"tag_key": "Owner"},
        }
    }


def test_sibling_skips_other_ou(organization: Organization) -> None:
    ou_id, _ = _member_in_new_ou(organization)
    _attach_new(organization, COST_CENTER, organization.root_id)
    _attach_new(organization, MORE_COST_CENTERS, ou_id)
    under_root = create_member(organization)

    assert _effective(organization, under_root) == {
        "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200"]}}
    }


def test_effective_policy_defaults_to_caller(organization: Organization) -> None:
    _attach_new(organization, OWNER, organization.root_id)

    reply = organization.client.describe_effective_policy(PolicyType=TAG)["EffectivePolicy"]

    assert reply["TargetId"] == organization.management.account_id
    assert json.loads(reply["PolicyContent"]) == {"tags": {"owner": {"tag_key": "Owner"}}}


def test_effective_policy_follows_updates(server: Server, organization: Organization) -> None:
    policy_id = _attach_new(organization, OWNER, organization.root_id)
    account_id = organization.management.account_id
    before = organization.client.describe_effective_policy(PolicyType=TAG, TargetId=account_id)[
        "EffectivePolicy"
    ]
    server.advance_clock(60)

    organization.client.update_policy(PolicyId=policy_id, Content=COST_CENTER)

    after = organization.client.describe_effective_policy(PolicyType=TAG, TargetId=account_id)[
        "EffectivePolicy"
    ]
    assert json.loads(after["PolicyContent"]) == {
        "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200"]}}
    }
    assert after["LastUpdatedTimestamp"] > before["LastUpdatedTimestamp"]


def test_no_policy_attached(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_effective_policy(PolicyType=TAG)

    error = error_of(raised)["Error"]
    assert error["Code"] == "EffectivePolicyNotFoundException"
    assert error["Message"] == NOT_FOUND_MESSAGE


def test_detached_policy_no_longer_applies(organization: Organization) -> None:
    policy_id = _attach_new(organization, OWNER, organization.root_id)
    organization.client.detach_policy(PolicyId=policy_id, TargetId=organization.root_id)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_effective_policy(PolicyType=TAG)

    assert error_of(raised)["Error"]["Code"] == "EffectivePolicyNotFoundException"


def test_type_not_enabled(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_effective_policy(PolicyType=BACKUP)

    error = error_of(raised)["Error"]
    assert error["Code"] == "EffectivePolicyNotFoundException"
    assert error["Message"] == NOT_FOUND_MESSAGE


def test_scp_has_no_effective_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_effective_policy(PolicyType=SCP)

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == "You specified an invalid policy type string."
    assert response["Reason"] == "INVALID_ENUM_POLICY_TYPE"


@pytest.mark.parametrize("which", ["root", "ou"])
def test_root_or_ou_target_not_supported(organization: Organization, which: str) -> None:
    ou_id, _ = _member_in_new_ou(organization)
    target_id = organization.root_id if which == "root" else ou_id

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_effective_policy(PolicyType=TAG, TargetId=target_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "You can't perform the specified operation on that target entity."
    )
    assert response["Reason"] == "TARGET_NOT_SUPPORTED"


def test_account_outside_organization(server: Server, organization: Organization) -> None:
    outsider = server.new_account()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.describe_effective_policy(PolicyType=TAG, TargetId=outsider.account_id)

    error = error_of(raised)["Error"]
    assert error["Code"] == "TargetNotFoundException"
    assert error["Message"] == (
        "We can't find a root, OU, account, or policy with the TargetId that you specified."
    )


def test_member_reads_its_own(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)
    _attach_new(organization, OWNER, organization.root_id)
    client = server.client("organizations", member)

    reply = client.describe_effective_policy(PolicyType=TAG)["EffectivePolicy"]
    named = client.describe_effective_policy(PolicyType=TAG, TargetId=member.account_id)[
        "EffectivePolicy"
    ]

    assert reply["TargetId"] == member.account_id
    assert json.loads(reply["PolicyContent"]) == {"tags": {"owner": {"tag_key": "Owner"}}}
    assert named == reply


def test_member_cannot_read_another_account(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)
    _attach_new(organization, OWNER, organization.root_id)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).describe_effective_policy(
            PolicyType=TAG, TargetId=organization.management.account_id
        )

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED_MESSAGE


def test_describe_outside_organization(server: Server, management: Account) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", management).describe_effective_policy(PolicyType=TAG)

    assert error_of(raised)["Error"]["Code"] == "AWSOrganizationsNotInUseException"


# ListAccountsWithInvalidEffectivePolicy


def _enable_backup(organization: Organization) -> None:
    organization.client.enable_policy_type(RootId=organization.root_id, PolicyType=BACKUP)


def test_invalid_effective_policy_lists_accounts(organization: Organization) -> None:
    _enable_backup(organization)
    member_id = create_member(organization)
    _attach_new(organization, PARTIAL_BACKUP_PLAN, organization.root_id, BACKUP)

    reply = organization.client.list_accounts_with_invalid_effective_policy(PolicyType=BACKUP)

    assert reply["PolicyType"] == BACKUP
    listed = {account["Id"]: account for account in reply["Accounts"]}
    assert sorted(listed) == sorted([member_id, organization.management.account_id])
    management = listed[organization.management.account_id]
    assert management["Email"] == organization.management.email
    assert management["Arn"] == (
        f"arn:aws:organizations::{organization.management.account_id}:account/"
        f"{organization.id}/{organization.management.account_id}"
    )


def test_invalid_effective_policy_only_where_attached(organization: Organization) -> None:
    _enable_backup(organization)
    ou_id, member_id = _member_in_new_ou(organization)
    _attach_new(organization, PARTIAL_BACKUP_PLAN, ou_id, BACKUP)

    reply = organization.client.list_accounts_with_invalid_effective_policy(PolicyType=BACKUP)

    assert [account["Id"] for account in reply["Accounts"]] == [member_id]


def test_valid_effective_policies_list_no_accounts(organization: Organization) -> None:
    _attach_new(organization, COST_CENTER, organization.root_id)

    reply = organization.client.list_accounts_with_invalid_effective_policy(PolicyType=TAG)

    assert reply["Accounts"] == []


def test_invalid_accounts_page(organization: Organization) -> None:
    _enable_backup(organization)
    members = [create_member(organization) for _ in range(2)]
    _attach_new(organization, PARTIAL_BACKUP_PLAN, organization.root_id, BACKUP)

    first = organization.client.list_accounts_with_invalid_effective_policy(
        PolicyType=BACKUP, MaxResults=2
    )
    second = organization.client.list_accounts_with_invalid_effective_policy(
        PolicyType=BACKUP, MaxResults=2, NextToken=first["NextToken"]
    )

    seen = [account["Id"] for account in first["Accounts"] + second["Accounts"]]
    assert sorted(seen) == sorted([*members, organization.management.account_id])
    assert "NextToken" not in second


def test_invalid_accounts_type_not_enabled(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_accounts_with_invalid_effective_policy(PolicyType=BACKUP)

    assert error_of(raised)["Error"]["Code"] == "EffectivePolicyNotFoundException"


def test_member_cannot_list_invalid_accounts(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_accounts_with_invalid_effective_policy(
            PolicyType=TAG
        )

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


# ListEffectivePolicyValidationErrors


def test_validation_errors_of_account(organization: Organization) -> None:
    _enable_backup(organization)
    ou_id, member_id = _member_in_new_ou(organization)
    policy_id = _attach_new(organization, PARTIAL_BACKUP_PLAN, ou_id, BACKUP)

    reply = organization.client.list_effective_policy_validation_errors(
        AccountId=member_id, PolicyType=BACKUP
    )

    assert reply["AccountId"] == member_id
    assert reply["PolicyType"] == BACKUP
    assert reply["Path"] == f"{organization.id}/{organization.root_id}/{ou_id}/{member_id}/"
    assert "EvaluationTimestamp" in reply
    errors = reply["EffectivePolicyValidationErrors"]
    assert [error["PathToError"] for error in errors] == [
        "/plans/daily/rules",
        "/plans/daily/selections",
    ]
    assert {error["ErrorCode"] for error in errors} == {"ELEMENT_MISSING"}
    assert all(error["ContributingPolicies"] == [policy_id] for error in errors)
    assert all(error["ErrorMessage"] for error in errors)


def test_validation_errors_page(organization: Organization) -> None:
    _enable_backup(organization)
    _attach_new(organization, PARTIAL_BACKUP_PLAN, organization.root_id, BACKUP)
    account_id = organization.management.account_id

    first = organization.client.list_effective_policy_validation_errors(
        AccountId=account_id, PolicyType=BACKUP, MaxResults=1
    )
    second = organization.client.list_effective_policy_validation_errors(
        AccountId=account_id, PolicyType=BACKUP, MaxResults=1, NextToken=first["NextToken"]
    )

    assert [e["PathToError"] for e in first["EffectivePolicyValidationErrors"]] == [
        "/plans/daily/rules"
    ]
    assert [e["PathToError"] for e in second["EffectivePolicyValidationErrors"]] == [
        "/plans/daily/selections"
    ]
    assert "NextToken" not in second


def test_valid_effective_policy_has_no_errors(organization: Organization) -> None:
    _attach_new(organization, COST_CENTER, organization.root_id)

    reply = organization.client.list_effective_policy_validation_errors(
        AccountId=organization.management.account_id, PolicyType=TAG
    )

    assert reply["EffectivePolicyValidationErrors"] == []
    assert reply["Path"] == (
        f"{organization.id}/{organization.root_id}/{organization.management.account_id}/"
    )


def test_validation_errors_without_effective_policy(organization: Organization) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_effective_policy_validation_errors(
            AccountId=organization.management.account_id, PolicyType=TAG
        )

    assert error_of(raised)["Error"]["Code"] == "EffectivePolicyNotFoundException"


def test_validation_errors_of_outside_account(server: Server, organization: Organization) -> None:
    outsider = server.new_account()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_effective_policy_validation_errors(
            AccountId=outsider.account_id, PolicyType=TAG
        )

    error = error_of(raised)["Error"]
    assert error["Code"] == "AccountNotFoundException"
    assert error["Message"] == (
        "We can't find an Amazon Web Services account with the AccountId that you specified, or "
        "the account whose credentials you used to make this request isn't a member of an "
        "organization."
    )


def test_member_cannot_list_validation_errors(server: Server, organization: Organization) -> None:
    member = join_by_invitation(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_effective_policy_validation_errors(
            AccountId=member.account_id, PolicyType=TAG
        )

    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"
