"""Measure the access portal for one user with many roles: GetRoleCredentials and ListAccounts.

Run from the repository root: `.venv/bin/python -m bench.portal_bench [--accounts 100]
[--calls 300] [--listings 50] [--markdown FILE]`.

The benchmark starts `orgstack serve --max-accounts 200` on a temporary SQLite store on
127.0.0.1. Through the API, as the management account, it creates an organization with
`--accounts` member accounts (CreateAccount, waiting for each), then three permission sets and a
group with one user. It assigns the group every set on every account and waits for each
assignment, which provisions the roles. The organization instance of IAM Identity Center is
enabled with the function that `orgstack identity-center enable` calls.

The user's bearer token comes from the sso-oidc device flow (RegisterClient,
StartDeviceAuthorization, CreateToken), approved with `approve_device_authorization`, the function
the portal's device page calls. One sequential boto3 client then times GetRoleCredentials on
random (account, role) pairs, and a full ListAccounts that follows `nextToken` to the last page.
Throughput is completed calls per second of that one client, so it includes the client's own
time. Writes nothing outside its temporary directories except the `--markdown` file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.servers import RunningServer, start_orgstack
from orgstack import identity_center
from orgstack.clock import Clock
from orgstack.services.sso_oidc import device
from orgstack.store.db import Database

MAX_ACCOUNTS = 200
CONFIG = Config(retries={"total_max_attempts": 1}, region_name="us-east-1", read_timeout=120)
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
POLICY = "arn:aws:iam::aws:policy/"
PERMISSION_SETS = {
    "AdministratorAccess": POLICY + "AdministratorAccess",
    "Developer": POLICY + "PowerUserAccess",
    "ReadOnly": POLICY + "ReadOnlyAccess",
}
USER_NAME = "bench.user"
TOKEN_SOURCE = "sso-oidc device flow, approved with sso_oidc.device.approve_device_authorization"
WARM_UP_CALLS = 5
JOB_TIMEOUT_SECONDS = 120


@dataclass
class Fixture:
    """The seeded organization and the user's bearer token."""

    account_ids: list[str]
    role_names: list[str]
    access_token: str


@dataclass
class Measurement:
    operation: str
    calls: int
    median_ms: float
    p99_ms: float
    throughput: float
    note: str


def _progress(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def _client(server: RunningServer, service: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key_id,
        aws_secret_access_key=server.secret_access_key,
        config=CONFIG,
    )


def _wait(
    describe: Callable[..., Any], reply_key: str, state_key: str, what: str, **request: Any
) -> dict[str, Any]:
    """Call `describe(**request)` until its `state_key` leaves IN_PROGRESS.

    Returns the final status and raises RuntimeError unless it is SUCCEEDED.
    """
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        status: dict[str, Any] = describe(**request)[reply_key]
        if status[state_key] != "IN_PROGRESS":
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} timed out after {JOB_TIMEOUT_SECONDS} seconds")
        time.sleep(0.02)
    if status[state_key] != "SUCCEEDED":
        raise RuntimeError(f"{what} failed: {status.get('FailureReason')}")
    return status


def create_accounts(server: RunningServer, count: int) -> tuple[str, list[str]]:
    """Create the organization and `count` member accounts; return the management and member ids."""
    organizations = _client(server, "organizations")
    organization = organizations.create_organization(FeatureSet="ALL")["Organization"]
    account_ids = []
    for index in range(count):
        started = organizations.create_account(
            AccountName=f"Workload {index:03d}", Email=f"workload-{index:03d}@example.com"
        )["CreateAccountStatus"]
        status = _wait(
            organizations.describe_create_account_status,
            "CreateAccountStatus",
            "State",
            f"creating account {index}",
            CreateAccountRequestId=started["Id"],
        )
        account_ids.append(str(status["AccountId"]))
    _progress(f"{len(account_ids)} member accounts ready")
    return str(organization["MasterAccountId"]), account_ids


def enable_instance(database: Database, management_id: str, base_url: str) -> tuple[str, str]:
    """Enable the organization instance; return its ARN and identity store id."""
    with database.transaction() as connection:
        instance = identity_center.enable_organization_instance(
            connection, management_id, base_url, Clock().now()
        )
    return instance.instance_arn, instance.identity_store_id


def create_user_in_group(server: RunningServer, store_id: str) -> tuple[str, str]:
    """Create one user in one group; return the user id and the group id."""
    identitystore = _client(server, "identitystore")
    group_id = identitystore.create_group(IdentityStoreId=store_id, DisplayName="Bench")["GroupId"]
    user_id = identitystore.create_user(
        IdentityStoreId=store_id,
        UserName=USER_NAME,
        DisplayName="Bench User",
        Name={"GivenName": "Bench", "FamilyName": "User"},
    )["UserId"]
    identitystore.create_group_membership(
        IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )
    return str(user_id), str(group_id)


def assign_everywhere(
    server: RunningServer, instance_arn: str, group_id: str, account_ids: list[str]
) -> None:
    """Create the permission sets and assign each to the group on every account."""
    sso_admin = _client(server, "sso-admin")
    request_ids = []
    for name, policy_arn in PERMISSION_SETS.items():
        arn = sso_admin.create_permission_set(InstanceArn=instance_arn, Name=name)["PermissionSet"][
            "PermissionSetArn"
        ]
        sso_admin.attach_managed_policy_to_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn
        )
        for account_id in account_ids:
            started = sso_admin.create_account_assignment(
                InstanceArn=instance_arn,
                TargetId=account_id,
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=arn,
                PrincipalType="GROUP",
                PrincipalId=group_id,
            )["AccountAssignmentCreationStatus"]
            request_ids.append(started["RequestId"])

    for request_id in request_ids:
        _wait(
            sso_admin.describe_account_assignment_creation_status,
            "AccountAssignmentCreationStatus",
            "Status",
            f"account assignment {request_id}",
            InstanceArn=instance_arn,
            AccountAssignmentCreationRequestId=request_id,
        )
    _progress(f"{len(request_ids)} account assignments ready")


def device_flow_token(
    server: RunningServer, database: Database, store_id: str, user_id: str
) -> str:
    """Sign the user in with the device flow; return the access token."""
    oidc = _client(server, "sso-oidc")
    client = oidc.register_client(
        clientName="portal-bench", clientType="public", scopes=["sso:account:access"]
    )
    started = oidc.start_device_authorization(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        startUrl=f"{server.endpoint}/start",
    )
    with database.transaction() as connection:
        approved = device.approve_device_authorization(
            connection, started["userCode"], store_id, user_id, Clock().now()
        )
    if not approved:
        raise RuntimeError(f"approving the device authorization of `{USER_NAME}` failed")
    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=started["deviceCode"],
    )
    return str(token["accessToken"])


def seed(server: RunningServer, database: Database, accounts: int) -> Fixture:
    management_id, account_ids = create_accounts(server, accounts)
    instance_arn, store_id = enable_instance(database, management_id, server.endpoint)
    user_id, group_id = create_user_in_group(server, store_id)
    assign_everywhere(server, instance_arn, group_id, account_ids)
    token = device_flow_token(server, database, store_id, user_id)
    return Fixture(sorted(account_ids), sorted(PERMISSION_SETS), token)


def _time_calls(call: Callable[[], object], count: int) -> tuple[list[float], float]:
    """Run `call` `count` times after a warm-up; return each latency and the total, in seconds."""
    for _ in range(WARM_UP_CALLS):
        call()
    latencies = []
    began = time.perf_counter()
    for _ in range(count):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return latencies, time.perf_counter() - began


def _measurement(operation: str, latencies: list[float], total: float, note: str) -> Measurement:
    ordered = sorted(latencies)
    # With fewer than 100 calls this is the slowest call.
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Measurement(
        operation=operation,
        calls=len(latencies),
        median_ms=statistics.median(ordered) * 1000,
        p99_ms=p99 * 1000,
        throughput=len(latencies) / total,
        note=note,
    )


def measure_credentials(portal: Any, fixture: Fixture, calls: int) -> Measurement:
    pairs = [(account, role) for account in fixture.account_ids for role in fixture.role_names]

    def get_role_credentials() -> None:
        account_id, role_name = random.choice(pairs)
        reply = portal.get_role_credentials(
            roleName=role_name, accountId=account_id, accessToken=fixture.access_token
        )
        if not reply["roleCredentials"]["accessKeyId"]:
            raise RuntimeError(f"no credentials for {role_name} in {account_id}")

    latencies, total = _time_calls(get_role_credentials, calls)
    return _measurement("sso GetRoleCredentials", latencies, total, "random account and role")


def measure_listing(portal: Any, fixture: Fixture, calls: int) -> Measurement:
    pages_seen: list[int] = []

    def list_all_accounts() -> None:
        listed: list[str] = []
        pages = 0
        request: dict[str, Any] = {"accessToken": fixture.access_token}
        while True:
            reply = portal.list_accounts(**request)
            pages += 1
            listed.extend(item["accountId"] for item in reply["accountList"])
            if not reply.get("nextToken"):
                break
            request["nextToken"] = reply["nextToken"]
        if sorted(listed) != fixture.account_ids:
            raise RuntimeError(
                f"ListAccounts returned {len(listed)} accounts, expected {len(fixture.account_ids)}"
            )
        pages_seen.append(pages)

    latencies, total = _time_calls(list_all_accounts, calls)
    pages = "1 page" if pages_seen[-1] == 1 else f"{pages_seen[-1]} pages"
    note = f"{len(fixture.account_ids)} accounts in {pages} of the default size"
    return _measurement("sso ListAccounts, all pages", latencies, total, note)


def render_table(results: list[Measurement]) -> str:
    lines = [
        "| operation | calls | median ms | p99 ms | calls/s (1 client) | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.operation} | {result.calls} | {result.median_ms:.2f} | "
            f"{result.p99_ms:.2f} | {result.throughput:.1f} | {result.note} |"
        )
    return "\n".join(lines)


def render_markdown(args: argparse.Namespace, results: list[Measurement]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    setup = (
        f"{args.accounts} member accounts, each with {len(PERMISSION_SETS)} permission sets "
        "assigned to one group with one user; SQLite store; server started with --max-accounts "
        f"{MAX_ACCOUNTS}; token from the {TOKEN_SOURCE}."
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load} at the end, "
        f"Python {platform.python_version()}"
    )
    command = f"python -m bench.portal_bench {' '.join(sys.argv[1:])}".strip()
    return (
        f"# Access portal benchmark\n\n`{command}`, {when}, {machine}.\n\n{setup}\n\n"
        f"{render_table(results)}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accounts", type=int, default=100, help="member accounts to create (at most 199)"
    )
    parser.add_argument("--calls", type=int, default=300, help="timed GetRoleCredentials calls")
    parser.add_argument("--listings", type=int, default=50, help="timed full ListAccounts runs")
    parser.add_argument("--markdown", type=Path, help="also write the results table to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.accounts < MAX_ACCOUNTS:
        parser.error(f"--accounts must be between 1 and {MAX_ACCOUNTS - 1}")

    data_dir = Path(tempfile.mkdtemp(prefix="orgstack-portal-bench-"))
    database = Database(f"sqlite:///{data_dir / 'orgstack.db'}")
    server = start_orgstack(MAX_ACCOUNTS, database.url)
    try:
        _progress(f"seeding {args.accounts} accounts on {server.endpoint}")
        fixture = seed(server, database, args.accounts)
        _progress(f"bearer token from the {TOKEN_SOURCE}")
        portal = _client(server, "sso")
        results = [
            measure_credentials(portal, fixture, args.calls),
            measure_listing(portal, fixture, args.listings),
        ]
    finally:
        server.stop()
        database.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"token: {TOKEN_SOURCE}")
    print(render_table(results))
    if args.markdown:
        args.markdown.write_text(render_markdown(args, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
