"""CloseAccount, RemoveAccountFromOrganization and LeaveOrganization through boto3.

These tests move the business clock by days, so they run on a server of their own instead of the
session's server.
"""

from __future__ import annotations

import secrets
import signal
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from orgstack.accounts import insert_account_row
from orgstack.clock import Clock
from orgstack.services.organizations.account_exit import close_quota
from orgstack.store.schema import accounts, jobs
from tests.e2e.organization_helpers import (
    attached_policies,
    failure,
    invite_and_join,
    new_organization,
    stored_tags,
)
from tests.harness import (
    Account,
    Server,
    create_member_account,
    fresh_database_url,
    give_root_key,
    start_server,
)

CLOSURE_DELAY_SECONDS = 5 * 60
WAIT_PERIOD_SECONDS = 4 * 24 * 3600
ACCOUNT_NOT_FOUND = "You specified an account that doesn't exist."
MASTER_CANNOT_LEAVE = (
    "You can't remove a management account from an organization. If you want the management "
    "account to become a member account in another organization, you must first delete the "
    "current organization."
)
WAIT_PERIOD_MESSAGE = (
    "After you create an Amazon Web Services account, you must wait until at least four days "
    "after the account was created. Invited accounts aren't subject to this waiting period."
)


@pytest.fixture(scope="module")
def exit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("exit")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--max-accounts", "100000"))
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def org(exit_server: Server) -> tuple[Account, Any]:
    """The management account and Organizations client of a new all-features organization."""
    return new_organization(exit_server)


def _describe(client: Any, account_id: str) -> dict[str, Any]:
    account: dict[str, Any] = client.describe_account(AccountId=account_id)["Account"]
    return account


def _wait_for_state(client: Any, account_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    account = _describe(client, account_id)
    while account["State"] != state and time.monotonic() < deadline:
        time.sleep(0.02)
        account = _describe(client, account_id)
    return account


def _is_member(server: Server, account_id: str) -> bool:
    with server.database().transaction(write=False) as connection:
        organization_id = connection.execute(
            select(accounts.c.organization_id).where(accounts.c.id == account_id)
        ).scalar()
    return organization_id is not None


# CloseAccount


def test_close_account_reply_is_empty(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)

    reply = client.close_account(AccountId=account_id)

    assert set(reply) == {"ResponseMetadata"}
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_closed_account_is_pending_closure(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)

    client.close_account(AccountId=account_id)
    account = _describe(client, account_id)

    assert account["Status"] == "PENDING_CLOSURE"
    assert account["State"] == "PENDING_CLOSURE"


def test_closure_suspends_after_delay(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)
    client.close_account(AccountId=account_id)
    time.sleep(0.3)
    assert _describe(client, account_id)["State"] == "PENDING_CLOSURE"

    exit_server.advance_clock(CLOSURE_DELAY_SECONDS + 1)
    account = _wait_for_state(client, account_id, "SUSPENDED")

    assert account["Status"] == "SUSPENDED"
    assert account["State"] == "SUSPENDED"
    listed = [item["Id"] for item in client.list_accounts()["Accounts"]]
    assert account_id in listed


def test_closed_after_post_closure_period(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)
    client.close_account(AccountId=account_id)
    exit_server.advance_clock(CLOSURE_DELAY_SECONDS + 1)
    _wait_for_state(client, account_id, "SUSPENDED")

    exit_server.advance_clock(90 * 24 * 3600 + 1)
    account = _wait_for_state(client, account_id, "CLOSED")

    assert account["State"] == "CLOSED"
    # The model's account Status has no CLOSED value; it stays SUSPENDED.
    assert account["Status"] == "SUSPENDED"
    assert _is_member(exit_server, account_id)


@pytest.mark.parametrize("suspended", [False, True])
def test_close_twice_is_already_closed(
    exit_server: Server, org: tuple[Account, Any], suspended: bool
) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)
    client.close_account(AccountId=account_id)
    if suspended:
        exit_server.advance_clock(CLOSURE_DELAY_SECONDS + 1)
        _wait_for_state(client, account_id, "SUSPENDED")

    status, error, _ = failure(client.close_account, AccountId=account_id)

    assert status == 400
    assert error["Code"] == "AccountAlreadyClosedException"
    assert error["Message"] == "You attempted to close an account that is already closed."


def test_cannot_close_management_account(org: tuple[Account, Any]) -> None:
    management, client = org

    _, error, reason = failure(client.close_account, AccountId=management.account_id)

    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == (
        "You attempted to close the management account. To close the management account for the "
        "organization, you must first either remove or close all member accounts in the "
        "organization."
    )
    assert reason == "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"


def test_close_unknown_account(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    outsider = exit_server.new_account()

    _, error, _ = failure(client.close_account, AccountId=outsider.account_id)

    assert error["Code"] == "AccountNotFoundException"
    assert error["Message"] == ACCOUNT_NOT_FOUND


def test_close_malformed_account_id(org: tuple[Account, Any]) -> None:
    _, client = org

    _, error, reason = failure(client.close_account, AccountId="12345")

    assert error["Code"] == "InvalidInputException"
    assert reason == "INVALID_PATTERN"


def test_member_cannot_close_account(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = give_root_key(exit_server, create_member_account(exit_server, client))
    other = create_member_account(exit_server, client)

    _, error, _ = failure(
        exit_server.client("organizations", member).close_account, AccountId=other
    )

    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == "You don't have permissions to access this resource."
    assert _describe(client, other)["State"] == "ACTIVE"


def test_close_needs_all_features(exit_server: Server) -> None:
    _, client = new_organization(exit_server, feature_set="CONSOLIDATED_BILLING")
    account_id = create_member_account(exit_server, client)

    _, error, reason = failure(client.close_account, AccountId=account_id)

    assert error["Code"] == "ConstraintViolationException"
    assert reason == "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"


def test_close_quota_floor_share_and_ceiling() -> None:
    assert close_quota(1) == 250
    assert close_quota(1250) == 250
    assert close_quota(2000) == 400
    assert close_quota(10_000) == 1000


def _insert_members(server: Server, organization_id: str, root_id: str, count: int) -> list[str]:
    """Store `count` member accounts directly, as a large organization's setup."""
    from orgstack.accounts import new_account_id

    created: list[str] = []
    now = Clock().now()
    with server.database().transaction() as connection:
        for _ in range(count):
            account_id = new_account_id(connection)
            email = f"bulk-{secrets.token_hex(8)}@example.com"
            insert_account_row(connection, account_id, "Bulk", email, now)
            connection.execute(
                update(accounts)
                .where(accounts.c.id == account_id)
                .values(
                    organization_id=organization_id,
                    parent_id=root_id,
                    joined_method="INVITED",
                    joined_at=now,
                )
            )
            created.append(account_id)
    return created


def test_close_quota_exceeded(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    organization_id = client.describe_organization()["Organization"]["Id"]
    root_id = client.list_roots()["Roots"][0]["Id"]
    members = _insert_members(exit_server, organization_id, root_id, 251)
    for account_id in members[:250]:
        client.close_account(AccountId=account_id)

    _, error, reason = failure(client.close_account, AccountId=members[250])

    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == "You have exceeded close account quota for the past 30 days."
    assert reason == "CLOSE_ACCOUNT_QUOTA_EXCEEDED"
    assert _describe(client, members[250])["State"] == "ACTIVE"

    exit_server.advance_clock(30 * 24 * 3600 + 1)
    client.close_account(AccountId=members[250])

    assert _describe(client, members[250])["State"] == "PENDING_CLOSURE"


def test_closure_survives_server_kill(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("restart")
    with fresh_database_url(data_dir) as database_url:
        first = start_server(data_dir, database_url)
        management = first.management
        client = first.client("organizations")
        client.create_organization()
        account_id = create_member_account(first, client)
        client.close_account(AccountId=account_id)
        # The suspension job is due five minutes later, so it is still pending at the kill.
        first.stop(signal.SIGKILL)

        second = start_server(
            data_dir,
            database_url,
            master_key=first.master_key,
            management_key=(management.access_key_id, management.secret_access_key),
        )
        try:
            client = second.client("organizations")
            assert _describe(client, account_id)["State"] == "PENDING_CLOSURE"

            second.advance_clock(CLOSURE_DELAY_SECONDS + 1)
            account = _wait_for_state(client, account_id, "SUSPENDED")
        finally:
            second.stop()

    assert account["State"] == "SUSPENDED"


# RemoveAccountFromOrganization


def test_remove_invited_account(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = invite_and_join(exit_server, client)
    client.tag_resource(ResourceId=member.account_id, Tags=[{"Key": "team", "Value": "a"}])
    assert attached_policies(exit_server, member.account_id) == {"p-FullAWSAccess"}

    reply = client.remove_account_from_organization(AccountId=member.account_id)

    assert set(reply) == {"ResponseMetadata"}
    assert not _is_member(exit_server, member.account_id)
    assert attached_policies(exit_server, member.account_id) == set()
    assert stored_tags(exit_server, member.account_id) == {}
    _, error, _ = failure(client.describe_account, AccountId=member.account_id)
    assert error["Code"] == "AccountNotFoundException"


def test_removed_account_is_standalone(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = invite_and_join(exit_server, client)
    client.remove_account_from_organization(AccountId=member.account_id)
    member_client = exit_server.client("organizations", member)

    _, error, _ = failure(member_client.describe_organization)

    assert error["Code"] == "AWSOrganizationsNotInUseException"
    own = member_client.create_organization()["Organization"]
    assert own["MasterAccountId"] == member.account_id


def test_remove_created_account_waits(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)

    _, error, reason = failure(client.remove_account_from_organization, AccountId=account_id)

    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == WAIT_PERIOD_MESSAGE
    assert reason == "WAIT_PERIOD_ACTIVE"
    assert _is_member(exit_server, account_id)

    exit_server.advance_clock(WAIT_PERIOD_SECONDS + 1)
    client.remove_account_from_organization(AccountId=account_id)

    assert not _is_member(exit_server, account_id)


def test_remove_management_account(org: tuple[Account, Any]) -> None:
    management, client = org

    _, error, _ = failure(client.remove_account_from_organization, AccountId=management.account_id)

    assert error["Code"] == "MasterCannotLeaveOrganizationException"
    assert error["Message"] == MASTER_CANNOT_LEAVE


def test_remove_delegated_administrator(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = invite_and_join(exit_server, client)
    client.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    client.register_delegated_administrator(
        AccountId=member.account_id, ServicePrincipal="sso.amazonaws.com"
    )

    _, error, reason = failure(client.remove_account_from_organization, AccountId=member.account_id)

    assert error["Code"] == "ConstraintViolationException"
    assert reason == "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG"
    assert _is_member(exit_server, member.account_id)


def test_remove_unknown_account(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    outsider = exit_server.new_account()

    _, error, _ = failure(client.remove_account_from_organization, AccountId=outsider.account_id)

    assert error["Code"] == "AccountNotFoundException"
    assert error["Message"] == ACCOUNT_NOT_FOUND


def test_member_cannot_remove_account(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = invite_and_join(exit_server, client)
    other = invite_and_join(exit_server, client)

    _, error, _ = failure(
        exit_server.client("organizations", member).remove_account_from_organization,
        AccountId=other.account_id,
    )

    assert error["Code"] == "AccessDeniedException"
    assert _is_member(exit_server, other.account_id)


# LeaveOrganization


def test_invited_member_leaves(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = invite_and_join(exit_server, client)
    member_client = exit_server.client("organizations", member)

    reply = member_client.leave_organization()

    assert set(reply) == {"ResponseMetadata"}
    assert not _is_member(exit_server, member.account_id)
    assert attached_policies(exit_server, member.account_id) == set()
    _, error, _ = failure(member_client.describe_organization)
    assert error["Code"] == "AWSOrganizationsNotInUseException"


def test_created_member_leaves_after_wait(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    member = give_root_key(exit_server, create_member_account(exit_server, client))
    member_client = exit_server.client("organizations", member)

    _, error, reason = failure(member_client.leave_organization)

    assert error["Code"] == "ConstraintViolationException"
    assert error["Message"] == WAIT_PERIOD_MESSAGE
    assert reason == "WAIT_PERIOD_ACTIVE"

    exit_server.advance_clock(WAIT_PERIOD_SECONDS + 1)
    member_client.leave_organization()

    assert not _is_member(exit_server, member.account_id)


def test_management_cannot_leave(org: tuple[Account, Any]) -> None:
    _, client = org

    _, error, _ = failure(client.leave_organization)

    assert error["Code"] == "MasterCannotLeaveOrganizationException"
    assert error["Message"] == MASTER_CANNOT_LEAVE


def test_delegated_administrator_cannot_leave(
    exit_server: Server, org: tuple[Account, Any]
) -> None:
    _, client = org
    member = invite_and_join(exit_server, client)
    client.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    client.register_delegated_administrator(
        AccountId=member.account_id, ServicePrincipal="sso.amazonaws.com"
    )

    _, error, reason = failure(exit_server.client("organizations", member).leave_organization)

    assert error["Code"] == "ConstraintViolationException"
    assert reason == "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG"


def test_standalone_account_cannot_leave(exit_server: Server) -> None:
    outsider = exit_server.new_account()

    _, error, _ = failure(exit_server.client("organizations", outsider).leave_organization)

    assert error["Code"] == "AWSOrganizationsNotInUseException"
    assert error["Message"] == "Your account isn't a member of an organization."


def test_jobs_of_closures_are_done(exit_server: Server, org: tuple[Account, Any]) -> None:
    _, client = org
    account_id = create_member_account(exit_server, client)
    client.close_account(AccountId=account_id)
    exit_server.advance_clock(CLOSURE_DELAY_SECONDS + 1)
    _wait_for_state(client, account_id, "SUSPENDED")

    with exit_server.database().transaction(write=False) as connection:
        rows = connection.execute(
            select(jobs.c.state, jobs.c.attempts).where(jobs.c.payload_json.contains(account_id))
        ).all()

    assert ("done", 1) in [(row.state, row.attempts) for row in rows]
    assert all(row.state in ("done", "pending") for row in rows)


def test_close_result_event(exit_server: Server, org: tuple[Account, Any]) -> None:
    management, client = org
    account_id = create_member_account(exit_server, client)
    client.close_account(AccountId=account_id)
    exit_server.advance_clock(CLOSURE_DELAY_SECONDS + 1)
    _wait_for_state(client, account_id, "SUSPENDED")

    trail = exit_server.client("cloudtrail", management)
    reply = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CloseAccountResult"}]
    )
    records = [orjson.loads(event["CloudTrailEvent"]) for event in reply["Events"]]
    mine = [
        record
        for record in records
        if record["serviceEventDetails"]["closeAccountStatus"]["accountId"] == account_id
    ]

    assert len(mine) == 1
    assert mine[0]["eventType"] == "AwsServiceEvent"
    assert mine[0]["recipientAccountId"] == management.account_id
    assert mine[0]["serviceEventDetails"]["closeAccountStatus"]["state"] == "SUCCEEDED"
