"""Who may use an identity store, and the operations on the stores themselves."""

from __future__ import annotations

from tests.e2e.identity_center_helpers import (
    account_instance,
    enable_organization_instance,
    new_user,
)
from tests.e2e.organization_helpers import failure, invite_and_join, new_organization
from tests.harness import Server


def _denied(caller_arn: str, operation: str, owner: str, store_id: str) -> str:
    return (
        f"User: {caller_arn} is not authorized to perform: identitystore:{operation} on "
        f"resource: arn:aws:identitystore::{owner}:identitystore/{store_id}"
    )


def test_other_account_is_denied(server: Server) -> None:
    owner, _, store_id = account_instance(server)
    stranger = server.new_account()

    status, error, _ = failure(
        server.client("identitystore", stranger).list_users, IdentityStoreId=store_id
    )

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == _denied(
        f"arn:aws:iam::{stranger.account_id}:root", "ListUsers", owner.account_id, store_id
    )


def test_unknown_store_is_denied(server: Server) -> None:
    caller = server.new_account()

    status, error, _ = failure(
        server.client("identitystore", caller).list_groups, IdentityStoreId="d-0000000000"
    )

    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == _denied(
        f"arn:aws:iam::{caller.account_id}:root", "ListGroups", caller.account_id, "d-0000000000"
    )


def test_organization_store_for_management_and_delegate(server: Server) -> None:
    management, organizations = new_organization(server)
    store_id = enable_organization_instance(server, management)["identity_store_id"]
    delegate = invite_and_join(server, organizations)
    member = invite_and_join(server, organizations)
    organizations.register_delegated_administrator(
        AccountId=delegate.account_id, ServicePrincipal="sso.amazonaws.com"
    )

    user_id = new_user(server.client("identitystore", management), store_id, "org.user")
    seen = server.client("identitystore", delegate).describe_user(
        IdentityStoreId=store_id, UserId=user_id
    )
    status, error, _ = failure(
        server.client("identitystore", member).describe_user,
        IdentityStoreId=store_id,
        UserId=user_id,
    )

    assert seen["UserName"] == "org.user"
    assert status == 400
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == _denied(
        f"arn:aws:iam::{member.account_id}:root", "DescribeUser", management.account_id, store_id
    )


def test_list_and_describe_identity_stores(server: Server) -> None:
    owner, _, store_id = account_instance(server)
    client = server.client("identitystore", owner)
    arn = f"arn:aws:identitystore::{owner.account_id}:identitystore/{store_id}"

    listed = client.list_identity_stores()["IdentityStores"]
    described = client.describe_identity_store(IdentityStoreId=store_id)

    assert listed == [{"IdentityStoreId": store_id, "IdentityStoreArn": arn}]
    assert described["IdentityStoreArn"] == arn
    assert "NetworkConfiguration" not in described


def test_update_identity_store_network(server: Server) -> None:
    owner, _, store_id = account_instance(server)
    client = server.client("identitystore", owner)
    network = {"VpceAccessRequired": False, "ApiAllowSourceIps": ["10.0.0.0/8"]}

    updated = client.update_identity_store(IdentityStoreId=store_id, NetworkConfiguration=network)

    assert updated["IdentityStoreId"] == store_id
    described = client.describe_identity_store(IdentityStoreId=store_id)
    assert described["NetworkConfiguration"] == network


def test_store_calls_are_audited(server: Server) -> None:
    owner, _, store_id = account_instance(server)
    new_user(server.client("identitystore", owner), store_id, "audit.me")

    events = server.client("cloudtrail", owner).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    )["Events"]

    assert [event["EventSource"] for event in events] == ["identitystore.amazonaws.com"]
