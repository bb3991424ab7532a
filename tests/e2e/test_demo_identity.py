"""`orgstack serve --demo`: IAM Identity Center in the example organization, and its banner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from orgstack.services.identitystore import user_store
from orgstack.services.signin import credential_store, passwords
from tests.e2e.sso_admin_helpers import SSO_ROLE_PATH
from tests.e2e.sso_flow_helpers import sign_in
from tests.e2e.sts_helpers import assume, role_arn, session_client
from tests.harness import Server, fresh_database_url, start_server

POLICY = "arn:aws:iam::aws:policy/"
MANAGEMENT = "Management"
MEMBER_ACCOUNTS = ("Logging", "Audit", "Production", "Staging", "Testing (UAT)", "Development")
ROLE_NAME = re.compile(r"AWSReservedSSO_(?P<set>[\w+=,.@-]+)_[0-9a-f]{16}")
PASSWORD_LINE = re.compile(
    r"^#   (?P<user>\w+) \((?P<group>\w+)\) one-time password: (?P<password>\S+)$"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("demo-identity")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--demo",))
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def instance(demo: Server) -> dict[str, str]:
    instances = demo.client("sso-admin").list_instances()["Instances"]
    assert len(instances) == 1
    return {
        "arn": instances[0]["InstanceArn"],
        "store_id": instances[0]["IdentityStoreId"],
        "owner": instances[0]["OwnerAccountId"],
    }


@pytest.fixture(scope="module")
def accounts(demo: Server) -> dict[str, str]:
    """Map account names to ids; the management account is named `Management`."""
    listed = demo.client("organizations").list_accounts()["Accounts"]
    names = {account["Name"]: account["Id"] for account in listed}
    names[MANAGEMENT] = names.pop(demo.management.name)
    return names


def _groups(demo: Server, store_id: str) -> dict[str, str]:
    listed = demo.client("identitystore").list_groups(IdentityStoreId=store_id)["Groups"]
    return {group["DisplayName"]: group["GroupId"] for group in listed}


def _permission_sets(demo: Server, instance_arn: str) -> dict[str, str]:
    sso_admin = demo.client("sso-admin")
    arns = sso_admin.list_permission_sets(InstanceArn=instance_arn)["PermissionSets"]
    found = {}
    for arn in arns:
        described = sso_admin.describe_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn
        )
        found[described["PermissionSet"]["Name"]] = arn
    return found


def _user_id(demo: Server, store_id: str, user_name: str) -> str:
    found = demo.client("identitystore").get_user_id(
        IdentityStoreId=store_id,
        AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": user_name}
        },
    )
    return str(found["UserId"])


def _banner_passwords(demo: Server) -> dict[str, tuple[str, str]]:
    """Return user name → (group, one-time password) from the banner lines."""
    found = {}
    for line in demo.log_text().splitlines():
        matched = PASSWORD_LINE.match(line)
        if matched:
            found[matched["user"]] = (matched["group"], matched["password"])
    return found


def test_demo_enables_organization_instance(
    demo: Server, instance: dict[str, str], accounts: dict[str, str]
) -> None:
    assert instance["owner"] == accounts[MANAGEMENT]
    assert re.fullmatch(r"arn:aws:sso:::instance/ssoins-[0-9a-f]{16}", instance["arn"])
    assert re.fullmatch(r"d-[0-9a-f]{10}", instance["store_id"])


def test_demo_groups_and_members(demo: Server, instance: dict[str, str]) -> None:
    store_id = instance["store_id"]
    groups = _groups(demo, store_id)
    identitystore = demo.client("identitystore")

    assert set(groups) == {"Admins", "Developers", "ReadOnly"}
    for user_name, group in (("alice", "Admins"), ("bob", "Developers"), ("carol", "ReadOnly")):
        memberships = identitystore.list_group_memberships_for_member(
            IdentityStoreId=store_id, MemberId={"UserId": _user_id(demo, store_id, user_name)}
        )["GroupMemberships"]
        assert [item["GroupId"] for item in memberships] == [groups[group]], user_name


def test_demo_permission_sets(demo: Server, instance: dict[str, str]) -> None:
    sso_admin = demo.client("sso-admin")
    sets = _permission_sets(demo, instance["arn"])
    expected = {
        "AdministratorAccess": POLICY + "AdministratorAccess",
        "Developer": POLICY + "PowerUserAccess",
        "ReadOnly": POLICY + "ReadOnlyAccess",
    }

    assert set(sets) == set(expected)
    for name, policy_arn in expected.items():
        attached = sso_admin.list_managed_policies_in_permission_set(
            InstanceArn=instance["arn"], PermissionSetArn=sets[name]
        )["AttachedManagedPolicies"]
        assert [policy["Arn"] for policy in attached] == [policy_arn], name


def _assignments(
    demo: Server, instance: dict[str, str], accounts: dict[str, str]
) -> set[tuple[str, str, str]]:
    """Return every (account name, permission set name, group name) assignment."""
    sso_admin = demo.client("sso-admin")
    group_names = {group_id: name for name, group_id in _groups(demo, instance["store_id"]).items()}
    found = set()
    for set_name, set_arn in _permission_sets(demo, instance["arn"]).items():
        for account_name, account_id in accounts.items():
            listed = sso_admin.list_account_assignments(
                InstanceArn=instance["arn"], AccountId=account_id, PermissionSetArn=set_arn
            )["AccountAssignments"]
            for item in listed:
                assert item["PrincipalType"] == "GROUP"
                found.add((account_name, set_name, group_names[item["PrincipalId"]]))
    return found


def test_demo_assignments_follow_landing_zone(
    demo: Server, instance: dict[str, str], accounts: dict[str, str]
) -> None:
    every_account = (MANAGEMENT, *MEMBER_ACCOUNTS)
    expected = {(name, "AdministratorAccess", "Admins") for name in every_account}
    expected |= {(name, "ReadOnly", "ReadOnly") for name in every_account}
    expected |= {(name, "Developer", "Developers") for name in ("Testing (UAT)", "Staging")}
    expected |= {(name, "ReadOnly", "Developers") for name in ("Production", "Development")}

    assert set(accounts) == set(every_account)
    assert _assignments(demo, instance, accounts) == expected


def test_developer_set_only_on_testing_and_staging(
    demo: Server, instance: dict[str, str], accounts: dict[str, str]
) -> None:
    developer = _permission_sets(demo, instance["arn"])["Developer"]

    provisioned = demo.client("sso-admin").list_accounts_for_provisioned_permission_set(
        InstanceArn=instance["arn"], PermissionSetArn=developer
    )["AccountIds"]

    assert sorted(provisioned) == sorted([accounts["Testing (UAT)"], accounts["Staging"]])


def _sso_role_sets(demo: Server, account_id: str) -> dict[str, dict[str, Any]]:
    """Return permission set name → provisioned role in a member account."""
    credentials = assume(demo, demo.management, role_arn(account_id), "demo-tests")["Credentials"]
    iam = session_client(demo, "iam", credentials)
    roles = iam.list_roles(PathPrefix=SSO_ROLE_PATH)["Roles"]
    found = {}
    for role in roles:
        matched = ROLE_NAME.fullmatch(role["RoleName"])
        assert matched, role["RoleName"]
        found[matched["set"]] = role
    return found


def test_testing_account_has_three_sso_roles(demo: Server, accounts: dict[str, str]) -> None:
    roles = _sso_role_sets(demo, accounts["Testing (UAT)"])

    assert set(roles) == {"AdministratorAccess", "Developer", "ReadOnly"}
    for role in roles.values():
        assert role["Path"] == SSO_ROLE_PATH


def test_production_has_no_developer_role(demo: Server, accounts: dict[str, str]) -> None:
    roles = _sso_role_sets(demo, accounts["Production"])

    assert set(roles) == {"AdministratorAccess", "ReadOnly"}


def test_bob_writes_only_in_testing_and_staging(
    demo: Server, instance: dict[str, str], accounts: dict[str, str]
) -> None:
    store_id = instance["store_id"]
    token = sign_in(demo, store_id, _user_id(demo, store_id, "bob"))["accessToken"]
    portal = demo.client("sso")
    names = {account_id: name for name, account_id in accounts.items()}

    listed = portal.list_accounts(accessToken=token)["accountList"]
    roles = {}
    for account in listed:
        account_roles = portal.list_account_roles(
            accessToken=token, accountId=account["accountId"]
        )["roleList"]
        roles[names[account["accountId"]]] = {role["roleName"] for role in account_roles}

    assert roles == {
        "Testing (UAT)": {"Developer"},
        "Staging": {"Developer"},
        "Production": {"ReadOnly"},
        "Development": {"ReadOnly"},
    }


def test_banner_prints_one_time_passwords(demo: Server, instance: dict[str, str]) -> None:
    printed = _banner_passwords(demo)
    log = demo.log_text()

    assert f"# IAM Identity Center access portal: {demo.endpoint}/start" in log
    assert {user: group for user, (group, _) in printed.items()} == {
        "alice": "Admins",
        "bob": "Developers",
        "carol": "ReadOnly",
    }
    for _group, password in printed.values():
        # The harness writes stdout and stderr to one file, so one hit is the banner line.
        assert log.count(password) == 1


def test_banner_passwords_are_stored_one_time(demo: Server, instance: dict[str, str]) -> None:
    store_id = instance["store_id"]
    printed = _banner_passwords(demo)

    with demo.database().transaction(write=False) as connection:
        for user_name, (_group, password) in printed.items():
            user = user_store.find_by_user_name(connection, store_id, user_name)
            assert user is not None, user_name
            credential = credential_store.find(connection, store_id, user.user_id)
            assert credential is not None, user_name
            assert credential.must_change_password, user_name
            assert passwords.verify(credential.password_hash, password), user_name
            assert not passwords.verify(credential.password_hash, password + "x"), user_name
