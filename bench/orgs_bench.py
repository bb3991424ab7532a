"""Organizations workloads driven by boto3 against orgstack and moto's server, side by side.

Usage (from the repository root, after `scripts/test` has installed the bench extras):

    .venv/bin/python -m bench.orgs_bench --accounts 1000 --duration 10 \
        --output bench/results/orgs.json

Each workload runs with 1 and with 8 client processes for `--duration` seconds per server. The
read-heavy mix is DescribeOrganization, DescribeAccount, ListAccounts pages, ListRoots,
ListChildren and ListParents; the write-heavy mix is CreateOrganizationalUnit, CreatePolicy,
AttachPolicy/DetachPolicy and MoveAccount. orgstack verifies SigV4 on every call and commits every
write durably (SQLite, WAL, synchronous=FULL); moto keeps everything in memory and checks no
signature. The bare ASGI endpoint returns a fixed reply: the ceiling of a Python server here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.servers import RunningServer, start_bare_asgi, start_moto, start_orgstack

CONFIG = Config(retries={"total_max_attempts": 1}, region_name="us-east-1", read_timeout=120)
SCP = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}
)


@dataclass
class Fixture:
    """The ids and keys of a seeded organization that the workloads use."""

    endpoint: str
    access_key_id: str
    secret_access_key: str
    root_id: str
    unit_ids: list[str]
    account_ids: list[str]


@dataclass
class Measurement:
    server: str
    workload: str
    clients: int
    requests: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p99_ms: float
    # CPU time the server process spent per request (user + system): the server's own cost, which
    # client-side time on a 2-core machine otherwise hides.
    server_cpu_ms: float


def _client(endpoint: str, key: str, secret: str) -> Any:
    return boto3.session.Session().client(
        "organizations",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=CONFIG,
    )


def _progress(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def seed(server: RunningServer, accounts: int) -> Fixture:
    """Create an organization with three OUs and `accounts` member accounts."""
    client = _client(server.endpoint, server.access_key_id, server.secret_access_key)
    client.create_organization(FeatureSet="ALL")
    root_id = client.list_roots()["Roots"][0]["Id"]
    units = [
        client.create_organizational_unit(ParentId=root_id, Name=f"Unit{index}")[
            "OrganizationalUnit"
        ]["Id"]
        for index in range(3)
    ]
    requests = []
    for index in range(accounts):
        status = client.create_account(
            AccountName=f"Account {index}", Email=f"account-{index}@example.com"
        )["CreateAccountStatus"]
        requests.append(status["Id"])
        if index % 200 == 199:
            _progress(f"{server.name}: requested {index + 1}/{accounts} accounts")
    account_ids = []
    for request_id in requests:
        while True:
            status = client.describe_create_account_status(CreateAccountRequestId=request_id)[
                "CreateAccountStatus"
            ]
            if status["State"] != "IN_PROGRESS":
                break
            time.sleep(0.05)
        if status["State"] != "SUCCEEDED":
            raise RuntimeError(f"account creation failed on {server.name}: {status}")
        account_ids.append(status["AccountId"])
    _progress(f"{server.name}: {len(account_ids)} accounts ready")
    return Fixture(
        server.endpoint, server.access_key_id, server.secret_access_key, root_id, units, account_ids
    )


def _read_operations(client: Any, fixture: Fixture) -> list[Callable[[], Any]]:
    pages: dict[str, str | None] = {"token": None}

    def list_accounts_page() -> None:
        arguments: dict[str, Any] = {"MaxResults": 20}
        if pages["token"]:
            arguments["NextToken"] = pages["token"]
        pages["token"] = client.list_accounts(**arguments).get("NextToken")

    return [
        lambda: client.describe_organization(),
        lambda: client.describe_account(AccountId=random.choice(fixture.account_ids)),
        list_accounts_page,
        lambda: client.list_roots(),
        lambda: client.list_children(ParentId=fixture.root_id, ChildType="ORGANIZATIONAL_UNIT"),
        lambda: client.list_parents(ChildId=random.choice(fixture.account_ids)),
    ]


def _write_operations(client: Any, fixture: Fixture, worker: int) -> list[Callable[[], Any]]:
    counter = iter(range(10**9))
    where: dict[str, str] = {}

    def create_unit() -> None:
        parent = random.choice(fixture.unit_ids)
        client.create_organizational_unit(ParentId=parent, Name=f"w{worker}-{next(counter)}")

    def create_attach_detach() -> None:
        policy_id = client.create_policy(
            Name=f"p{worker}-{next(counter)}",
            Description="bench",
            Type="SERVICE_CONTROL_POLICY",
            Content=SCP,
        )["Policy"]["PolicySummary"]["Id"]
        target = random.choice(fixture.unit_ids)
        client.attach_policy(PolicyId=policy_id, TargetId=target)
        client.detach_policy(PolicyId=policy_id, TargetId=target)

    def move_account() -> None:
        # Each worker moves its own slice of accounts, so two workers never race on one account.
        mine = fixture.account_ids[worker::8] or fixture.account_ids
        account = random.choice(mine)
        source = where.get(account, fixture.root_id)
        destination = random.choice([unit for unit in fixture.unit_ids if unit != source])
        client.move_account(
            AccountId=account, SourceParentId=source, DestinationParentId=destination
        )
        where[account] = destination

    return [create_unit, create_attach_detach, move_account]


def _worker(
    arguments: tuple[Fixture, str, int, Any, float],
) -> tuple[list[float], int]:
    fixture, workload, worker, barrier, duration = arguments
    client = _client(fixture.endpoint, fixture.access_key_id, fixture.secret_access_key)
    if workload == "bare":
        operations: list[Callable[[], Any]] = [lambda: client.describe_organization()]
    elif workload == "read":
        operations = _read_operations(client, fixture)
    else:
        operations = _write_operations(client, fixture, worker)
    latencies: list[float] = []
    errors = 0
    # Every client process has imported boto3 and built its client before the clock starts.
    barrier.wait()
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        operation = random.choice(operations)
        began = time.perf_counter()
        try:
            operation()
        except Exception:  # a failed call is counted, not fatal
            errors += 1
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies, errors


def run_workload(
    server: RunningServer, fixture: Fixture, workload: str, clients: int, duration: float
) -> Measurement:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(clients) as pool:
        barrier = manager.Barrier(clients)
        cpu_before = server.cpu_seconds()
        results = pool.map(
            _worker,
            [(fixture, workload, worker, barrier, duration) for worker in range(clients)],
        )
        cpu_used = server.cpu_seconds() - cpu_before
    latencies = sorted(value for worker_latencies, _ in results for value in worker_latencies)
    errors = sum(worker_errors for _, worker_errors in results)
    requests = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100) if requests > 1 else [0.0] * 99
    name = "DescribeOrganization" if workload == "bare" else workload
    return Measurement(
        server.name,
        name,
        clients,
        requests,
        errors,
        duration,
        requests / duration,
        quantiles[49],
        quantiles[98],
        cpu_used * 1000 / max(requests, 1),
    )


def run_bare(server: RunningServer, clients: int, duration: float) -> Measurement:
    fixture = Fixture(server.endpoint, server.access_key_id, server.secret_access_key, "", [], [])
    return run_workload(server, fixture, "bare", clients, duration)


def memory_check(accounts: int) -> dict[str, Any]:
    """Seed orgstack with `accounts` accounts, run reads, and report the server's memory (RSS)."""
    server = start_orgstack(max_accounts=accounts + 10)
    try:
        fixture = seed(server, accounts)
        run_workload(server, fixture, "read", 2, 5)
        return {"accounts": accounts, "rss_mb": round(server.rss_megabytes(), 1)}
    finally:
        server.stop()


def _loads(values: list[float] | None) -> str:
    return ", ".join(f"{value:.1f}" for value in values) if values else "not recorded"


def render_markdown(report: dict[str, Any]) -> str:
    """Return the results as the Markdown table docs/benchmarks.md records."""
    lines = [
        f"Command: `{report['command']}` ({report['cpu_count']} CPUs, clients and servers on the "
        "same machine; 1-, 5- and 15-minute load averages "
        f"{_loads(report.get('load_average_at_start'))} at the start and "
        f"{_loads(report.get('load_average_at_end'))} at the end; finished "
        f"{report.get('finished_at', 'at a time not recorded')}).",
        "",
        "| server | workload | clients | requests | errors | req/s | p50 ms | p99 ms "
        "| server CPU ms/req |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["measurements"]:
        lines.append(
            f"| {row['server']} | {row['workload']} | {row['clients']} | {row['requests']} "
            f"| {row['errors']} | {row['throughput']:.0f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} | {row['server_cpu_ms']:.2f} |"
        )
    memory = report.get("memory")
    if memory:
        lines += [
            "",
            f"orgstack resident memory with {memory['accounts']} accounts after a read "
            f"workload: {memory['rss_mb']} MB.",
        ]
    return "\n".join(lines) + "\n"


def measure_side_by_side(accounts: int, duration: float) -> list[Measurement]:
    """Seed orgstack and moto's server alike, then run each workload on one and then the other.

    Both servers run for the whole benchmark and each workload is measured on both back to back,
    so a change in the machine's load between workloads touches both servers' rows alike.
    """
    servers = [start_orgstack(accounts + 10), start_moto()]
    try:
        fixtures = []
        for server in servers:
            _progress(f"seeding {server.name}")
            fixtures.append(seed(server, accounts))
        results: list[Measurement] = []
        for workload in ("read", "write"):
            for clients in (1, 8):
                for server, fixture in zip(servers, fixtures, strict=True):
                    _progress(f"{server.name}: {workload} with {clients} clients")
                    results.append(run_workload(server, fixture, workload, clients, duration))
                    _progress(f"  {results[-1].throughput:.0f} req/s")
        _progress(f"orgstack resident memory: {servers[0].rss_megabytes():.1f} MB")
    finally:
        for server in servers:
            server.stop()
    # The table lists each server's rows together.
    return sorted(results, key=lambda row: row.server != "orgstack")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000, help="member accounts to seed")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument(
        "--memory-accounts",
        type=int,
        default=10_000,
        help="accounts for the memory check (0 skips it)",
    )
    parser.add_argument("--output", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="write the results table to this file")
    args = parser.parse_args(argv)

    load_at_start = [round(value, 1) for value in os.getloadavg()]
    results = measure_side_by_side(args.accounts, args.duration)

    bare = start_bare_asgi()
    try:
        for clients in (1, 8):
            results.append(run_bare(bare, clients, args.duration))
    finally:
        bare.stop()

    report: dict[str, Any] = {
        "command": " ".join(
            [Path(sys.executable).name, "-m", "bench.orgs_bench", *(argv or sys.argv[1:])]
        ),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(value, 1) for value in os.getloadavg()],
        "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "measurements": [asdict(result) for result in results],
    }
    if args.memory_accounts:
        _progress(f"memory check with {args.memory_accounts} accounts")
        report["memory"] = memory_check(args.memory_accounts)
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    if args.markdown:
        args.markdown.write_text(render_markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
