"""ListChildren, ListParents and MoveAccount through boto3."""

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


def _ou(organization: Organization, parent_id: str, name: str) -> str:
    unit = organization.client.create_organizational_unit(ParentId=parent_id, Name=name)
    return str(unit["OrganizationalUnit"]["Id"])


def _children(organization: Organization, parent_id: str, child_type: str) -> list[str]:
    paginator = organization.client.get_paginator("list_children")
    found: list[str] = []
    for page in paginator.paginate(ParentId=parent_id, ChildType=child_type):
        found.extend(child["Id"] for child in page["Children"])
        assert all(child["Type"] == child_type for child in page["Children"])
    return found


def _parents(organization: Organization, child_id: str) -> list[dict[str, Any]]:
    parents: list[dict[str, Any]] = organization.client.list_parents(ChildId=child_id)["Parents"]
    return parents


def _move(organization: Organization, account_id: str, source: str, destination: str) -> None:
    organization.client.move_account(
        AccountId=account_id, SourceParentId=source, DestinationParentId=destination
    )


# ListChildren


def test_list_children_of_new_root(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    assert _children(organization, organization.root_id, "ACCOUNT") == [management.account_id]
    assert _children(organization, organization.root_id, "ORGANIZATIONAL_UNIT") == []


def test_list_children_ous_and_accounts(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    outer = _ou(organization, organization.root_id, "outer")
    inner = _ou(organization, outer, "inner")
    member = create_member_account(server, organization.client)
    _move(organization, member, organization.root_id, outer)

    assert _children(organization, organization.root_id, "ORGANIZATIONAL_UNIT") == [outer]
    assert _children(organization, outer, "ORGANIZATIONAL_UNIT") == [inner]
    assert _children(organization, outer, "ACCOUNT") == [member]
    assert _children(organization, inner, "ACCOUNT") == []


def test_list_children_pages(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    created = sorted(_ou(organization, organization.root_id, f"unit-{n}") for n in range(5))

    first = organization.client.list_children(
        ParentId=organization.root_id, ChildType="ORGANIZATIONAL_UNIT", MaxResults=2
    )
    rest = _children(organization, organization.root_id, "ORGANIZATIONAL_UNIT")

    assert len(first["Children"]) == 2
    assert "NextToken" in first
    assert sorted(rest) == created


def test_list_children_unknown_parent(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_children(ParentId=organization.missing_ou_id, ChildType="ACCOUNT")

    response = error_of(raised)
    assert response["Error"]["Code"] == "ParentNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find a root or OU with the ParentId that you specified."
    )


def test_list_children_of_other_root(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    other = new_organization(server, server.new_account())

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_children(ParentId=other.root_id, ChildType="ACCOUNT")

    assert error_of(raised)["Error"]["Code"] == "ParentNotFoundException"


def test_list_children_invalid_child_type(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_children(ParentId=organization.root_id, ChildType="POLICY")

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_ENUM"


def test_list_children_by_member_is_access_denied(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    member = member_with_root_key(server, organization)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_children(
            ParentId=organization.root_id, ChildType="ACCOUNT"
        )

    response = error_of(raised)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "You don't have permissions to access this resource."


# ListParents


def test_list_parents_of_account_and_ou(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    outer = _ou(organization, organization.root_id, "outer")
    inner = _ou(organization, outer, "inner")

    assert _parents(organization, management.account_id) == [
        {"Id": organization.root_id, "Type": "ROOT"}
    ]
    assert _parents(organization, outer) == [{"Id": organization.root_id, "Type": "ROOT"}]
    assert _parents(organization, inner) == [{"Id": outer, "Type": "ORGANIZATIONAL_UNIT"}]


def test_list_parents_unknown_child(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    outsider = server.new_account()

    for child_id in (organization.missing_ou_id, outsider.account_id):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            organization.client.list_parents(ChildId=child_id)

        response = error_of(raised)
        assert response["Error"]["Code"] == "ChildNotFoundException"
        assert response["Error"]["Message"] == (
            "We can't find an organizational unit (OU) or Amazon Web Services account with the "
            "ChildId that you specified."
        )


def test_list_parents_of_root_is_invalid(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    # The ChildId pattern admits only OU and account ids, so a root id fails validation.
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.client.list_parents(ChildId=organization.root_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert response["Reason"] == "INVALID_PATTERN"


# MoveAccount


def test_move_management_account_into_ou(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization, organization.root_id, "destination")

    _move(organization, management.account_id, organization.root_id, unit)

    assert _parents(organization, management.account_id) == [
        {"Id": unit, "Type": "ORGANIZATIONAL_UNIT"}
    ]
    assert _children(organization, unit, "ACCOUNT") == [management.account_id]
    assert _children(organization, organization.root_id, "ACCOUNT") == []


def test_move_member_between_ous_and_back(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    first = _ou(organization, organization.root_id, "first")
    second = _ou(organization, first, "second")
    member = create_member_account(server, organization.client)

    _move(organization, member, organization.root_id, first)
    _move(organization, member, first, second)

    assert _parents(organization, member) == [{"Id": second, "Type": "ORGANIZATIONAL_UNIT"}]
    _move(organization, member, second, organization.root_id)
    assert _parents(organization, member) == [{"Id": organization.root_id, "Type": "ROOT"}]
    assert sorted(_children(organization, organization.root_id, "ACCOUNT")) == sorted(
        [management.account_id, member]
    )


def test_move_to_current_parent_is_duplicate(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _move(organization, management.account_id, organization.root_id, organization.root_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "DuplicateAccountException"
    assert response["Error"]["Message"] == (
        "That account is already present in the specified destination."
    )


def test_move_from_wrong_source(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization, organization.root_id, "not-the-parent")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _move(organization, management.account_id, unit, organization.root_id)

    response = error_of(raised)
    assert response["Error"]["Code"] == "SourceParentNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find a source root or OU with the ParentId that you specified."
    )


def test_move_from_unknown_source(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization, organization.root_id, "destination")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _move(organization, management.account_id, organization.missing_ou_id, unit)

    assert error_of(raised)["Error"]["Code"] == "SourceParentNotFoundException"


def test_move_to_unknown_destination(server: Server, management: Account) -> None:
    organization = new_organization(server, management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _move(
            organization,
            management.account_id,
            organization.root_id,
            organization.missing_ou_id,
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "DestinationParentNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find the destination container (a root or OU) with the ParentId that you "
        "specified."
    )


def test_move_to_other_organizations_ou(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    other = new_organization(server, server.new_account())
    foreign = _ou(other, other.root_id, "foreign")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _move(organization, management.account_id, organization.root_id, foreign)

    assert error_of(raised)["Error"]["Code"] == "DestinationParentNotFoundException"


def test_move_account_outside_organization(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    outsider = server.new_account()
    unit = _ou(organization, organization.root_id, "destination")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _move(organization, outsider.account_id, organization.root_id, unit)

    response = error_of(raised)
    assert response["Error"]["Code"] == "AccountNotFoundException"
    assert response["Error"]["Message"] == (
        "We can't find an Amazon Web Services account with the AccountId that you specified, or "
        "the account whose credentials you used to make this request isn't a member of an "
        "organization."
    )


def test_move_by_member_is_access_denied(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    member = member_with_root_key(server, organization)
    unit = _ou(organization, organization.root_id, "destination")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).move_account(
            AccountId=member.account_id,
            SourceParentId=organization.root_id,
            DestinationParentId=unit,
        )

    response = error_of(raised)
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "You don't have permissions to access this resource."
    assert _parents(organization, member.account_id) == [
        {"Id": organization.root_id, "Type": "ROOT"}
    ]


def test_move_account_is_audited(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization, organization.root_id, "audited")

    _move(organization, management.account_id, organization.root_id, unit)

    events = server.client("cloudtrail", management).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "MoveAccount"}]
    )["Events"]
    arn = (
        f"arn:aws:organizations::{management.account_id}:account/{organization.id}/"
        f"{management.account_id}"
    )
    assert any(
        resource.get("ResourceName") == arn
        for event in events
        for resource in event.get("Resources", [])
    )


# Concurrency


def test_concurrent_delete_and_move_into_ou(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    member = create_member_account(server, organization.client)
    move_client = server.client("organizations", management)
    outcomes: list[tuple[str, str]] = []

    for round_number in range(5):
        unit = _ou(organization, organization.root_id, f"race-{round_number}")

        def delete(unit_id: str = unit) -> str:
            try:
                organization.client.delete_organizational_unit(OrganizationalUnitId=unit_id)
            except botocore.exceptions.ClientError as error:
                return str(error.response["Error"]["Code"])
            return "deleted"

        def move(unit_id: str = unit) -> str:
            try:
                move_client.move_account(
                    AccountId=member,
                    SourceParentId=organization.root_id,
                    DestinationParentId=unit_id,
                )
            except botocore.exceptions.ClientError as error:
                return str(error.response["Error"]["Code"])
            return "moved"

        with ThreadPoolExecutor(max_workers=2) as pool:
            deleted, moved = pool.submit(delete), pool.submit(move)
            outcome = (deleted.result(), moved.result())
        outcomes.append(outcome)

        # Exactly one of the two wins: an OU never disappears with an account inside it.
        assert outcome in {
            ("deleted", "DestinationParentNotFoundException"),
            ("OrganizationalUnitNotEmptyException", "moved"),
        }
        if outcome[1] == "moved":
            assert _parents(organization, member) == [{"Id": unit, "Type": "ORGANIZATIONAL_UNIT"}]
            _move(organization, member, unit, organization.root_id)
        assert _parents(organization, member) == [{"Id": organization.root_id, "Type": "ROOT"}]


# Delegated administrator


def test_delegated_administrator_reads_but_cannot_move(server: Server, management: Account) -> None:
    organization = new_organization(server, management)
    unit = _ou(organization, organization.root_id, "visible")
    member = member_with_root_key(server, organization)
    organization.client.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    organization.client.register_delegated_administrator(
        AccountId=member.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    delegated = server.client("organizations", member)

    children = delegated.list_children(
        ParentId=organization.root_id, ChildType="ORGANIZATIONAL_UNIT"
    )
    parents = delegated.list_parents(ChildId=member.account_id)["Parents"]
    described = delegated.describe_account(AccountId=member.account_id)["Account"]

    assert children["Children"] == [{"Id": unit, "Type": "ORGANIZATIONAL_UNIT"}]
    assert parents == [{"Id": organization.root_id, "Type": "ROOT"}]
    assert described["Id"] == member.account_id
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        delegated.move_account(
            AccountId=member.account_id,
            SourceParentId=organization.root_id,
            DestinationParentId=unit,
        )
    response = error_of(raised)
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "You don't have permissions to access this resource."
