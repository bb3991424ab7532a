"""Set-up steps shared by the tree, account listing, tagging and state-machine tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest

from tests.harness import Account, Server, create_member_account, give_root_key


@dataclass(frozen=True)
class Organization:
    client: Any
    id: str
    root_id: str
    management: Account

    @property
    def missing_ou_id(self) -> str:
        """An OU id in this root's format that no OU has."""
        return f"ou-{self.root_id.removeprefix('r-')}-zzzzzzzz"


def new_organization(server: Server, management: Account) -> Organization:
    client = server.client("organizations", management)
    organization = client.create_organization(FeatureSet="ALL")["Organization"]
    root_id = client.list_roots()["Roots"][0]["Id"]
    return Organization(client, organization["Id"], root_id, management)


def error_of(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> dict[str, Any]:
    response: dict[str, Any] = raised.value.response
    return response


def member_with_root_key(server: Server, organization: Organization) -> Account:
    """Create a member account and give it a root key, so that tests can call as the member."""
    return give_root_key(server, create_member_account(server, organization.client))
