"""`orgstack serve --demo`: the example organization and the start-up banner."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.harness import Server, fresh_database_url, start_server


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("demo")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--demo",))
        try:
            yield running
        finally:
            running.stop()


def _units(demo: Server) -> dict[str, str]:
    client = demo.client("organizations")
    root_id = client.list_roots()["Roots"][0]["Id"]
    units = client.list_organizational_units_for_parent(ParentId=root_id)["OrganizationalUnits"]
    return {unit["Name"]: unit["Id"] for unit in units}


def _accounts_in(demo: Server, parent_id: str) -> dict[str, str]:
    accounts = demo.client("organizations").list_accounts_for_parent(ParentId=parent_id)
    return {account["Name"]: account["Id"] for account in accounts["Accounts"]}


def test_demo_has_the_classic_layout(demo: Server) -> None:
    units = _units(demo)

    assert set(units) == {"Security", "Workloads", "Sandbox"}
    assert set(_accounts_in(demo, units["Security"])) == {"Logging", "Audit"}
    assert set(_accounts_in(demo, units["Workloads"])) == {"Production", "Staging", "Testing (UAT)"}
    assert set(_accounts_in(demo, units["Sandbox"])) == {"Development"}


def _policy_names(demo: Server, target_id: str, policy_type: str) -> set[str]:
    policies = demo.client("organizations").list_policies_for_target(
        TargetId=target_id, Filter=policy_type
    )["Policies"]
    return {policy["Name"] for policy in policies}


def test_demo_scps_are_attached(demo: Server) -> None:
    units = _units(demo)
    workloads = _accounts_in(demo, units["Workloads"])
    sandbox = _accounts_in(demo, units["Sandbox"])

    scp = "SERVICE_CONTROL_POLICY"
    assert "DenyDestructiveActions" in _policy_names(demo, sandbox["Development"], scp)
    assert "DenyDestructiveActions" in _policy_names(demo, workloads["Testing (UAT)"], scp)
    assert "DenyDestructiveActions" not in _policy_names(demo, workloads["Production"], scp)
    assert "RestrictRegions" in _policy_names(demo, units["Sandbox"], scp)


def test_demo_deny_scp_content(demo: Server) -> None:
    client = demo.client("organizations")
    summaries = client.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    deny_id = next(p["Id"] for p in summaries if p["Name"] == "DenyDestructiveActions")

    content = json.loads(client.describe_policy(PolicyId=deny_id)["Policy"]["Content"])

    assert content["Statement"][0]["Effect"] == "Deny"
    assert content["Statement"][0]["Action"] == ["ec2:TerminateInstances", "s3:DeleteBucket"]


def test_demo_tag_policy_requires_cost_center(demo: Server) -> None:
    units = _units(demo)
    production = _accounts_in(demo, units["Workloads"])["Production"]

    effective = demo.client("organizations").describe_effective_policy(
        PolicyType="TAG_POLICY", TargetId=production
    )["EffectivePolicy"]

    tags = json.loads(effective["PolicyContent"])["tags"]
    assert tags["costcenter"]["tag_key"] == "CostCenter"


def test_demo_banner_prints_management_key(demo: Server) -> None:
    log = demo.log_text()

    assert f"export AWS_ENDPOINT_URL={demo.endpoint}" in log
    assert f"export AWS_ACCESS_KEY_ID={demo.management.access_key_id}" in log
    assert f"export AWS_SECRET_ACCESS_KEY={demo.management.secret_access_key}" in log


def test_demo_is_not_loaded_twice(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("demo-restart")
    with fresh_database_url(data_dir) as database_url:
        first = start_server(data_dir, database_url, ("--demo",))
        key = first.master_key
        management = (first.management.access_key_id, first.management.secret_access_key)
        first.stop()
        second = start_server(
            data_dir, database_url, ("--demo",), master_key=key, management_key=management
        )
        try:
            units = _units(second)
        finally:
            second.stop()

    assert sorted(units) == ["Sandbox", "Security", "Workloads"]
