"""Steps shared by the handshake, delegation, resource policy and transfer tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import select

from orgstack.store.schema import policy_attachments, tags
from tests.harness import Account, Server


def failure(call: Callable[..., Any], **kwargs: Any) -> tuple[int, dict[str, str], str | None]:
    """Call and return the HTTP status, the `Error` member and the `Reason` of the failure."""
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"], response.get("Reason")


def new_organization(server: Server, feature_set: str = "ALL") -> tuple[Account, Any]:
    """Create a standalone account and make it the management account of a new organization."""
    management = server.new_account()
    client = server.client("organizations", management)
    client.create_organization(FeatureSet=feature_set)
    return management, client


def invite_and_join(server: Server, management_client: Any, **invite: Any) -> Account:
    """Invite a new standalone account by id and accept with the account's own credentials."""
    account = server.new_account()
    handshake = management_client.invite_account_to_organization(
        Target={"Id": account.account_id, "Type": "ACCOUNT"}, **invite
    )["Handshake"]
    server.client("organizations", account).accept_handshake(HandshakeId=handshake["Id"])
    return account


def attached_policies(server: Server, target_id: str) -> set[str]:
    with server.database().transaction(write=False) as connection:
        rows = connection.execute(
            select(policy_attachments.c.policy_id).where(
                policy_attachments.c.target_id == target_id
            )
        ).all()
    return {row.policy_id for row in rows}


def stored_tags(server: Server, resource_id: str) -> dict[str, str]:
    with server.database().transaction(write=False) as connection:
        rows = connection.execute(
            select(tags.c.key, tags.c.value).where(tags.c.resource_id == resource_id)
        ).all()
    return {row.key: row.value for row in rows}
