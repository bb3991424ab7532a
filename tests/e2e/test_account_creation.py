"""CreateAccount, DescribeCreateAccountStatus, ListCreateAccountStatus and CreateGovCloudAccount
through boto3, with the created account checked in the store."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import orjson
import pytest
from sqlalchemy import select

from orgstack.store.schema import (
    access_keys,
    accounts,
    create_account_requests,
    iam_role_attached_policies,
    iam_roles,
    jobs,
    policy_attachments,
    roots,
    tags,
)
from tests.e2e.organization_helpers import failure, invite_and_join
from tests.harness import (
    Account,
    Server,
    create_member_account,
    fresh_database_url,
    give_root_key,
    start_server,
)


def _email() -> str:
    return f"new-{secrets.token_hex(6)}@example.com"


def _wait(client: Any, request_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        status: dict[str, Any] = client.describe_create_account_status(
            CreateAccountRequestId=request_id
        )["CreateAccountStatus"]
        if status["State"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def _error(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = raised.value.response["Error"]
    return error


@pytest.fixture
def organization(server: Server, management: Account) -> Any:
    """An Organizations client of a new all-features organization's management account."""
    client = server.client("organizations", management)
    client.create_organization(FeatureSet="ALL")
    return client


# CreateAccount and the created account


def test_create_account_starts_in_progress(organization: Any) -> None:
    status = organization.create_account(AccountName="Build", Email=_email())["CreateAccountStatus"]

    assert re.fullmatch(r"car-[a-z0-9]{8,32}", status["Id"])
    assert status["AccountName"] == "Build"
    assert status["State"] == "IN_PROGRESS"
    assert "RequestedTimestamp" in status
    assert "AccountId" not in status


def test_create_account_succeeds(organization: Any) -> None:
    request = organization.create_account(AccountName="Build", Email=_email())

    status = _wait(organization, request["CreateAccountStatus"]["Id"])

    assert status["State"] == "SUCCEEDED"
    assert re.fullmatch(r"\d{12}", status["AccountId"])
    assert status["CompletedTimestamp"] >= status["RequestedTimestamp"]
    assert "FailureReason" not in status


def test_created_account_joins_root(server: Server, organization: Any) -> None:
    email = _email()
    request = organization.create_account(AccountName="Data", Email=email)
    account_id = _wait(organization, request["CreateAccountStatus"]["Id"])["AccountId"]
    organization_id = organization.describe_organization()["Organization"]["Id"]

    with server.database().transaction(write=False) as connection:
        row = connection.execute(select(accounts).where(accounts.c.id == account_id)).one()
        root_id = connection.execute(
            select(roots.c.id).where(roots.c.organization_id == organization_id)
        ).scalar_one()

    assert row.name == "Data"
    assert row.email == email
    assert row.organization_id == organization_id
    assert row.parent_id == root_id
    assert row.joined_method == "CREATED"
    assert row.joined_at is not None
    assert row.status == "ACTIVE"
    assert row.state == "ACTIVE"


def test_created_account_has_full_aws_access(server: Server, organization: Any) -> None:
    account_id = create_member_account(server, organization)

    with server.database().transaction(write=False) as connection:
        attached = connection.execute(
            select(policy_attachments.c.policy_id).where(
                policy_attachments.c.target_id == account_id
            )
        ).all()

    assert [row.policy_id for row in attached] == ["p-FullAWSAccess"]


def test_created_account_has_no_access_keys(server: Server, organization: Any) -> None:
    account_id = create_member_account(server, organization)

    with server.database().transaction(write=False) as connection:
        keys = connection.execute(
            select(access_keys.c.access_key_id).where(access_keys.c.account_id == account_id)
        ).all()

    assert keys == []


def test_created_account_gets_tags(server: Server, organization: Any) -> None:
    request = organization.create_account(
        AccountName="Tagged",
        Email=_email(),
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "cost-center", "Value": "42"}],
    )
    account_id = _wait(organization, request["CreateAccountStatus"]["Id"])["AccountId"]

    with server.database().transaction(write=False) as connection:
        rows = connection.execute(
            select(tags.c.key, tags.c.value).where(tags.c.resource_id == account_id)
        ).all()

    assert {row.key: row.value for row in rows} == {"team": "data", "cost-center": "42"}


def test_default_access_role(server: Server, organization: Any) -> None:
    account_id = create_member_account(server, organization)
    management_id = organization.describe_organization()["Organization"]["MasterAccountId"]

    with server.database().transaction(write=False) as connection:
        role = connection.execute(
            select(iam_roles).where(iam_roles.c.account_id == account_id)
        ).one()
        attached = connection.execute(
            select(iam_role_attached_policies.c.policy_arn).where(
                iam_role_attached_policies.c.account_id == account_id
            )
        ).all()

    assert role.name == "OrganizationAccountAccessRole"
    assert role.arn == f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    assert role.path == "/"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role.role_id)
    assert orjson.loads(role.assume_role_policy) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{management_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    assert [row.policy_arn for row in attached] == ["arn:aws:iam::aws:policy/AdministratorAccess"]


def test_role_name_parameter(server: Server, organization: Any) -> None:
    request = organization.create_account(
        AccountName="Custom", Email=_email(), RoleName="AdminFromManagement"
    )
    account_id = _wait(organization, request["CreateAccountStatus"]["Id"])["AccountId"]

    with server.database().transaction(write=False) as connection:
        names = connection.execute(
            select(iam_roles.c.name).where(iam_roles.c.account_id == account_id)
        ).all()

    assert [row.name for row in names] == ["AdminFromManagement"]


def test_management_assumes_access_role(
    server: Server, management: Account, organization: Any
) -> None:
    account_id = create_member_account(server, organization)
    sts = server.client("sts", management)

    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="admin",
    )["Credentials"]
    session = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    identity = server.client("sts", **session).get_caller_identity()
    member_view = server.client("organizations", **session).describe_organization()

    assert identity["Account"] == account_id
    assert identity["Arn"] == (
        f"arn:aws:sts::{account_id}:assumed-role/OrganizationAccountAccessRole/admin"
    )
    assert member_view["Organization"]["MasterAccountId"] == management.account_id


def test_other_account_cannot_assume_role(server: Server, organization: Any) -> None:
    account_id = create_member_account(server, organization)
    outsider = server.new_account()

    _, error, _ = failure(
        server.client("sts", outsider).assume_role,
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="intruder",
    )

    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(
        f"User: arn:aws:iam::{outsider.account_id}:root is not authorized to perform: "
        f"sts:AssumeRole on resource: arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    )


# Failures reported in the request status


def test_email_of_member_already_exists(organization: Any) -> None:
    email = _email()
    first = organization.create_account(AccountName="First", Email=email)
    assert _wait(organization, first["CreateAccountStatus"]["Id"])["State"] == "SUCCEEDED"

    second = organization.create_account(AccountName="Second", Email=email.upper())
    status = _wait(organization, second["CreateAccountStatus"]["Id"])

    assert status["State"] == "FAILED"
    assert status["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    assert "AccountId" not in status
    assert "CompletedTimestamp" in status


def test_email_of_standalone_account_exists(server: Server, organization: Any) -> None:
    outsider = server.new_account()

    request = organization.create_account(AccountName="Copy", Email=outsider.email)
    status = _wait(organization, request["CreateAccountStatus"]["Id"])

    assert status["State"] == "FAILED"
    assert status["FailureReason"] == "EMAIL_ALREADY_EXISTS"


def test_email_of_management_account_exists(management: Account, organization: Any) -> None:
    request = organization.create_account(AccountName="Copy", Email=management.email)
    status = _wait(organization, request["CreateAccountStatus"]["Id"])

    assert status["FailureReason"] == "EMAIL_ALREADY_EXISTS"


@pytest.mark.parametrize(
    "email", ["owner@example..com", "owner@-example.com", "owner@example.c0m", "owner@ex_ample.com"]
)
def test_undeliverable_email_is_invalid(organization: Any, email: str) -> None:
    request = organization.create_account(AccountName="Odd", Email=email)
    status = _wait(organization, request["CreateAccountStatus"]["Id"])

    assert status["State"] == "FAILED"
    assert status["FailureReason"] == "INVALID_EMAIL"


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose organizations may hold three accounts, the management account included."""
    data_dir: Path = tmp_path_factory.mktemp("small")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--max-accounts", "3"))
        try:
            yield running
        finally:
            running.stop()


def test_account_quota_counts_management(small_server: Server) -> None:
    client = small_server.client("organizations", small_server.new_account())
    client.create_organization()
    create_member_account(small_server, client)
    create_member_account(small_server, client)

    request = client.create_account(AccountName="Fourth", Email=_email())
    status = _wait(client, request["CreateAccountStatus"]["Id"])

    assert status["State"] == "FAILED"
    assert status["FailureReason"] == "ACCOUNT_LIMIT_EXCEEDED"


def test_account_quota_is_per_organization(small_server: Server) -> None:
    first = small_server.client("organizations", small_server.new_account())
    first.create_organization()
    second = small_server.client("organizations", small_server.new_account())
    second.create_organization()

    create_member_account(small_server, first)
    create_member_account(small_server, first)

    assert create_member_account(small_server, second)


# Request errors


def test_duplicate_tag_keys_are_invalid(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.create_account(
            AccountName="Tags",
            Email=_email(),
            Tags=[{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}],
        )

    assert _error(raised)["Code"] == "InvalidInputException"
    assert _error(raised)["Message"] == (
        "Tag keys must be unique among the tags attached to the same entity."
    )
    assert raised.value.response["Reason"] == "DUPLICATE_TAG_KEY"


def test_reserved_tag_prefix_is_invalid(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.create_account(
            AccountName="Tags", Email=_email(), Tags=[{"Key": "aws:owner", "Value": "a"}]
        )

    assert _error(raised)["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "INVALID_SYSTEM_TAGS_PARAMETER"


def test_too_many_tags(organization: Any) -> None:
    many = [{"Key": f"key-{index}", "Value": "v"} for index in range(51)]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.create_account(AccountName="Tags", Email=_email(), Tags=many)

    assert _error(raised)["Code"] == "ConstraintViolationException"
    assert _error(raised)["Message"] == (
        "You have exceeded the number of tags allowed on this resource."
    )
    assert raised.value.response["Reason"] == "MAX_TAG_LIMIT_EXCEEDED"
    assert organization.list_create_account_status()["CreateAccountStatuses"] == []


def test_email_pattern_is_checked(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.create_account(AccountName="Bad", Email="not an email")

    assert _error(raised)["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "INVALID_PATTERN"


def test_account_name_length_is_checked(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.create_account(AccountName="x" * 51, Email=_email())

    assert _error(raised)["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "MAX_LENGTH_EXCEEDED"


def test_create_account_outside_organization(server: Server, management: Account) -> None:
    client = server.client("organizations", management)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_account(AccountName="Lost", Email=_email())

    assert _error(raised)["Code"] == "AWSOrganizationsNotInUseException"
    assert _error(raised)["Message"] == "Your account isn't a member of an organization."


def test_member_cannot_create_account(server: Server, organization: Any) -> None:
    member = give_root_key(server, create_member_account(server, organization))
    client = server.client("organizations", member)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_account(AccountName="Nested", Email=_email())

    assert _error(raised)["Code"] == "AccessDeniedException"
    assert _error(raised)["Message"] == "You don't have permissions to access this resource."


def test_failed_create_leaves_no_request(server: Server, management: Account) -> None:
    client = server.client("organizations", management)
    client.create_organization()
    with pytest.raises(botocore.exceptions.ClientError):
        client.create_account(
            AccountName="Tags",
            Email=_email(),
            Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}],
        )

    assert client.list_create_account_status()["CreateAccountStatuses"] == []


def test_delete_organization_drops_requests(server: Server, management: Account) -> None:
    client = server.client("organizations", management)
    organization_id = client.create_organization()["Organization"]["Id"]
    request = client.create_account(AccountName="Copy", Email=management.email)
    assert _wait(client, request["CreateAccountStatus"]["Id"])["State"] == "FAILED"

    client.delete_organization()

    with server.database().transaction(write=False) as connection:
        rows = connection.execute(
            select(create_account_requests.c.id).where(
                create_account_requests.c.organization_id == organization_id
            )
        ).all()
    assert rows == []


# DescribeCreateAccountStatus


def test_describe_unknown_request(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.describe_create_account_status(CreateAccountRequestId="car-0123456789")

    assert _error(raised)["Code"] == "CreateAccountStatusNotFoundException"
    assert _error(raised)["Message"] == (
        "We can't find an create account request with the CreateAccountRequestId that you "
        "specified."
    )


def test_describe_request_of_other_organization(server: Server, organization: Any) -> None:
    request = organization.create_account(AccountName="Mine", Email=_email())
    other = server.client("organizations", server.new_account())
    other.create_organization()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        other.describe_create_account_status(
            CreateAccountRequestId=request["CreateAccountStatus"]["Id"]
        )

    assert _error(raised)["Code"] == "CreateAccountStatusNotFoundException"


def test_describe_malformed_request_id(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.describe_create_account_status(CreateAccountRequestId="request-1")

    assert _error(raised)["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "INVALID_PATTERN"


def test_member_cannot_describe_status(server: Server, organization: Any) -> None:
    request = organization.create_account(AccountName="Peek", Email=_email())
    member = give_root_key(server, create_member_account(server, organization))
    client = server.client("organizations", member)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.describe_create_account_status(
            CreateAccountRequestId=request["CreateAccountStatus"]["Id"]
        )

    assert _error(raised)["Code"] == "AccessDeniedException"


def test_delegated_administrator_reads_statuses(server: Server, organization: Any) -> None:
    request_id = organization.create_account(AccountName="Seen", Email=_email())[
        "CreateAccountStatus"
    ]["Id"]
    _wait(organization, request_id)
    administrator = invite_and_join(server, organization)
    organization.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    organization.register_delegated_administrator(
        AccountId=administrator.account_id, ServicePrincipal="sso.amazonaws.com"
    )
    client = server.client("organizations", administrator)

    described = client.describe_create_account_status(CreateAccountRequestId=request_id)
    listed = client.list_create_account_status()["CreateAccountStatuses"]

    assert described["CreateAccountStatus"]["State"] == "SUCCEEDED"
    assert [status["Id"] for status in listed] == [request_id]
    _, error, _ = failure(client.create_account, AccountName="Not allowed", Email=_email())
    assert error["Code"] == "AccessDeniedException"


# ListCreateAccountStatus


def _create_three(client: Any) -> tuple[str, str, str]:
    """Create two accounts that succeed and one that fails; return their request ids."""
    email = _email()
    first = client.create_account(AccountName="One", Email=email)["CreateAccountStatus"]["Id"]
    _wait(client, first)
    second = client.create_account(AccountName="Two", Email=_email())["CreateAccountStatus"]["Id"]
    _wait(client, second)
    failed = client.create_account(AccountName="Dup", Email=email)["CreateAccountStatus"]["Id"]
    _wait(client, failed)
    return first, second, failed


def test_list_statuses_in_request_order(organization: Any) -> None:
    first, second, failed = _create_three(organization)

    statuses = organization.list_create_account_status()["CreateAccountStatuses"]

    assert [status["Id"] for status in statuses] == [first, second, failed]
    assert [status["State"] for status in statuses] == ["SUCCEEDED", "SUCCEEDED", "FAILED"]


def test_list_statuses_filtered_by_state(organization: Any) -> None:
    first, second, failed = _create_three(organization)

    succeeded = organization.list_create_account_status(States=["SUCCEEDED"])
    failures = organization.list_create_account_status(States=["FAILED"])
    both = organization.list_create_account_status(States=["FAILED", "SUCCEEDED"])
    running = organization.list_create_account_status(States=["IN_PROGRESS"])

    assert [s["Id"] for s in succeeded["CreateAccountStatuses"]] == [first, second]
    assert [s["Id"] for s in failures["CreateAccountStatuses"]] == [failed]
    assert [s["Id"] for s in both["CreateAccountStatuses"]] == [first, second, failed]
    assert running["CreateAccountStatuses"] == []


def test_list_statuses_paginates(organization: Any) -> None:
    expected = list(_create_three(organization))

    seen: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"MaxResults": 1}
    while True:
        reply = organization.list_create_account_status(**kwargs)
        pages += 1
        seen.extend(status["Id"] for status in reply["CreateAccountStatuses"])
        if "NextToken" not in reply:
            break
        kwargs["NextToken"] = reply["NextToken"]

    assert seen == expected
    assert pages == 3


def test_list_statuses_paginator(organization: Any) -> None:
    expected = list(_create_three(organization))
    paginator = organization.get_paginator("list_create_account_status")

    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))

    assert [len(page["CreateAccountStatuses"]) for page in pages] == [2, 1]
    assert [s["Id"] for page in pages for s in page["CreateAccountStatuses"]] == expected


def test_token_bound_to_state_filter(organization: Any) -> None:
    _create_three(organization)
    token = organization.list_create_account_status(MaxResults=1)["NextToken"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.list_create_account_status(States=["FAILED"], NextToken=token)

    assert _error(raised)["Code"] == "InvalidInputException"
    assert _error(raised)["Message"] == "You specified an invalid value for nextToken."
    assert raised.value.response["Reason"] == "INVALID_NEXT_TOKEN"


def test_list_statuses_invalid_state(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.list_create_account_status(States=["DONE"])

    assert _error(raised)["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "INVALID_ENUM"


def test_member_cannot_list_statuses(server: Server, organization: Any) -> None:
    member = give_root_key(server, create_member_account(server, organization))

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).list_create_account_status()

    assert _error(raised)["Code"] == "AccessDeniedException"


# CreateGovCloudAccount


def test_gov_cloud_needs_enabled_management(organization: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organization.create_gov_cloud_account(AccountName="Gov", Email=_email())

    assert _error(raised)["Code"] == "ConstraintViolationException"
    assert _error(raised)["Message"] == (
        "To complete this operation, the management account must have an associated account in "
        "the Amazon Web Services GovCloud (US-West) Region."
    )
    assert raised.value.response["Reason"] == "MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED"
    assert organization.list_create_account_status()["CreateAccountStatuses"] == []


def test_member_cannot_create_gov_cloud(server: Server, organization: Any) -> None:
    member = give_root_key(server, create_member_account(server, organization))

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        server.client("organizations", member).create_gov_cloud_account(
            AccountName="Gov", Email=_email()
        )

    assert _error(raised)["Code"] == "AccessDeniedException"


# Several servers on one store


def test_two_servers_share_job_table(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("replicas")
    with fresh_database_url(data_dir) as database_url:
        quota = ("--max-accounts", "1000")
        first = start_server(data_dir / "first", database_url, quota)
        management = first.management
        second = start_server(
            data_dir / "second",
            database_url,
            quota,
            master_key=first.master_key,
            management_key=(management.access_key_id, management.secret_access_key),
        )
        try:
            clients = [first.client("organizations"), second.client("organizations")]
            clients[0].create_organization()
            request_ids = [
                clients[index % 2].create_account(AccountName=f"Replica {index}", Email=_email())[
                    "CreateAccountStatus"
                ]["Id"]
                for index in range(30)
            ]
            statuses = [_wait(clients[0], request_id) for request_id in request_ids]
            logs = first.log_text() + second.log_text()
            with first.database().transaction(write=False) as connection:
                job_rows = connection.execute(
                    select(jobs.c.id, jobs.c.state, jobs.c.attempts)
                ).all()
                member_count = len(
                    connection.execute(
                        select(accounts.c.id).where(
                            accounts.c.organization_id
                            == clients[0].describe_organization()["Organization"]["Id"]
                        )
                    ).all()
                )
        finally:
            second.stop()
            first.stop()

    assert [status["State"] for status in statuses] == ["SUCCEEDED"] * 30
    assert len({status["AccountId"] for status in statuses}) == 30
    assert member_count == 31
    assert len(job_rows) == 30
    assert {(row.state, row.attempts) for row in job_rows} == {("done", 1)}
    # Each job finished once, and both servers' workers took part.
    for row in job_rows:
        assert logs.count(f"job done job_id={row.id} ") == 1
    assert "job done" in first.log_text()
    assert "job done" in second.log_text()


# CloudTrail


def _service_events(server: Server, account: Account, event_name: str) -> list[dict[str, Any]]:
    trail = server.client("cloudtrail", account)
    reply = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}]
    )
    return [orjson.loads(event["CloudTrailEvent"]) for event in reply["Events"]]


def test_result_event_in_management_trail(
    server: Server, management: Account, organization: Any
) -> None:
    request_id = organization.create_account(AccountName="Logged", Email=_email())[
        "CreateAccountStatus"
    ]["Id"]
    status = _wait(organization, request_id)

    records = [
        record
        for record in _service_events(server, management, "CreateAccountResult")
        if record["serviceEventDetails"]["createAccountStatus"]["id"] == request_id
    ]

    assert len(records) == 1
    record = records[0]
    assert record["eventType"] == "AwsServiceEvent"
    assert record["eventSource"] == "organizations.amazonaws.com"
    assert record["userIdentity"] == {
        "accountId": management.account_id,
        "invokedBy": "AWS Internal",
    }
    assert record["recipientAccountId"] == management.account_id
    details = record["serviceEventDetails"]["createAccountStatus"]
    assert details["state"] == "SUCCEEDED"
    assert details["accountId"] == status["AccountId"]
    assert details["accountName"] == "****"


def test_failed_result_event_has_reason(
    server: Server, management: Account, organization: Any
) -> None:
    request_id = organization.create_account(AccountName="Copy", Email=management.email)[
        "CreateAccountStatus"
    ]["Id"]
    _wait(organization, request_id)

    records = [
        record["serviceEventDetails"]["createAccountStatus"]
        for record in _service_events(server, management, "CreateAccountResult")
        if record["serviceEventDetails"]["createAccountStatus"]["id"] == request_id
    ]

    assert len(records) == 1
    assert records[0]["state"] == "FAILED"
    assert records[0]["failureReason"] == "EMAIL_ALREADY_EXISTS"
    assert "accountId" not in records[0]
