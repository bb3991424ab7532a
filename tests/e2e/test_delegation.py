"""Trusted service access and delegated administrators through boto3."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from orgstack.store.schema import accounts
from tests.e2e.organization_helpers import failure, invite_and_join, new_organization
from tests.harness import Server

SSO = "sso.amazonaws.com"
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"
ACCESS_DENIED = "You don't have permissions to access this resource."


def test_enable_service_access_is_listed(server: Server) -> None:
    _, client = new_organization(server)

    client.enable_aws_service_access(ServicePrincipal=SSO)
    client.enable_aws_service_access(ServicePrincipal="guardduty.amazonaws.com")
    first = client.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    client.enable_aws_service_access(ServicePrincipal=SSO)
    again = client.list_aws_service_access_for_organization()["EnabledServicePrincipals"]

    assert [item["ServicePrincipal"] for item in first] == ["guardduty.amazonaws.com", SSO]
    assert again == first


def test_service_access_pages(server: Server) -> None:
    _, client = new_organization(server)
    for principal in (SSO, "guardduty.amazonaws.com", "ram.amazonaws.com"):
        client.enable_aws_service_access(ServicePrincipal=principal)

    first = client.list_aws_service_access_for_organization(MaxResults=2)
    second = client.list_aws_service_access_for_organization(
        MaxResults=2, NextToken=first["NextToken"]
    )

    names = [item["ServicePrincipal"] for item in first["EnabledServicePrincipals"]]
    names += [item["ServicePrincipal"] for item in second["EnabledServicePrincipals"]]
    assert names == ["guardduty.amazonaws.com", "ram.amazonaws.com", SSO]
    assert "NextToken" not in second


def test_disable_service_access_removes_it(server: Server) -> None:
    _, client = new_organization(server)
    client.enable_aws_service_access(ServicePrincipal=SSO)

    client.disable_aws_service_access(ServicePrincipal=SSO)

    assert client.list_aws_service_access_for_organization()["EnabledServicePrincipals"] == []


@pytest.mark.parametrize(
    "operation",
    ["enable_aws_service_access", "disable_aws_service_access"],
)
def test_unknown_service_principal_is_invalid_input(server: Server, operation: str) -> None:
    _, client = new_organization(server)

    status, error, reason = failure(
        getattr(client, operation), ServicePrincipal="nothing.amazonaws.com"
    )

    assert status == 400
    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == "You specified a service principal that isn't recognized."
    assert reason == "UNRECOGNIZED_SERVICE_PRINCIPAL"


def test_service_access_needs_all_features(server: Server) -> None:
    _, client = new_organization(server, "CONSOLIDATED_BILLING")

    _, error, reason = failure(client.enable_aws_service_access, ServicePrincipal=SSO)

    assert error["Code"] == "ConstraintViolationException"
    assert reason == "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"


def test_member_cannot_enable_service_access(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)

    _, error, _ = failure(
        server.client("organizations", member).enable_aws_service_access, ServicePrincipal=SSO
    )

    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED


def test_register_lists_administrator_and_service(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=SSO)

    client.register_delegated_administrator(AccountId=member.account_id, ServicePrincipal=SSO)

    administrators = client.list_delegated_administrators()["DelegatedAdministrators"]
    filtered = client.list_delegated_administrators(ServicePrincipal=SSO)["DelegatedAdministrators"]
    other = client.list_delegated_administrators(ServicePrincipal="guardduty.amazonaws.com")
    services = client.list_delegated_services_for_account(AccountId=member.account_id)
    account = client.describe_account(AccountId=member.account_id)["Account"]
    assert len(administrators) == 1
    assert administrators[0]["Id"] == member.account_id
    assert administrators[0]["Arn"] == account["Arn"]
    assert administrators[0]["Email"] == member.email
    assert administrators[0]["Name"] == member.name
    assert administrators[0]["Status"] == "ACTIVE"
    assert administrators[0]["JoinedMethod"] == "INVITED"
    assert "DelegationEnabledDate" in administrators[0]
    assert filtered == administrators
    assert other["DelegatedAdministrators"] == []
    assert [item["ServicePrincipal"] for item in services["DelegatedServices"]] == [SSO]


def test_delegated_administrator_may_read(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=SSO)
    member_client = server.client("organizations", member)
    _, before, _ = failure(member_client.list_delegated_administrators)

    client.register_delegated_administrator(AccountId=member.account_id, ServicePrincipal=SSO)

    listed = member_client.list_delegated_administrators()["DelegatedAdministrators"]
    access = member_client.list_aws_service_access_for_organization()
    assert before["Code"] == "AccessDeniedException"
    assert [item["Id"] for item in listed] == [member.account_id]
    assert [item["ServicePrincipal"] for item in access["EnabledServicePrincipals"]] == [SSO]


def test_register_twice_is_already_registered(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=STACKSETS)
    client.register_delegated_administrator(AccountId=member.account_id, ServicePrincipal=STACKSETS)

    status, error, _ = failure(
        client.register_delegated_administrator,
        AccountId=member.account_id,
        ServicePrincipal=STACKSETS,
    )

    assert status == 400
    assert error["Code"] == "AccountAlreadyRegisteredException"
    assert error["Message"] == (
        "The specified account is already a delegated administrator for this Amazon Web "
        "Services service."
    )


def test_register_management_account_is_rejected(server: Server) -> None:
    management, client = new_organization(server)
    client.enable_aws_service_access(ServicePrincipal=SSO)

    _, error, reason = failure(
        client.register_delegated_administrator,
        AccountId=management.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == (
        "You attempted to register the management account of the organization as a delegated "
        "administrator for an Amazon Web Services service integrated with Organizations. You can "
        "designate only a member account as a delegated administrator."
    )
    assert reason == "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"


def test_register_before_service_access_is_rejected(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)

    _, error, reason = failure(
        client.register_delegated_administrator,
        AccountId=member.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == (
        "You attempted to register a delegated administrator before you enabled service access. "
        "Call the EnableAWSServiceAccess API first."
    )
    assert reason == "SERVICE_ACCESS_NOT_ENABLED"


def test_second_administrator_exceeds_service_limit(server: Server) -> None:
    _, client = new_organization(server)
    first = invite_and_join(server, client)
    second = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=SSO)
    client.register_delegated_administrator(AccountId=first.account_id, ServicePrincipal=SSO)

    _, error, reason = failure(
        client.register_delegated_administrator,
        AccountId=second.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "ConstraintViolationException"
    assert reason == "MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED"


def test_stacksets_allows_several_administrators(server: Server) -> None:
    _, client = new_organization(server)
    first = invite_and_join(server, client)
    second = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=STACKSETS)

    for account in (first, second):
        client.register_delegated_administrator(
            AccountId=account.account_id, ServicePrincipal=STACKSETS
        )

    listed = client.list_delegated_administrators(ServicePrincipal=STACKSETS)
    assert {item["Id"] for item in listed["DelegatedAdministrators"]} == {
        first.account_id,
        second.account_id,
    }


def test_register_account_outside_organization_is_not_found(server: Server) -> None:
    _, client = new_organization(server)
    outsider = server.new_account()
    client.enable_aws_service_access(ServicePrincipal=SSO)

    _, error, _ = failure(
        client.register_delegated_administrator,
        AccountId=outsider.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "AccountNotFoundException"
    assert error["Message"] == "You specified an account that doesn't exist."


def test_register_unknown_principal_is_invalid_input(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)

    _, error, reason = failure(
        client.register_delegated_administrator,
        AccountId=member.account_id,
        ServicePrincipal="nothing.amazonaws.com",
    )

    assert error["Code"] == "InvalidInputException"
    assert reason == "UNRECOGNIZED_SERVICE_PRINCIPAL"


def test_deregister_removes_administrator(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=SSO)
    client.register_delegated_administrator(AccountId=member.account_id, ServicePrincipal=SSO)

    client.deregister_delegated_administrator(AccountId=member.account_id, ServicePrincipal=SSO)

    assert client.list_delegated_administrators()["DelegatedAdministrators"] == []
    _, error, _ = failure(client.list_delegated_services_for_account, AccountId=member.account_id)
    assert error["Code"] == "AccountNotRegisteredException"
    assert error["Message"] == (
        "The specified account is not a delegated administrator for this Amazon Web Services "
        "service."
    )


def test_deregister_unregistered_is_not_registered(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)

    _, error, _ = failure(
        client.deregister_delegated_administrator,
        AccountId=member.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "AccountNotRegisteredException"


def test_member_cannot_register(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=SSO)

    _, error, _ = failure(
        server.client("organizations", member).register_delegated_administrator,
        AccountId=member.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == ACCESS_DENIED


def test_delegated_services_for_unknown_account_is_not_found(server: Server) -> None:
    _, client = new_organization(server)

    _, error, _ = failure(client.list_delegated_services_for_account, AccountId="000000000000")

    assert error["Code"] == "AccountNotFoundException"


def test_register_suspended_account_is_rejected(server: Server) -> None:
    _, client = new_organization(server)
    member = invite_and_join(server, client)
    client.enable_aws_service_access(ServicePrincipal=SSO)
    with server.database().transaction() as connection:
        connection.execute(
            update(accounts).where(accounts.c.id == member.account_id).values(status="SUSPENDED")
        )

    _, error, reason = failure(
        client.register_delegated_administrator,
        AccountId=member.account_id,
        ServicePrincipal=SSO,
    )

    assert error["Code"] == "ConstraintViolationException"
    assert (
        error["Message"] == "You cannot register a suspended account as a delegated administrator."
    )
    assert reason == "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR"
