"""sso-admin application assignments through boto3 against the real server."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.identity_center_helpers import account_instance, new_group, new_user
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import new_identity_center, unique_name, user_in_store
from tests.harness import Server, create_member_account, give_root_key

CUSTOM = "arn:aws:sso::aws:applicationProvider/custom"


@dataclass(frozen=True)
class Setup:
    sso_admin: Any
    identitystore: Any
    instance_arn: str
    store_id: str


@pytest.fixture(scope="module")
def setup(server: Server) -> Setup:
    account, instance_arn, store_id = account_instance(server)
    return Setup(
        server.client("sso-admin", account),
        server.client("identitystore", account),
        instance_arn,
        store_id,
    )


def _application(setup: Setup) -> str:
    return str(
        setup.sso_admin.create_application(
            InstanceArn=setup.instance_arn, ApplicationProviderArn=CUSTOM, Name=unique_name("App")
        )["ApplicationArn"]
    )


def _user(setup: Setup) -> str:
    return new_user(setup.identitystore, setup.store_id, f"user.{secrets.token_hex(4)}")


def test_create_describe_delete_assignment(setup: Setup) -> None:
    application_arn = _application(setup)
    user_id = _user(setup)
    request = {"ApplicationArn": application_arn, "PrincipalType": "USER", "PrincipalId": user_id}

    setup.sso_admin.create_application_assignment(**request)
    described = setup.sso_admin.describe_application_assignment(**request)
    setup.sso_admin.delete_application_assignment(**request)
    status, error, _ = failure(setup.sso_admin.describe_application_assignment, **request)

    assert described["ApplicationArn"] == application_arn
    assert described["PrincipalType"] == "USER"
    assert described["PrincipalId"] == user_id
    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"USER {user_id} is not assigned to the application."


def test_assignment_twice_conflicts(setup: Setup) -> None:
    application_arn = _application(setup)
    group_id = new_group(setup.identitystore, setup.store_id, unique_name("Group"))
    request = {"ApplicationArn": application_arn, "PrincipalType": "GROUP", "PrincipalId": group_id}
    setup.sso_admin.create_application_assignment(**request)

    status, error, _ = failure(setup.sso_admin.create_application_assignment, **request)

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == f"GROUP {group_id} is already assigned to the application."


def test_assignment_needs_existing_principal(setup: Setup) -> None:
    application_arn = _application(setup)
    missing = str(uuid.uuid4())

    status, error, _ = failure(
        setup.sso_admin.create_application_assignment,
        ApplicationArn=application_arn,
        PrincipalType="USER",
        PrincipalId=missing,
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == (f"USER {missing} not found in identity store {setup.store_id}.")


def test_user_id_as_group_is_not_found(setup: Setup) -> None:
    application_arn = _application(setup)
    user_id = _user(setup)

    status, error, _ = failure(
        setup.sso_admin.create_application_assignment,
        ApplicationArn=application_arn,
        PrincipalType="GROUP",
        PrincipalId=user_id,
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"GROUP {user_id} not found in identity store {setup.store_id}."


def test_delete_missing_assignment(setup: Setup) -> None:
    application_arn = _application(setup)
    user_id = _user(setup)

    status, error, _ = failure(
        setup.sso_admin.delete_application_assignment,
        ApplicationArn=application_arn,
        PrincipalType="USER",
        PrincipalId=user_id,
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"USER {user_id} is not assigned to the application."


def test_list_assignments_pages(setup: Setup) -> None:
    application_arn = _application(setup)
    users = [_user(setup) for _ in range(3)]
    for user_id in users:
        setup.sso_admin.create_application_assignment(
            ApplicationArn=application_arn, PrincipalType="USER", PrincipalId=user_id
        )

    first = setup.sso_admin.list_application_assignments(
        ApplicationArn=application_arn, MaxResults=2
    )
    second = setup.sso_admin.list_application_assignments(
        ApplicationArn=application_arn, MaxResults=2, NextToken=first["NextToken"]
    )

    listed = [item["PrincipalId"] for item in first["ApplicationAssignments"]]
    listed += [item["PrincipalId"] for item in second["ApplicationAssignments"]]
    assert sorted(listed) == sorted(users)
    assert len(first["ApplicationAssignments"]) == 2
    assert "NextToken" not in second


def test_list_assignments_for_principal(setup: Setup) -> None:
    user_id = _user(setup)
    applications = sorted(_application(setup) for _ in range(2))
    for application_arn in applications:
        setup.sso_admin.create_application_assignment(
            ApplicationArn=application_arn, PrincipalType="USER", PrincipalId=user_id
        )
    request = {"InstanceArn": setup.instance_arn, "PrincipalType": "USER", "PrincipalId": user_id}

    everything = setup.sso_admin.list_application_assignments_for_principal(**request)
    filtered = setup.sso_admin.list_application_assignments_for_principal(
        **request, Filter={"ApplicationArn": applications[1]}
    )

    assert [item["ApplicationArn"] for item in everything["ApplicationAssignments"]] == (
        applications
    )
    assert filtered["ApplicationAssignments"] == [
        {"ApplicationArn": applications[1], "PrincipalType": "USER", "PrincipalId": user_id}
    ]


def test_list_for_missing_principal(setup: Setup) -> None:
    missing = str(uuid.uuid4())

    status, error, _ = failure(
        setup.sso_admin.list_application_assignments_for_principal,
        InstanceArn=setup.instance_arn,
        PrincipalType="GROUP",
        PrincipalId=missing,
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"GROUP {missing} not found in identity store {setup.store_id}."


def test_delete_application_removes_assignments(setup: Setup) -> None:
    application_arn = _application(setup)
    user_id = _user(setup)
    setup.sso_admin.create_application_assignment(
        ApplicationArn=application_arn, PrincipalType="USER", PrincipalId=user_id
    )

    setup.sso_admin.delete_application(ApplicationArn=application_arn)
    listed = setup.sso_admin.list_application_assignments_for_principal(
        InstanceArn=setup.instance_arn, PrincipalType="USER", PrincipalId=user_id
    )

    assert listed["ApplicationAssignments"] == []


def test_assignment_in_other_instance_is_denied(server: Server, setup: Setup) -> None:
    application_arn = _application(setup)
    stranger, _, _ = account_instance(server)

    status, error, _ = failure(
        server.client("sso-admin", stranger).list_application_assignments,
        ApplicationArn=application_arn,
    )

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == "You do not have sufficient access to perform this action."


def test_member_lists_for_principal_with_filter(server: Server) -> None:
    center = new_identity_center(server)
    member = give_root_key(server, create_member_account(server, center.organizations))
    center.organizations.register_delegated_administrator(
        AccountId=member.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    delegated = server.client("sso-admin", member)
    application_arn = delegated.create_application(
        InstanceArn=center.instance_arn, ApplicationProviderArn=CUSTOM, Name="Delegated"
    )["ApplicationArn"]
    user_id = user_in_store(center)
    delegated.create_application_assignment(
        ApplicationArn=application_arn, PrincipalType="USER", PrincipalId=user_id
    )
    request = {"InstanceArn": center.instance_arn, "PrincipalType": "USER", "PrincipalId": user_id}

    filtered = delegated.list_application_assignments_for_principal(
        **request, Filter={"ApplicationArn": application_arn}
    )
    everything = center.sso_admin.list_application_assignments_for_principal(**request)
    status, error, _ = failure(delegated.list_application_assignments_for_principal, **request)

    assert [item["ApplicationArn"] for item in filtered["ApplicationAssignments"]] == [
        application_arn
    ]
    assert [item["ApplicationArn"] for item in everything["ApplicationAssignments"]] == [
        application_arn
    ]
    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "A member account must set Filter.ApplicationArn to list the application assignments of "
        "a principal of the organization instance."
    )
