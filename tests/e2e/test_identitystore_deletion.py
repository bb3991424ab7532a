"""Deleting an identity store user or group removes the access it was given: account and
application assignments, the AWSReservedSSO_* role of a set's last assignment in an account, and
a user's access portal sign-in state. Through boto3 against the real server."""

from __future__ import annotations

from typing import Any

import pytest

from orgstack.store.schema_identity import (
    mfa_devices,
    oidc_grants,
    portal_credentials,
    portal_sessions,
)
from tests.e2e.identity_center_helpers import new_group
from tests.e2e.sign_in_state_helpers import store_sign_in_state, user_rows
from tests.e2e.sso_admin_helpers import (
    IdentityCenter,
    assign,
    member_iam,
    new_identity_center,
    new_permission_set,
    sso_roles,
    unique_name,
    user_in_store,
)
from tests.harness import Server, create_member_account

CUSTOM_PROVIDER = "arn:aws:sso::aws:applicationProvider/custom"


@pytest.fixture(scope="module")
def center(server: Server) -> IdentityCenter:
    return new_identity_center(server)


@pytest.fixture(scope="module")
def member(server: Server, center: IdentityCenter) -> str:
    return create_member_account(server, center.organizations)


def _set_roles(server: Server, center: IdentityCenter, account_id: str, arn: str) -> list[str]:
    name = center.sso_admin.describe_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["PermissionSet"]["Name"]
    return [
        role["RoleName"]
        for role in sso_roles(member_iam(server, center, account_id))
        if role["RoleName"].startswith(f"AWSReservedSSO_{name}_")
    ]


def _account_assignments(center: IdentityCenter, account_id: str, arn: str) -> list[Any]:
    return list(
        center.sso_admin.list_account_assignments(
            InstanceArn=center.instance_arn, AccountId=account_id, PermissionSetArn=arn
        )["AccountAssignments"]
    )


def _application(center: IdentityCenter) -> str:
    return str(
        center.sso_admin.create_application(
            InstanceArn=center.instance_arn,
            ApplicationProviderArn=CUSTOM_PROVIDER,
            Name=unique_name("App"),
        )["ApplicationArn"]
    )


def _application_principals(center: IdentityCenter, application_arn: str) -> list[str]:
    listed = center.sso_admin.list_application_assignments(ApplicationArn=application_arn)
    return [item["PrincipalId"] for item in listed["ApplicationAssignments"]]


def test_delete_user_removes_assignments_and_role(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    user_id, other_id = user_in_store(center), user_in_store(center)
    application_arn = _application(center)
    assign(center, arn, member, user_id)
    for principal_id in (user_id, other_id):
        center.sso_admin.create_application_assignment(
            ApplicationArn=application_arn, PrincipalType="USER", PrincipalId=principal_id
        )
    roles_before = _set_roles(server, center, member, arn)

    center.identitystore.delete_user(IdentityStoreId=center.store_id, UserId=user_id)

    assert len(roles_before) == 1
    assert _account_assignments(center, member, arn) == []
    assert _set_roles(server, center, member, arn) == []
    assert _application_principals(center, application_arn) == [other_id]
    provisioned = center.sso_admin.list_accounts_for_provisioned_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn
    )["AccountIds"]
    assert provisioned == []


def test_role_stays_while_group_assignment_remains(
    server: Server, center: IdentityCenter, member: str
) -> None:
    arn = new_permission_set(center)
    user_id = user_in_store(center)
    group_id = new_group(center.identitystore, center.store_id, unique_name("group"))
    assign(center, arn, member, user_id)
    assign(center, arn, member, group_id, "GROUP")

    center.identitystore.delete_user(IdentityStoreId=center.store_id, UserId=user_id)
    after_user = _account_assignments(center, member, arn)
    roles_after_user = _set_roles(server, center, member, arn)
    center.identitystore.delete_group(IdentityStoreId=center.store_id, GroupId=group_id)

    assert [item["PrincipalId"] for item in after_user] == [group_id]
    assert len(roles_after_user) == 1
    assert _account_assignments(center, member, arn) == []
    assert _set_roles(server, center, member, arn) == []


def test_delete_group_removes_application_assignment(center: IdentityCenter) -> None:
    group_id = new_group(center.identitystore, center.store_id, unique_name("group"))
    application_arn = _application(center)
    center.sso_admin.create_application_assignment(
        ApplicationArn=application_arn, PrincipalType="GROUP", PrincipalId=group_id
    )

    center.identitystore.delete_group(IdentityStoreId=center.store_id, GroupId=group_id)

    assert _application_principals(center, application_arn) == []


def test_delete_user_removes_sign_in_state(server: Server, center: IdentityCenter) -> None:
    user_id = user_in_store(center)
    store_sign_in_state(server, center.store_id, user_id)
    tables = (portal_credentials, mfa_devices, portal_sessions, oidc_grants)
    before = [len(user_rows(server, table, center.store_id, user_id)) for table in tables]

    center.identitystore.delete_user(IdentityStoreId=center.store_id, UserId=user_id)

    assert before == [1, 1, 1, 1]
    for table in tables:
        assert user_rows(server, table, center.store_id, user_id) == [], table.name
