"""`aws sso login` and an SSO profile through Debian's AWS CLI v2, an independent client.

This CLI ignores AWS_ENDPOINT_URL, so `orgstack endpoint-rules` gives each service it calls a
replacement endpoint rule set (found through AWS_DATA_PATH) whose only rule returns the server's
local URL.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.sso_flow_helpers import approve
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.harness import Server

AWS_CLI_V2 = Path("/usr/bin/aws")
USER_CODE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


@pytest.fixture(autouse=True)
def _cli_installed() -> None:
    if AWS_CLI_V2.exists():
        return
    message = "Debian's AWS CLI v2 (/usr/bin/aws) is missing: run scripts/test to install it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def write_rule_sets(models: Path, server: Server) -> None:
    """Write the replacement rule sets with `orgstack endpoint-rules`, from the CLI's own data."""
    subprocess.run(
        [
            sys.executable, "-m", "orgstack", "endpoint-rules",
            "--endpoint", server.endpoint, "--output", str(models),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip


def write_config(home: Path, server: Server, account_id: str) -> Path:
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[profile dev]\n"
        "sso_session = corp\n"
        f"sso_account_id = {account_id}\n"
        "sso_role_name = Developer\n"
        "region = us-east-1\n"
        "[sso-session corp]\n"
        f"sso_start_url = {server.endpoint}/start\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    return config


def cli_env(home: Path, server: Server) -> dict[str, str]:
    """Build an environment without inherited AWS settings.

    The fake keys are skipped because `--profile` is explicit, so a passing test proves the SSO
    credentials were used.
    """
    models = home / "models"
    write_rule_sets(models, server)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-key",
        "AWS_DATA_PATH": str(models),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
        "PYTHONUNBUFFERED": "1",
    }


def read_user_code(login: subprocess.Popen[str]) -> str:
    """Return the user code, which the CLI prints alone on a line after the verification URL."""
    assert login.stdout is not None
    seen = []
    for line in login.stdout:
        seen.append(line)
        match = USER_CODE.match(line)
        if match:
            return match.group(1)
    raise AssertionError("no user code in the CLI's output: " + "".join(seen))


def test_sso_login_then_caller_identity(server: Server, portal: Portal, tmp_path: Path) -> None:
    write_config(tmp_path, server, portal.account_a)
    env = cli_env(tmp_path, server)
    login = subprocess.Popen(
        [str(AWS_CLI_V2), "sso", "login", "--profile", "dev", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        user_code = read_user_code(login)
        assert approve(server, user_code, portal.center.store_id, portal.alice)
        rest, _ = login.communicate(timeout=60)
    finally:
        login.kill()
    assert login.returncode == 0, rest

    identity = subprocess.run(
        [str(AWS_CLI_V2), "sts", "get-caller-identity", "--profile", "dev", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert identity.returncode == 0, identity.stderr
    arn = json.loads(identity.stdout)["Arn"]
    assert re.fullmatch(
        rf"arn:aws:sts::{portal.account_a}:assumed-role/AWSReservedSSO_Developer_[0-9a-f]{{16}}"
        r"/alice\.smith",
        arn,
    ), arn


def test_endpoint_rules_reach_organizations(server: Server, tmp_path: Path) -> None:
    account = server.new_account()
    env = cli_env(tmp_path, server)
    env["AWS_ACCESS_KEY_ID"] = account.access_key_id
    env["AWS_SECRET_ACCESS_KEY"] = account.secret_access_key

    listed = subprocess.run(
        [str(AWS_CLI_V2), "organizations", "describe-organization", "--region", "eu-west-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert listed.returncode == 254, listed.stderr
    assert "AWSOrganizationsNotInUseException" in listed.stderr
    assert "Your account isn't a member of an organization." in listed.stderr
