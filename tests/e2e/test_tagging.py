"""TagResource, UntagResource and ListTagsForResource through boto3."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.exceptions
import pytest

from tests.e2e.tree_helpers import (
    Organization,
    error_of,
    member_with_root_key,
    new_organization,
)
from tests.harness import Account, Server, create_member_account

SYSTEM_TAG_MESSAGE = (
    "You specified a tag key that is a system tag. You can\u2019t add, edit, or delete system tag "
    "keys because they're reserved for Amazon Web Services use. System tags don\u2019t count "
    "against your tags per resource limit."
)


def _tags(organization: Organization, resource_id: str) -> list[dict[str, str]]:
    paginator = organization.client.get_paginator("list_tags_for_resource")
    found: list[dict[str, str]] = []
    for page in paginator.paginate(ResourceId=resource_id):
        found.extend(page["Tags"])
    return found


def _ou(organization: Organization, name: str = "tagged") -> str:
    unit = organization.client.create_organizational_unit(ParentId=organization.root_id, Name=name)
    return str(unit["OrganizationalUnit"]["Id"])


def _tag_list(count: int, prefix: str = "key") -> list[dict[str, str]]:
    return [{"Key": f"{prefix}-{index:02d}", "Value": f"value-{index}"} for index in range(count)]


@pytest.mark.parametrize("kind", ["root", "ou", "management", "member"])
def test_tag_and_list_each_resource_kind(server: Server, management: Account, kind: str) -> None:
    organization = new_organization(server, management)
    resource_ids = {
        "root": lambda: organization.root_id,
        "ou": lambda: _ou(organization),
        "management": lambda: management.account_id,
        "member": lambda: create_member_account(server, organization.client),
    }
    resource_id = resource_ids[kind]()

    organization.client.tag_resource(
        ResourceId=resource_id,
        Tags=[{"Key": "team", "Value": "platform"}, {"Key": "cost-center", "Value": "42"}],
    )

    assert _tags(organization, resource_id) == [
        {"Key": "cost-center", "Value": "42"},
        {"Key": "team", "Value": "platform"},
    ]


def test_tag_overwrites_value(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    organization.client.tag_resource(ResourceId=unit, Tags=[{"Key": "env", "Value": "dev"}])

    organization.client.tag_resource(ResourceId=unit, Tags=[{"Key": "env", "Value": "prod"}])

    assert _tags(organization, unit) == [{"Key": "env", "Value": "prod"}]


def test_tag_empty_value(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)

    organization.client.tag_resource(ResourceId=unit, Tags=[{"Key": "flag", "Value": ""}])

    assert _tags(organization, unit) == [{"Key": "flag", "Value": ""}]


def test_untag_removes_named_keys_only(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(3))

    organization.client.untag_resource(ResourceId=unit, TagKeys=["key-00", "key-02", "absent"])

    assert _tags(organization, unit) == [{"Key": "key-01", "Value": "value-1"}]


def test_fifty_tags_fit(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)

    organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(50))

    assert len(_tags(organization, unit)) == 50


def test_list_tags_pages(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(25))

    first = organization.client.list_tags_for_resource(ResourceId=unit)
    second = organization.client.list_tags_for_resource(
        ResourceId=unit, NextToken=first["NextToken"]
    )

    assert len(first["Tags"]) == 20
    assert "NextToken" not in second
    assert first["Tags"] + second["Tags"] == _tag_list(25)


def test_fifty_first_tag_is_limit(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(49))

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(2, prefix="more"))

    response = error_of(raised)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Error"]["Message"] == (
        "You have exceeded the number of tags allowed on this resource."
    )
    assert response["Reason"] == "MAX_TAG_LIMIT_EXCEEDED"
    assert len(_tags(organization, unit)) == 49


def test_overwriting_at_limit_is_allowed(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(50))

    organization.client.tag_resource(ResourceId=unit, Tags=[{"Key": "key-00", "Value": "new"}])

    assert _tags(organization, unit)[0] == {"Key": "key-00", "Value": "new"}


def test_create_ou_with_51_tags_is_limit(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.create_organizational_unit(
            ParentId=organization.root_id, Name="crowded", Tags=_tag_list(51)
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "ConstraintViolationException"
    assert response["Reason"] == "MAX_TAG_LIMIT_EXCEEDED"


@pytest.mark.parametrize("key", ["aws:owner", "AWS:owner"])
def test_system_tag_key_rejected(server: Server, management: Account, key: str) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.tag_resource(ResourceId=unit, Tags=[{"Key": key, "Value": "x"}])

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == SYSTEM_TAG_MESSAGE
    assert response["Reason"] == "INVALID_SYSTEM_TAGS_PARAMETER"


def test_untag_system_key_rejected(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.untag_resource(ResourceId=unit, TagKeys=["aws:owner"])

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_SYSTEM_TAGS_PARAMETER"


def test_duplicate_tag_key_in_request(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.tag_resource(
            ResourceId=unit,
            Tags=[{"Key": "env", "Value": "a"}, {"Key": "env", "Value": "b"}],
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "Tag keys must be unique among the tags attached to the same entity."
    )
    assert response["Reason"] == "DUPLICATE_TAG_KEY"
    assert _tags(organization, unit) == []


@pytest.mark.parametrize("operation", ["tag", "untag", "list"])
def test_unknown_resource_is_target_not_found(
    server: Server, management: Account, operation: str
) -> None:
    organization = new_organization(server, management)
    calls: dict[str, Any] = {
        "tag": lambda resource: organization.client.tag_resource(
            ResourceId=resource, Tags=[{"Key": "k", "Value": "v"}]
        ),
        "untag": lambda resource: organization.client.untag_resource(
            ResourceId=resource, TagKeys=["k"]
        ),
        "list": lambda resource: organization.client.list_tags_for_resource(ResourceId=resource),
    }

    for resource_id in (organization.missing_ou_id, "p-zzzzzzzz", server.new_account().account_id):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            calls[operation](resource_id)

        response = error_of(raised)
        assert response["Error"]["Code"] == "TargetNotFoundException"
        assert response["Error"]["Message"] == (
            "We can't find a root, OU, account, or policy with the TargetId that you specified."
        )


def test_other_organizations_ou_is_not_found(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    other = new_organization(server, server.new_account())
    foreign = _ou(other, "foreign")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.tag_resource(ResourceId=foreign, Tags=[{"Key": "k", "Value": "v"}])

    assert error_of(raised)["Error"]["Code"] == "TargetNotFoundException"
    assert _tags(other, foreign) == []


def test_aws_managed_policy_is_immutable(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.tag_resource(
            ResourceId="p-FullAWSAccess", Tags=[{"Key": "k", "Value": "v"}]
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Error"]["Message"] == (
        "You specified a policy that is managed by Amazon Web Services and can't be modified."
    )
    assert response["Reason"] == "IMMUTABLE_POLICY"
    assert _tags(organization, "p-FullAWSAccess") == []


def test_tag_by_member_is_access_denied(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    member = member_with_root_key(server, organization)
    member_client = server.client("organizations", member)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member_client.tag_resource(ResourceId=member.account_id, Tags=[{"Key": "k", "Value": "v"}])
    response = error_of(raised)
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "You don't have permissions to access this resource."

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        member_client.list_tags_for_resource(ResourceId=member.account_id)
    assert error_of(raised)["Error"]["Code"] == "AccessDeniedException"


def test_tag_key_too_long_is_invalid(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.tag_resource(ResourceId=unit, Tags=[{"Key": "k" * 129, "Value": ""}])

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "MAX_LENGTH_EXCEEDED"


def test_tag_custom_policy(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    policy = organization.client.create_policy(
        Name="tag-me",
        Description="",
        Type="SERVICE_CONTROL_POLICY",
        Content='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
    )["Policy"]["PolicySummary"]

    organization.client.tag_resource(ResourceId=policy["Id"], Tags=[{"Key": "k", "Value": "v"}])

    assert _tags(organization, policy["Id"]) == [{"Key": "k", "Value": "v"}]


def test_other_organizations_policy_is_not_found(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    other = new_organization(server, server.new_account())
    policy = other.client.create_policy(
        Name="foreign",
        Description="",
        Type="SERVICE_CONTROL_POLICY",
        Content='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
    )["Policy"]["PolicySummary"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_tags_for_resource(ResourceId=policy["Id"])

    assert error_of(raised)["Error"]["Code"] == "TargetNotFoundException"


def test_tag_resource_policy(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    content = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"'
        f"arn:aws:iam::{management.account_id}:root"
        '"},"Action":"organizations:DescribeOrganization","Resource":"*"}]}'
    )
    resource_policy = organization.client.put_resource_policy(Content=content)["ResourcePolicy"]
    policy_id = resource_policy["ResourcePolicySummary"]["Id"]

    organization.client.tag_resource(ResourceId=policy_id, Tags=[{"Key": "k", "Value": "v"}])

    assert _tags(organization, policy_id) == [{"Key": "k", "Value": "v"}]


def test_concurrent_tagging_keeps_limit(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    organization.client.tag_resource(ResourceId=unit, Tags=_tag_list(30))
    clients = [server.client("organizations", management) for _ in range(4)]

    def tag(worker_and_prefix: tuple[Any, str]) -> str:
        worker, prefix = worker_and_prefix
        try:
            worker.tag_resource(ResourceId=unit, Tags=_tag_list(10, prefix=prefix))
        except botocore.exceptions.ClientError as error:
            return str(error.response.get("Reason"))
        return "tagged"

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        work = [(client, f"batch{number}") for number, client in enumerate(clients)]
        outcomes = list(pool.map(tag, work))

    # 30 tags leave room for two batches of ten.
    assert sorted(outcomes) == ["MAX_TAG_LIMIT_EXCEEDED"] * 2 + ["tagged"] * 2
    assert len(_tags(organization, unit)) == 50


def test_resource_policy_lets_member_tag_ous(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization)
    member = member_with_root_key(server, organization)
    ou_arns = f"arn:aws:organizations::{management.account_id}:ou/{organization.id}/*"
    organization.client.put_resource_policy(
        Content=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"'
            f"{member.account_id}"
            '"},"Action":["organizations:TagResource","organizations:UntagResource"],'
            f'"Resource":"{ou_arns}"'
            "}]}"
        )
    )
    member_client = server.client("organizations", member)

    member_client.tag_resource(ResourceId=unit, Tags=[{"Key": "team", "Value": "a"}])
    member_client.untag_resource(ResourceId=unit, TagKeys=["team"])
    member_client.tag_resource(ResourceId=unit, Tags=[{"Key": "owner", "Value": "b"}])

    assert _tags(organization, unit) == [{"Key": "owner", "Value": "b"}]
    for resource_id in (organization.root_id, organization.missing_ou_id):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            member_client.tag_resource(ResourceId=resource_id, Tags=[{"Key": "k", "Value": "v"}])
        response = error_of(raised)
        assert response["Error"]["Code"] == "AccessDeniedException"
        assert response["Error"]["Message"] == (
            "You don't have permissions to access this resource."
        )
    assert _tags(organization, organization.root_id) == []


def _create_request_calls(organization: Organization, server: Server) -> dict[str, Any]:
    """Return one call per operation that takes `Tags` when it creates something."""
    client = organization.client
    invited = server.new_account()
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        '"Action":"organizations:DescribeOrganization","Resource":"*"}]}'
    )
    return {
        "InviteAccountToOrganization": lambda tags: client.invite_account_to_organization(
            Target={"Id": invited.account_id, "Type": "ACCOUNT"}, Tags=tags
        ),
        "CreateAccount": lambda tags: client.create_account(
            AccountName="tagged", Email="tagged@example.com", Tags=tags
        ),
        "PutResourcePolicy": lambda tags: client.put_resource_policy(Content=policy, Tags=tags),
        "CreateOrganizationalUnit": lambda tags: client.create_organizational_unit(
            ParentId=organization.root_id, Name="tagged", Tags=tags
        ),
    }


@pytest.mark.parametrize(
    ("tags", "code", "reason", "message"),
    [
        (
            [{"Key": "aws:owner", "Value": "x"}],
            "InvalidInputException",
            "INVALID_SYSTEM_TAGS_PARAMETER",
            SYSTEM_TAG_MESSAGE,
        ),
        # A repeated reserved key fails on the reserved prefix first, as in TagResource.
        (
            [{"Key": "aws:owner", "Value": "1"}, {"Key": "aws:owner", "Value": "2"}],
            "InvalidInputException",
            "INVALID_SYSTEM_TAGS_PARAMETER",
            SYSTEM_TAG_MESSAGE,
        ),
        (
            [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}],
            "InvalidInputException",
            "DUPLICATE_TAG_KEY",
            "Tag keys must be unique among the tags attached to the same entity.",
        ),
        (
            _tag_list(51),
            "ConstraintViolationException",
            "MAX_TAG_LIMIT_EXCEEDED",
            "You have exceeded the number of tags allowed on this resource.",
        ),
    ],
    ids=["system-key", "repeated-system-key", "duplicate-key", "over-limit"],
)
def test_create_requests_check_tags_as_tag_resource(
    server: Server,
    management: Account,
    tags: list[dict[str, str]],
    code: str,
    reason: str,
    message: str,
) -> None:
    organization = new_organization(server, management)

    for operation, call in _create_request_calls(organization, server).items():
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call(tags)

        response = error_of(raised)
        assert response["Error"]["Code"] == code, operation
        assert response["Error"]["Message"] == message, operation
        assert response["Reason"] == reason, operation
