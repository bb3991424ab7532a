"""Every acknowledged write survives `kill -9` of the server, together with its audit event.

Several threads create organizational units and service control policies as fast as the server
replies. The server is killed with SIGKILL mid-storm and restarted on the same store. Each write
that a client saw succeed (HTTP 200) must then be readable, and so must its CloudTrail event. The
store is SQLite, or PostgreSQL when ORGSTACK_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.audit_helpers import all_events, record_of, request_id_of
from tests.harness import Account, Server, fresh_database_url, start_server

pytestmark = pytest.mark.slow

WRITERS_PER_KIND = 3
# The storm runs until this many writes are acknowledged, or for STORM_SECONDS at most.
ACKNOWLEDGED_BEFORE_KILL = 120
STORM_SECONDS = 5.0
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass
class Acknowledged:
    """The writes of one account that the server acknowledged with HTTP 200."""

    account: Account
    kind: str
    resource_ids: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    failures_after_kill: int = 0


def _organization_root(server: Server, account: Account) -> str:
    organizations = server.client("organizations", account)
    organizations.create_organization(FeatureSet="ALL")
    return str(organizations.list_roots()["Roots"][0]["Id"])


def _write_once(client: Any, kind: str, root_id: str, sequence: int) -> tuple[str, str]:
    """Make one write; return the new resource's id and the request id of the reply."""
    if kind == "CreateOrganizationalUnit":
        reply = client.create_organizational_unit(ParentId=root_id, Name=f"unit-{sequence}")
        return str(reply["OrganizationalUnit"]["Id"]), request_id_of(reply)
    reply = client.create_policy(
        Content=ALLOW_ALL,
        Description="durability test",
        Name=f"policy-{sequence}",
        Type="SERVICE_CONTROL_POLICY",
    )
    return str(reply["Policy"]["PolicySummary"]["Id"]), request_id_of(reply)


def _storm(server: Server, writes: Acknowledged, root_id: str, killed: threading.Event) -> None:
    client = server.client("organizations", writes.account)
    sequence = 0
    while True:
        try:
            resource_id, request_id = _write_once(client, writes.kind, root_id, sequence)
        except Exception:
            # Only the kill may interrupt a write; before it, a failure is a test failure.
            if killed.is_set():
                writes.failures_after_kill += 1
                return
            raise
        writes.resource_ids.append(resource_id)
        writes.request_ids.append(request_id)
        sequence += 1


def _run_storm_and_kill(server: Server, all_writes: list[Acknowledged]) -> None:
    killed = threading.Event()
    roots = [_organization_root(server, writes.account) for writes in all_writes]
    errors: list[BaseException] = []

    def run(writes: Acknowledged, root_id: str) -> None:
        try:
            _storm(server, writes, root_id, killed)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(writes, root_id), daemon=True)
        for writes, root_id in zip(all_writes, roots, strict=True)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + STORM_SECONDS
    while time.monotonic() < deadline:
        if sum(len(writes.resource_ids) for writes in all_writes) >= ACKNOWLEDGED_BEFORE_KILL:
            break
        time.sleep(0.05)

    killed.set()
    server.process.kill()
    server.process.wait(10)
    for thread in threads:
        thread.join(60)
    assert errors == []


def _stored_ids(server: Server, writes: Acknowledged, root_id: str) -> set[str]:
    client = server.client("organizations", writes.account)
    if writes.kind == "CreateOrganizationalUnit":
        pages = client.get_paginator("list_organizational_units_for_parent").paginate(
            ParentId=root_id
        )
        return {unit["Id"] for page in pages for unit in page["OrganizationalUnits"]}
    pages = client.get_paginator("list_policies").paginate(Filter="SERVICE_CONTROL_POLICY")
    return {policy["Id"] for page in pages for policy in page["Policies"]}


def _audited_request_ids(server: Server, writes: Acknowledged) -> set[str]:
    cloudtrail = server.client("cloudtrail", writes.account)
    events = all_events(
        cloudtrail, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": writes.kind}]
    )
    return {record_of(event)["requestID"] for event in events}


def test_acknowledged_writes_survive_kill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with fresh_database_url(data_dir) as database_url:
        first = start_server(data_dir, database_url)
        kinds = ["CreateOrganizationalUnit", "CreatePolicy"] * WRITERS_PER_KIND
        all_writes = [Acknowledged(first.new_account(), kind) for kind in kinds]

        try:
            _run_storm_and_kill(first, all_writes)
        finally:
            first.stop()
        management = first.management
        second = start_server(
            data_dir,
            database_url,
            master_key=first.master_key,
            management_key=(management.access_key_id, management.secret_access_key),
        )

        try:
            acknowledged = sum(len(writes.resource_ids) for writes in all_writes)
            assert acknowledged >= 20, "the storm acknowledged too few writes to prove anything"
            assert any(writes.failures_after_kill for writes in all_writes), (
                "no write was in flight when the server was killed"
            )
            for writes in all_writes:
                root_id = second.client("organizations", writes.account).list_roots()["Roots"][0]
                stored = _stored_ids(second, writes, str(root_id["Id"]))
                assert set(writes.resource_ids) <= stored, writes.kind
                assert set(writes.request_ids) <= _audited_request_ids(second, writes)
        finally:
            second.stop()
