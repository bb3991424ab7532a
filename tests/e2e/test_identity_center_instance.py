"""IAM Identity Center instances: `orgstack identity-center enable` and sso-admin's instance
operations, through the CLI and boto3 against the real server."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from orgstack.store.schema_identity import (
    mfa_devices,
    oidc_grants,
    permission_set_managed_policies,
    permission_sets,
    portal_credentials,
    portal_sessions,
)
from tests.e2e.identity_center_helpers import (
    account_instance,
    enable_organization_instance,
    new_user,
    orgstack_command,
)
from tests.e2e.organization_helpers import failure, invite_and_join, new_organization
from tests.e2e.sign_in_state_helpers import store_sign_in_state, user_rows
from tests.e2e.sso_admin_helpers import (
    assign,
    member_iam,
    new_identity_center,
    new_permission_set,
    sso_roles,
    user_in_store,
)
from tests.harness import Server, create_member_account, fresh_database_url, start_server

INSTANCE_ARN = re.compile(r"arn:aws:sso:::instance/ssoins-[a-f0-9]{16}")
STORE_ID = re.compile(r"d-[0-9a-f]{10}")
DENIED = "You do not have sufficient access to perform this action."


def test_enable_prints_instance_store_and_start_url(server: Server) -> None:
    management, organizations = new_organization(server)

    printed = enable_organization_instance(server, management)

    assert INSTANCE_ARN.fullmatch(printed["instance_arn"])
    assert STORE_ID.fullmatch(printed["identity_store_id"])
    assert printed["start_url"] == "http://127.0.0.1:4580/start"
    described = server.client("sso-admin", management).describe_instance(
        InstanceArn=printed["instance_arn"]
    )
    assert described["IdentityStoreId"] == printed["identity_store_id"]
    assert described["OwnerAccountId"] == management.account_id
    assert described["Status"] == "ACTIVE"
    assert described["PermissionSetsEnabled"] is True
    assert described["IdentityStoreArn"] == (
        f"arn:aws:identitystore::{management.account_id}:identitystore/"
        f"{printed['identity_store_id']}"
    )
    access = organizations.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert "sso.amazonaws.com" in [item["ServicePrincipal"] for item in access]


def test_enable_uses_public_base_url(server: Server) -> None:
    management, _ = new_organization(server)

    result = orgstack_command(
        server,
        "identity-center", "enable",
        "--account", management.account_id,
        "--public-base-url", "https://sso.example.com/",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "start_url: https://sso.example.com/start\n" in result.stdout


def test_enable_twice_is_rejected(server: Server) -> None:
    management, _ = new_organization(server)
    first = enable_organization_instance(server, management)

    again = orgstack_command(
        server, "identity-center", "enable", "--account", management.account_id
    )

    assert again.returncode == 2
    assert again.stderr == (
        f"orgstack: account `{management.account_id}` already has the instance "
        f"`{first['instance_arn']}` (identity store `{first['identity_store_id']}`).\n"
    )


def test_enable_finds_only_organization(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as database_url:
        running = start_server(tmp_path, database_url)
        try:
            without_organization = orgstack_command(running, "identity-center", "enable")
            running.client("organizations").create_organization(FeatureSet="ALL")
            enabled = orgstack_command(running, "identity-center", "enable")
            listed = running.client("sso-admin").list_instances()["Instances"]
        finally:
            running.stop()

    assert without_organization.returncode == 2
    assert without_organization.stderr == (
        "orgstack: the store has no organization: create one first with "
        "`aws organizations create-organization`, using the management account's keys.\n"
    )
    assert enabled.returncode == 0, enabled.stderr
    assert f"instance_arn: {listed[0]['InstanceArn']}\n" in enabled.stdout
    assert listed[0]["OwnerAccountId"] == running.management.account_id


def test_enable_needs_management_account(server: Server) -> None:
    standalone = server.new_account()

    result = orgstack_command(
        server, "identity-center", "enable", "--account", standalone.account_id
    )

    assert result.returncode == 2
    assert result.stderr == (
        f"orgstack: account `{standalone.account_id}` is not the management account of an "
        "organization: create the organization first, or pass its management account.\n"
    )


def test_create_instance_in_standalone_account(server: Server) -> None:
    owner = server.new_account()
    sso_admin = server.client("sso-admin", owner)

    arn = sso_admin.create_instance(Name="team-a", Tags=[{"Key": "env", "Value": "test"}])[
        "InstanceArn"
    ]

    assert INSTANCE_ARN.fullmatch(arn)
    described = sso_admin.describe_instance(InstanceArn=arn)
    assert described["Name"] == "team-a"
    assert described["OwnerAccountId"] == owner.account_id
    assert described["Status"] == "ACTIVE"
    assert described["PrimaryRegion"] == "us-east-1"
    assert described["PermissionSetsEnabled"] is False
    assert described["EncryptionConfigurationDetails"]["KeyType"] == "AWS_OWNED_KMS_KEY"
    assert STORE_ID.fullmatch(described["IdentityStoreId"])
    listed = sso_admin.list_instances()["Instances"]
    assert [item["InstanceArn"] for item in listed] == [arn]
    assert listed[0]["IdentityStoreId"] == described["IdentityStoreId"]


def test_create_instance_twice_conflicts(server: Server) -> None:
    owner, _, _ = account_instance(server)

    status, error, _ = failure(server.client("sso-admin", owner).create_instance)

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == "An instance of IAM Identity Center already exists in this account."


def test_create_instance_retry_with_client_token(server: Server) -> None:
    owner = server.new_account()
    sso_admin = server.client("sso-admin", owner)

    first = sso_admin.create_instance(Name="retry", ClientToken="token-1")["InstanceArn"]
    second = sso_admin.create_instance(Name="retry", ClientToken="token-1")["InstanceArn"]
    status, error, _ = failure(sso_admin.create_instance, Name="other", ClientToken="token-1")

    assert second == first
    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The ClientToken was already used with different parameters."


def test_create_instance_in_management_account_rejected(server: Server) -> None:
    management, _ = new_organization(server)

    status, error, _ = failure(server.client("sso-admin", management).create_instance)

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "An account instance cannot be created in the management account of an organization."
    )


def test_member_account_instance_beside_organization_instance(server: Server) -> None:
    management, organizations = new_organization(server)
    organization_arn = enable_organization_instance(server, management)["instance_arn"]
    member = invite_and_join(server, organizations)

    _, member_arn, _ = account_instance(server, member)

    member_list = server.client("sso-admin", member).list_instances()["Instances"]
    assert [item["InstanceArn"] for item in member_list] == [member_arn]
    management_list = server.client("sso-admin", management).list_instances()["Instances"]
    assert [item["InstanceArn"] for item in management_list] == [organization_arn]


def test_other_account_cannot_describe_instance(server: Server) -> None:
    _, arn, _ = account_instance(server)
    stranger = server.new_account()

    status, error, _ = failure(
        server.client("sso-admin", stranger).describe_instance, InstanceArn=arn
    )

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == DENIED


def test_delegated_administrator_uses_organization_instance(server: Server) -> None:
    management, organizations = new_organization(server)
    arn = enable_organization_instance(server, management)["instance_arn"]
    delegate = invite_and_join(server, organizations)
    organizations.register_delegated_administrator(
        AccountId=delegate.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    sso_admin = server.client("sso-admin", delegate)

    listed = sso_admin.list_instances()["Instances"]
    described = sso_admin.describe_instance(InstanceArn=arn)
    status, error, _ = failure(sso_admin.delete_instance, InstanceArn=arn)

    assert [item["InstanceArn"] for item in listed] == [arn]
    assert described["OwnerAccountId"] == management.account_id
    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == "Only the account that owns the instance can delete it."


def test_member_without_delegation_cannot_see_organization_instance(server: Server) -> None:
    management, organizations = new_organization(server)
    arn = enable_organization_instance(server, management)["instance_arn"]
    member = invite_and_join(server, organizations)
    sso_admin = server.client("sso-admin", member)

    status, error, _ = failure(sso_admin.describe_instance, InstanceArn=arn)

    assert sso_admin.list_instances()["Instances"] == []
    assert error["Code"] == "AccessDeniedException"
    assert status == 400


def test_update_instance_name_and_encryption(server: Server) -> None:
    owner, arn, _ = account_instance(server)
    sso_admin = server.client("sso-admin", owner)
    key_arn = (
        f"arn:aws:kms:us-east-1:{owner.account_id}:key/" + "1" * 8 + "-1111-1111-1111-" + "1" * 12
    )

    sso_admin.update_instance(
        InstanceArn=arn,
        Name="renamed",
        EncryptionConfiguration={"KeyType": "CUSTOMER_MANAGED_KEY", "KmsKeyArn": key_arn},
    )

    described = sso_admin.describe_instance(InstanceArn=arn)
    assert described["Name"] == "renamed"
    assert described["EncryptionConfigurationDetails"]["KeyType"] == "CUSTOMER_MANAGED_KEY"
    assert described["EncryptionConfigurationDetails"]["KmsKeyArn"] == key_arn


def test_update_instance_customer_key_needs_arn(server: Server) -> None:
    owner, arn, _ = account_instance(server)

    status, error, _ = failure(
        server.client("sso-admin", owner).update_instance,
        InstanceArn=arn,
        EncryptionConfiguration={"KeyType": "CUSTOMER_MANAGED_KEY"},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "KmsKeyArn is required when KeyType is CUSTOMER_MANAGED_KEY."


def test_update_unknown_instance_not_found(server: Server) -> None:
    owner = server.new_account()
    arn = "arn:aws:sso:::instance/ssoins-0000000000000000"

    status, error, _ = failure(
        server.client("sso-admin", owner).update_instance, InstanceArn=arn, Name="x"
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Instance {arn} not found."


def test_describe_instance_rejects_malformed_arn(server: Server) -> None:
    status, error, _ = failure(
        server.client("sso-admin", server.new_account()).describe_instance,
        InstanceArn="arn:aws:sso:::instance/nope",
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value 'arn:aws:sso:::instance/nope' at 'instanceArn' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}"
    )


def test_delete_instance_removes_identity_store(server: Server) -> None:
    owner, arn, store_id = account_instance(server)
    identitystore = server.client("identitystore", owner)
    identitystore.create_group(IdentityStoreId=store_id, DisplayName="before")

    server.client("sso-admin", owner).delete_instance(InstanceArn=arn)

    assert server.client("sso-admin", owner).list_instances()["Instances"] == []
    status, error, _ = failure(identitystore.list_groups, IdentityStoreId=store_id)
    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    recreated = server.client("sso-admin", owner).create_instance()["InstanceArn"]
    assert recreated != arn


def test_delete_instance_removes_permission_sets(server: Server) -> None:
    owner, arn, _ = account_instance(server)
    set_arn = f"arn:aws:sso:::permissionSet/{arn.rsplit('/', 1)[-1]}/ps-0123456789abcdef"
    now = dt.datetime.now(dt.UTC)
    with server.database().transaction() as connection:
        connection.execute(
            permission_sets.insert().values(
                permission_set_arn=set_arn,
                instance_arn=arn,
                name="Readers",
                session_duration="PT1H",
                created_at=now,
                updated_at=now,
            )
        )
        connection.execute(
            permission_set_managed_policies.insert().values(
                permission_set_arn=set_arn, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess"
            )
        )

    server.client("sso-admin", owner).delete_instance(InstanceArn=arn)

    with server.database().transaction(write=False) as connection:
        sets = connection.execute(
            select(permission_sets).where(permission_sets.c.instance_arn == arn)
        ).all()
        policies = connection.execute(
            select(permission_set_managed_policies).where(
                permission_set_managed_policies.c.permission_set_arn == set_arn
            )
        ).all()
    assert sets == []
    assert policies == []


def test_delete_instance_removes_sso_roles(server: Server) -> None:
    center = new_identity_center(server)
    first = create_member_account(server, center.organizations)
    second = create_member_account(server, center.organizations)
    user_id = user_in_store(center)
    readers, admins = new_permission_set(center), new_permission_set(center)
    for permission_set, account_id in ((readers, first), (readers, second), (admins, first)):
        assert assign(center, permission_set, account_id, user_id)["Status"] == "SUCCEEDED"
    first_iam, second_iam = member_iam(server, center, first), member_iam(server, center, second)
    before = (len(sso_roles(first_iam)), len(sso_roles(second_iam)))

    center.sso_admin.delete_instance(InstanceArn=center.instance_arn)

    assert before == (2, 1)
    assert sso_roles(first_iam) == []
    assert sso_roles(second_iam) == []


def test_delete_instance_removes_sign_in_state(server: Server) -> None:
    owner, arn, store_id = account_instance(server)
    user_id = new_user(server.client("identitystore", owner), store_id, "signed.in")
    store_sign_in_state(server, store_id, user_id)
    tables = (portal_credentials, mfa_devices, portal_sessions, oidc_grants)

    server.client("sso-admin", owner).delete_instance(InstanceArn=arn)

    for table in tables:
        assert user_rows(server, table, store_id, user_id) == [], table.name
