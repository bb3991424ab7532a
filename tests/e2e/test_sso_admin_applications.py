"""sso-admin applications and application providers through boto3 against the real server."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.identity_center_helpers import account_instance
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import new_identity_center, unique_name
from tests.harness import Account, Server, create_member_account, give_root_key

CUSTOM = "arn:aws:sso::aws:applicationProvider/custom"
CUSTOM_SAML = "arn:aws:sso::aws:applicationProvider/custom-saml"
DENIED = "You do not have sufficient access to perform this action."
APPLICATION_ARN = re.compile(
    r"arn:aws:sso::(?P<account>\d{12}):application/(?P<instance>ssoins-[0-9a-f]{16})/apl-[0-9a-f]{16}"
)


@dataclass(frozen=True)
class Owner:
    account: Account
    sso_admin: Any
    instance_arn: str
    store_id: str


@pytest.fixture(scope="module")
def owner(server: Server) -> Owner:
    account, instance_arn, store_id = account_instance(server)
    return Owner(account, server.client("sso-admin", account), instance_arn, store_id)


def _create(owner: Owner, **extra: Any) -> str:
    request = {"InstanceArn": owner.instance_arn, "ApplicationProviderArn": CUSTOM}
    request.update({"Name": unique_name("App"), **extra})
    return str(owner.sso_admin.create_application(**request)["ApplicationArn"])


def _missing_arn(owner: Owner) -> str:
    instance_id = owner.instance_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sso::{owner.account.account_id}:application/{instance_id}/apl-0000000000000000"


# Application providers


def test_list_application_providers(owner: Owner) -> None:
    listed = owner.sso_admin.list_application_providers()["ApplicationProviders"]

    arns = [provider["ApplicationProviderArn"] for provider in listed]
    assert arns == [CUSTOM, CUSTOM_SAML]
    assert listed[0]["FederationProtocol"] == "OAUTH"
    assert listed[1]["FederationProtocol"] == "SAML"


def test_list_application_providers_pages(owner: Owner) -> None:
    first = owner.sso_admin.list_application_providers(MaxResults=1)
    second = owner.sso_admin.list_application_providers(MaxResults=1, NextToken=first["NextToken"])

    assert [item["ApplicationProviderArn"] for item in first["ApplicationProviders"]] == [CUSTOM]
    assert [item["ApplicationProviderArn"] for item in second["ApplicationProviders"]] == [
        CUSTOM_SAML
    ]
    assert "NextToken" not in second


def test_describe_application_provider(owner: Owner) -> None:
    described = owner.sso_admin.describe_application_provider(ApplicationProviderArn=CUSTOM)

    assert described["ApplicationProviderArn"] == CUSTOM
    assert described["FederationProtocol"] == "OAUTH"
    assert described["DisplayData"]["DisplayName"] == "Customer managed OAuth 2.0 application"


def test_describe_unknown_application_provider(owner: Owner) -> None:
    arn = "arn:aws:sso::aws:applicationProvider/nothing-here"

    status, error, _ = failure(
        owner.sso_admin.describe_application_provider, ApplicationProviderArn=arn
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Application provider {arn} not found."


# Create and describe


def test_create_and_describe_application(owner: Owner) -> None:
    name = unique_name("App")
    portal = {
        "Visibility": "ENABLED",
        "SignInOptions": {"Origin": "APPLICATION", "ApplicationUrl": "https://app.example.com/"},
    }

    created = owner.sso_admin.create_application(
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM,
        Name=name,
        Description="Team wiki",
        PortalOptions=portal,
    )
    described = owner.sso_admin.describe_application(ApplicationArn=created["ApplicationArn"])

    match = APPLICATION_ARN.fullmatch(created["ApplicationArn"])
    assert match is not None
    assert match["account"] == owner.account.account_id
    assert match["instance"] == owner.instance_arn.rsplit("/", 1)[-1]
    assert created["InstanceArn"] == owner.instance_arn
    assert created["IdentityStoreArn"].endswith(f":identitystore/{owner.store_id}")
    assert described["Name"] == name
    assert described["Description"] == "Team wiki"
    assert described["Status"] == "ENABLED"
    assert described["PortalOptions"] == portal
    assert described["ApplicationAccount"] == owner.account.account_id
    assert described["ApplicationProviderArn"] == CUSTOM
    assert described["CreatedFrom"] == "us-east-1"
    assert "CreatedDate" in described


def test_create_application_with_saml_provider(owner: Owner) -> None:
    status, error, _ = failure(
        owner.sso_admin.create_application,
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM_SAML,
        Name=unique_name("App"),
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"The application provider with arn '{CUSTOM_SAML}' is not supported for this action."
    )


def test_create_application_duplicate_name(owner: Owner) -> None:
    name = unique_name("App")
    _create(owner, Name=name)

    status, error, _ = failure(
        owner.sso_admin.create_application,
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM,
        Name=name,
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == f"An application named {name} already exists in this instance."


def test_create_application_url_required(owner: Owner) -> None:
    status, error, _ = failure(
        owner.sso_admin.create_application,
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM,
        Name=unique_name("App"),
        PortalOptions={"SignInOptions": {"Origin": "APPLICATION"}},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "ApplicationUrl is required when the sign-in Origin is APPLICATION."


def test_create_application_client_token(owner: Owner) -> None:
    token = str(uuid.uuid4())
    name = unique_name("App")

    first = _create(owner, Name=name, ClientToken=token)
    again = _create(owner, Name=name, ClientToken=token)
    status, error, _ = failure(
        owner.sso_admin.create_application,
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM,
        Name=unique_name("Other"),
        ClientToken=token,
    )

    assert again == first
    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The ClientToken was already used with different parameters."


def test_create_application_invalid_name_length(owner: Owner) -> None:
    status, error, _ = failure(
        owner.sso_admin.create_application,
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM,
        Name="x" * 101,
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"1 validation error detected: Value '{'x' * 101}' at 'name' failed to satisfy "
        "constraint: "
        "Member must have length less than or equal to 100"
    )


def test_describe_missing_application(owner: Owner) -> None:
    arn = _missing_arn(owner)

    status, error, _ = failure(owner.sso_admin.describe_application, ApplicationArn=arn)

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Application {arn} not found."


def test_other_account_is_denied(server: Server, owner: Owner) -> None:
    arn = _create(owner)
    outsider = server.client("sso-admin", server.new_account())

    describe_status, describe_error, _ = failure(outsider.describe_application, ApplicationArn=arn)
    create_status, create_error, _ = failure(
        outsider.create_application,
        InstanceArn=owner.instance_arn,
        ApplicationProviderArn=CUSTOM,
        Name=unique_name("App"),
    )

    assert describe_status == 400
    assert describe_error["Code"] == "AccessDeniedException"
    assert describe_error["Message"] == DENIED
    assert create_status == 400
    assert create_error["Code"] == "AccessDeniedException"
    assert create_error["Message"] == DENIED


# List, update, delete


def test_list_applications_pages_and_filters(server: Server) -> None:
    account, instance_arn, store_id = account_instance(server)
    owner = Owner(account, server.client("sso-admin", account), instance_arn, store_id)
    arns = sorted(_create(owner) for _ in range(3))

    first = owner.sso_admin.list_applications(InstanceArn=instance_arn, MaxResults=2)
    second = owner.sso_admin.list_applications(
        InstanceArn=instance_arn, MaxResults=2, NextToken=first["NextToken"]
    )
    by_provider = owner.sso_admin.list_applications(
        InstanceArn=instance_arn, Filter={"ApplicationProvider": CUSTOM_SAML}
    )
    by_account = owner.sso_admin.list_applications(
        InstanceArn=instance_arn, Filter={"ApplicationAccount": account.account_id}
    )

    assert [item["ApplicationArn"] for item in first["Applications"]] == arns[:2]
    assert [item["ApplicationArn"] for item in second["Applications"]] == arns[2:]
    assert "NextToken" not in second
    assert by_provider["Applications"] == []
    assert len(by_account["Applications"]) == 3


def test_list_applications_token_bound_to_filter(owner: Owner) -> None:
    _create(owner)
    _create(owner)
    first = owner.sso_admin.list_applications(InstanceArn=owner.instance_arn, MaxResults=1)

    status, error, _ = failure(
        owner.sso_admin.list_applications,
        InstanceArn=owner.instance_arn,
        MaxResults=1,
        NextToken=first["NextToken"],
        Filter={"ApplicationProvider": CUSTOM},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The NextToken is not valid."


def test_update_application(owner: Owner) -> None:
    arn = _create(owner, Description="Before", PortalOptions={"Visibility": "DISABLED"})
    name = unique_name("Renamed")

    owner.sso_admin.update_application(
        ApplicationArn=arn,
        Name=name,
        Status="DISABLED",
        PortalOptions={"SignInOptions": {"Origin": "IDENTITY_CENTER"}},
    )
    described = owner.sso_admin.describe_application(ApplicationArn=arn)

    assert described["Name"] == name
    assert described["Status"] == "DISABLED"
    assert described["Description"] == "Before"
    assert described["PortalOptions"] == {
        "Visibility": "DISABLED",
        "SignInOptions": {"Origin": "IDENTITY_CENTER"},
    }


def test_update_application_to_taken_name(owner: Owner) -> None:
    taken = unique_name("Taken")
    _create(owner, Name=taken)
    arn = _create(owner)

    status, error, _ = failure(owner.sso_admin.update_application, ApplicationArn=arn, Name=taken)

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == f"An application named {taken} already exists in this instance."


def test_delete_application(owner: Owner) -> None:
    arn = _create(owner)

    owner.sso_admin.delete_application(ApplicationArn=arn)
    status, error, _ = failure(owner.sso_admin.delete_application, ApplicationArn=arn)

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Application {arn} not found."
    listed = owner.sso_admin.list_applications(InstanceArn=owner.instance_arn)["Applications"]
    assert arn not in [item["ApplicationArn"] for item in listed]


def test_delegated_administrator_manages_applications(server: Server) -> None:
    center = new_identity_center(server)
    member = give_root_key(server, create_member_account(server, center.organizations))
    center.organizations.register_delegated_administrator(
        AccountId=member.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    delegated = server.client("sso-admin", member)
    own_arn = delegated.create_application(
        InstanceArn=center.instance_arn, ApplicationProviderArn=CUSTOM, Name="Delegated"
    )["ApplicationArn"]
    center.sso_admin.create_application(
        InstanceArn=center.instance_arn, ApplicationProviderArn=CUSTOM, Name="Management"
    )

    delegated.update_application(ApplicationArn=own_arn, Description="Set by the delegate")
    described = center.sso_admin.describe_application(ApplicationArn=own_arn)
    own = delegated.list_applications(
        InstanceArn=center.instance_arn, Filter={"ApplicationAccount": member.account_id}
    )
    everything = center.sso_admin.list_applications(InstanceArn=center.instance_arn)
    unfiltered_status, unfiltered_error, _ = failure(
        delegated.list_applications, InstanceArn=center.instance_arn
    )
    other_status, other_error, _ = failure(
        delegated.list_applications,
        InstanceArn=center.instance_arn,
        Filter={"ApplicationAccount": center.management.account_id},
    )

    match = APPLICATION_ARN.fullmatch(own_arn)
    assert match is not None
    assert match["account"] == member.account_id
    assert described["ApplicationAccount"] == member.account_id
    assert described["Description"] == "Set by the delegate"
    assert [item["ApplicationArn"] for item in own["Applications"]] == [own_arn]
    assert len(everything["Applications"]) == 2
    assert unfiltered_status == 400
    assert unfiltered_error["Code"] == "ValidationException"
    assert unfiltered_error["Message"] == (
        "A member account must set Filter.ApplicationAccount to its own account ID to list the "
        "applications of the organization instance."
    )
    assert other_status == 400
    assert other_error["Code"] == "AccessDeniedException"
    assert other_error["Message"] == DENIED


def test_list_applications_page_at_most_fifty(server: Server) -> None:
    account, instance_arn, store_id = account_instance(server)
    owner = Owner(account, server.client("sso-admin", account), instance_arn, store_id)
    for _ in range(51):
        _create(owner)

    first = owner.sso_admin.list_applications(InstanceArn=instance_arn, MaxResults=100)
    second = owner.sso_admin.list_applications(
        InstanceArn=instance_arn, MaxResults=100, NextToken=first["NextToken"]
    )

    assert len(first["Applications"]) == 50
    assert len(second["Applications"]) == 1
    assert "NextToken" not in second


def test_tag_application(owner: Owner) -> None:
    arn = _create(owner)

    owner.sso_admin.tag_resource(
        InstanceArn=owner.instance_arn, ResourceArn=arn, Tags=[{"Key": "team", "Value": "blue"}]
    )
    listed = owner.sso_admin.list_tags_for_resource(InstanceArn=owner.instance_arn, ResourceArn=arn)

    assert listed["Tags"] == [{"Key": "team", "Value": "blue"}]
    owner.sso_admin.untag_resource(
        InstanceArn=owner.instance_arn, ResourceArn=arn, TagKeys=["team"]
    )
    after = owner.sso_admin.list_tags_for_resource(InstanceArn=owner.instance_arn, ResourceArn=arn)
    assert after["Tags"] == []


def test_tag_missing_application_is_not_found(owner: Owner) -> None:
    arn = _missing_arn(owner)

    status, error, _ = failure(
        owner.sso_admin.tag_resource,
        InstanceArn=owner.instance_arn,
        ResourceArn=arn,
        Tags=[{"Key": "k", "Value": "v"}],
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Resource {arn} not found."
