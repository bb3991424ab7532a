"""The access portal API (botocore `sso`) with tokens from sso-oidc.

Covered: the signed-in user's accounts and roles, role credentials that work against the server
and are held to the permission set, and tokens that stop working at expiry or sign-out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from orgstack import identity_center
from orgstack.store.schema import audit_events
from tests.e2e.identity_center_helpers import account_instance, new_user
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import assign
from tests.e2e.sso_flow_helpers import sign_in
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.e2e.sts_helpers import session_client
from tests.e2e.test_sso_oidc_device import oauth_failure
from tests.harness import Server, create_member_account, fresh_database_url, start_server


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def token_of(server: Server, portal: Portal, user_id: str) -> str:
    return str(sign_in(server, portal.center.store_id, user_id)["accessToken"])


def credentials_of(server: Server, token: str, account_id: str, role: str) -> dict[str, Any]:
    reply = server.client("sso").get_role_credentials(
        accessToken=token, accountId=account_id, roleName=role
    )
    return dict(reply["roleCredentials"])


def as_sts(credentials: dict[str, Any]) -> dict[str, Any]:
    return {
        "AccessKeyId": credentials["accessKeyId"],
        "SecretAccessKey": credentials["secretAccessKey"],
        "SessionToken": credentials["sessionToken"],
    }


def test_list_accounts_of_direct_assignment(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)

    accounts = server.client("sso").list_accounts(accessToken=token)["accountList"]

    assert [item["accountId"] for item in accounts] == [portal.account_a]
    assert accounts[0]["accountName"] == "Workloads A"
    assert accounts[0]["emailAddress"].startswith("member-")


def test_list_accounts_through_group(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.bob)

    accounts = server.client("sso").list_accounts(accessToken=token)["accountList"]

    assert [item["accountId"] for item in accounts] == [portal.account_b]


def test_list_account_roles_one_per_permission_set(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    sso = server.client("sso")

    roles = sso.list_account_roles(accessToken=token, accountId=portal.account_a)["roleList"]

    assert roles == [
        {"roleName": "Auditor", "accountId": portal.account_a},
        {"roleName": "Developer", "accountId": portal.account_a},
    ]


def test_list_account_roles_pages(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    sso = server.client("sso")

    first = sso.list_account_roles(accessToken=token, accountId=portal.account_a, maxResults=1)
    second = sso.list_account_roles(
        accessToken=token, accountId=portal.account_a, maxResults=1, nextToken=first["nextToken"]
    )

    assert [item["roleName"] for item in first["roleList"]] == ["Auditor"]
    assert [item["roleName"] for item in second["roleList"]] == ["Developer"]
    assert "nextToken" not in second


def test_other_users_account_shows_no_roles(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.bob)
    sso = server.client("sso")

    roles = sso.list_account_roles(accessToken=token, accountId=portal.account_a)["roleList"]

    assert roles == []


def test_role_credentials_work_with_sts(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    before_ms = int(time.time() * 1000)

    credentials = credentials_of(server, token, portal.account_a, "Developer")
    identity = session_client(server, "sts", as_sts(credentials)).get_caller_identity()

    assert credentials["accessKeyId"].startswith("ASIA")
    assert identity["Account"] == portal.account_a
    role_arn_prefix = f"arn:aws:sts::{portal.account_a}:assumed-role/AWSReservedSSO_Developer_"
    assert identity["Arn"].startswith(role_arn_prefix)
    assert identity["Arn"].endswith("/alice.smith")
    role_name = identity["Arn"].split("/")[1]
    assert len(role_name) == len("AWSReservedSSO_Developer_") + 16
    # The permission sets' session durations (PT2H and PT1H), in epoch milliseconds. Other tests
    # may move the shared server's clock forward, so the two lifetimes are compared.
    auditor = credentials_of(server, token, portal.account_a, "Auditor")
    difference_ms = credentials["expiration"] - auditor["expiration"]
    assert 3600 * 1000 - 60_000 <= difference_ms <= 3600 * 1000
    assert credentials["expiration"] - before_ms >= 2 * 3600 * 1000 - 60_000


def test_role_credentials_held_to_permission_set(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    credentials = as_sts(credentials_of(server, token, portal.account_a, "Developer"))

    organization = session_client(server, "organizations", credentials).describe_organization()
    status, error, _ = failure(session_client(server, "iam", credentials).list_roles)

    assert organization["Organization"]["MasterAccountId"] == portal.center.management.account_id
    assert (status, error["Code"]) == (403, "AccessDenied")
    assert "iam:ListRoles" in error["Message"]


def test_access_control_attributes_become_session_tags(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    credentials = as_sts(credentials_of(server, token, portal.account_a, "Auditor"))

    roles = session_client(server, "iam", credentials).list_roles()["Roles"]

    assert any(role["RoleName"].startswith("AWSReservedSSO_Auditor_") for role in roles)


def test_unassigned_role_is_forbidden(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.bob)
    sso = server.client("sso")

    failures = [
        oauth_failure(
            sso.get_role_credentials, accessToken=token, accountId=account, roleName=role
        )[:3]
        for account, role in (
            (portal.account_a, "Developer"),
            (portal.account_a, "Auditor"),
            (portal.account_b, "Auditor"),
            (portal.account_b, "NoSuchRole"),
        )
    ]

    assert failures == [(403, "ForbiddenException", "No access")] * 4


def test_closed_account_leaves_portal(server: Server, portal: Portal) -> None:
    center = portal.center
    closing = create_member_account(server, center.organizations, "Closing")
    user_id = new_user(center.identitystore, center.store_id, "closing.user")
    assert assign(center, portal.developer_arn, closing, user_id)["Status"] == "SUCCEEDED"
    token = token_of(server, portal, user_id)
    sso = server.client("sso")
    assert [item["accountId"] for item in sso.list_accounts(accessToken=token)["accountList"]] == [
        closing
    ]

    center.organizations.close_account(AccountId=closing)

    assert sso.list_accounts(accessToken=token)["accountList"] == []
    denied = oauth_failure(
        sso.get_role_credentials, accessToken=token, accountId=closing, roleName="Developer"
    )
    assert denied[:3] == (403, "ForbiddenException", "No access")


def test_missing_or_unknown_token_is_unauthorized(server: Server) -> None:
    sso = server.client("sso")

    failure = oauth_failure(sso.list_accounts, accessToken="not-a-token")

    assert failure[:3] == (401, "UnauthorizedException", "Session token not found or invalid")


def test_logout_revokes_token(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    sso = server.client("sso")

    sso.logout(accessToken=token)

    for call, extra in (
        (sso.list_accounts, {}),
        (sso.list_account_roles, {"accountId": portal.account_a}),
        (sso.get_role_credentials, {"accountId": portal.account_a, "roleName": "Developer"}),
        (sso.logout, {}),
    ):
        failure = oauth_failure(call, accessToken=token, **extra)
        assert failure[:3] == (401, "UnauthorizedException", "Session token not found or invalid")


def test_deleted_user_token_is_unauthorized(server: Server, portal: Portal) -> None:
    user_id = new_user(portal.center.identitystore, portal.center.store_id, "leaver.user")
    token = token_of(server, portal, user_id)
    portal.center.identitystore.delete_user(IdentityStoreId=portal.center.store_id, UserId=user_id)

    failure = oauth_failure(server.client("sso").list_accounts, accessToken=token)

    assert failure[:2] == (401, "UnauthorizedException")


def test_audit_event_names_user_and_hides_secrets(server: Server, portal: Portal) -> None:
    token = token_of(server, portal, portal.alice)
    sso = server.client("sso")
    reply = sso.get_role_credentials(
        accessToken=token, accountId=portal.account_a, roleName="Developer"
    )
    request_id = reply["ResponseMetadata"]["RequestId"]

    with server.database().transaction(write=False) as connection:
        row = connection.execute(
            select(audit_events.c.record_json).where(audit_events.c.request_id == request_id)
        ).one()
    record = orjson.loads(row.record_json)

    assert record["eventSource"] == "sso.amazonaws.com"
    assert record["eventName"] == "GetRoleCredentials"
    assert record["userIdentity"]["type"] == "IdentityCenterUser"
    assert record["userIdentity"]["onBehalfOf"]["userId"] == portal.alice
    assert record["userIdentity"]["onBehalfOf"]["identityStoreArn"].endswith(
        f"identitystore/{portal.center.store_id}"
    )
    credentials = reply["roleCredentials"]
    for secret in (token, credentials["secretAccessKey"], credentials["sessionToken"]):
        assert secret not in row.record_json


# Tests that move the clock run on a server of their own.


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("sso-portal")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url)
        try:
            yield running
        finally:
            running.stop()


def lone_user(server: Server) -> tuple[str, str, str]:
    """Return (instance ARN, identity store id, user id) of a user of a new account instance."""
    owner, instance_arn, store_id = account_instance(server)
    user_id = new_user(server.client("identitystore", owner), store_id, "clock.user")
    return instance_arn, store_id, user_id


def test_token_expires_after_portal_session(own_server: Server) -> None:
    _, store_id, user_id = lone_user(own_server)
    token = str(sign_in(own_server, store_id, user_id)["accessToken"])
    sso = own_server.client("sso")
    sso.list_accounts(accessToken=token)

    own_server.advance_clock(8 * 3600 + 1)

    failure = oauth_failure(sso.list_accounts, accessToken=token)
    assert failure[:3] == (401, "UnauthorizedException", "Session token not found or invalid")


def test_portal_session_duration_setting(own_server: Server) -> None:
    instance_arn, store_id, user_id = lone_user(own_server)
    with own_server.database().transaction() as connection:
        instance = identity_center.find_by_arn(connection, instance_arn)
        assert instance is not None
        instance.settings["portal_session_seconds"] = 900
        identity_center.save_instance(connection, instance)

    signed_in = sign_in(own_server, store_id, user_id)

    assert signed_in["expiresIn"] == 900
    own_server.advance_clock(901)
    failure = oauth_failure(
        own_server.client("sso").list_accounts, accessToken=signed_in["accessToken"]
    )
    assert failure[1] == "UnauthorizedException"
