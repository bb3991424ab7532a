"""Steps shared by the Identity Center instance and identity store tests."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.harness import Account, Server


def orgstack_command(server: Server, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m orgstack ARGUMENTS` against the running server's store."""
    env = {**os.environ, "ORGSTACK_MASTER_KEY": server.master_key}
    command = [
        sys.executable, "-m", "orgstack", *arguments,
        "--data-dir", str(server.data_dir),
        "--database-url", server.database_url,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def enable_organization_instance(server: Server, management: Account) -> dict[str, str]:
    """Enable the organization instance with the CLI; return its printed `key: value` lines."""
    result = orgstack_command(
        server, "identity-center", "enable", "--account", management.account_id
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split(": ", 1) for line in result.stdout.splitlines())


def account_instance(server: Server, account: Account | None = None) -> tuple[Account, str, str]:
    """Create an account instance in a new standalone account.

    Returns the account, the instance ARN and the identity store id.
    """
    owner = account or server.new_account()
    sso_admin = server.client("sso-admin", owner)
    instance_arn = sso_admin.create_instance(Name="tests")["InstanceArn"]
    store_id = sso_admin.describe_instance(InstanceArn=instance_arn)["IdentityStoreId"]
    return owner, instance_arn, store_id


def new_user(client: Any, store_id: str, user_name: str, **attributes: Any) -> str:
    """Create a user with the attributes IAM Identity Center requires; return its id."""
    given_name, _, family_name = user_name.partition(".")
    request: dict[str, Any] = {
        "IdentityStoreId": store_id,
        "UserName": user_name,
        "DisplayName": user_name.replace(".", " ").title(),
        "Name": {"GivenName": given_name or "Given", "FamilyName": family_name or "Family"},
        **attributes,
    }
    return str(client.create_user(**request)["UserId"])


def new_group(client: Any, store_id: str, display_name: str) -> str:
    return str(client.create_group(IdentityStoreId=store_id, DisplayName=display_name)["GroupId"])
