"""boto3's own SSO credential provider against the server: an sso-session profile and a token
cache file, in a fresh Python process whose HOME is a temporary directory (botocore resolves the
cache path when it is imported)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.sso_flow_helpers import sign_in
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.harness import Server

SESSION_NAME = "corp"
CALLER_SCRIPT = """
import json
import boto3
identity = boto3.Session(profile_name="dev").client("sts").get_caller_identity()
print(json.dumps({"Arn": identity["Arn"], "Account": identity["Account"]}))
"""


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_profile(home: Path, server: Server, account_id: str, role_name: str) -> None:
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "config").write_text(
        "[profile dev]\n"
        f"sso_session = {SESSION_NAME}\n"
        f"sso_account_id = {account_id}\n"
        f"sso_role_name = {role_name}\n"
        "region = us-east-1\n"
        f"[sso-session {SESSION_NAME}]\n"
        f"sso_start_url = {server.endpoint}/start\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def cache_path(home: Path) -> Path:
    name = hashlib.sha1(SESSION_NAME.encode()).hexdigest()  # noqa: S324 (botocore's file name)
    return home / ".aws" / "sso" / "cache" / f"{name}.json"


def write_token_cache(
    home: Path, server: Server, signed_in: dict[str, Any], left: dt.timedelta
) -> None:
    """Write the token file `aws sso login` leaves, with `left` until the access token expires."""
    now = dt.datetime.now(dt.UTC)
    client = signed_in["client"]
    path = cache_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "startUrl": f"{server.endpoint}/start",
                "region": "us-east-1",
                "accessToken": signed_in["accessToken"],
                "expiresAt": iso(now + left),
                "clientId": client["clientId"],
                "clientSecret": client["clientSecret"],
                "registrationExpiresAt": iso(
                    dt.datetime.fromtimestamp(client["clientSecretExpiresAt"], dt.UTC)
                ),
                "refreshToken": signed_in["refreshToken"],
            }
        )
    )


def run_process(home: Path, server: Server) -> subprocess.CompletedProcess[str]:
    """Run boto3 in a new process with only the profile's SSO configuration to go on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key != "HOME"
    }
    env.update(
        {
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ENDPOINT_URL": server.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return subprocess.run(
        [sys.executable, "-c", CALLER_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_caller(home: Path, server: Server) -> dict[str, str]:
    completed = run_process(home, server)
    assert completed.returncode == 0, completed.stderr
    result: dict[str, str] = json.loads(completed.stdout)
    return result


def test_sso_profile_gets_role_credentials(
    server: Server,
    portal: Portal,
    tmp_path: Path,
) -> None:
    signed_in = sign_in(server, portal.center.store_id, portal.alice)
    write_profile(tmp_path, server, portal.account_a, "Developer")
    write_token_cache(tmp_path, server, signed_in, dt.timedelta(hours=1))

    identity = run_caller(tmp_path, server)

    assert identity["Account"] == portal.account_a
    assert identity["Arn"].startswith(
        f"arn:aws:sts::{portal.account_a}:assumed-role/AWSReservedSSO_Developer_"
    )
    assert identity["Arn"].endswith("/alice.smith")
    cached = json.loads(cache_path(tmp_path).read_text())
    assert cached["accessToken"] == signed_in["accessToken"]


def test_token_with_under_15_minutes_left_is_refreshed(
    server: Server,
    portal: Portal,
    tmp_path: Path,
) -> None:
    signed_in = sign_in(server, portal.center.store_id, portal.alice)
    write_profile(tmp_path, server, portal.account_a, "Developer")
    write_token_cache(tmp_path, server, signed_in, dt.timedelta(minutes=10))

    identity = run_caller(tmp_path, server)

    assert identity["Account"] == portal.account_a
    cached = json.loads(cache_path(tmp_path).read_text())
    assert cached["accessToken"] != signed_in["accessToken"]
    assert cached["refreshToken"] != signed_in["refreshToken"]
    expires = dt.datetime.fromisoformat(cached["expiresAt"].replace("Z", "+00:00"))
    left = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=7, minutes=55) < left <= dt.timedelta(hours=8)
    roles = server.client("sso").list_account_roles(
        accessToken=cached["accessToken"], accountId=portal.account_a
    )
    assert [role["roleName"] for role in roles["roleList"]] == ["Auditor", "Developer"]


def test_unassigned_role_fails_in_provider(
    server: Server,
    portal: Portal,
    tmp_path: Path,
) -> None:
    signed_in = sign_in(server, portal.center.store_id, portal.bob)
    write_profile(tmp_path, server, portal.account_a, "Developer")
    write_token_cache(tmp_path, server, signed_in, dt.timedelta(hours=1))

    completed = run_process(tmp_path, server)

    assert completed.returncode != 0
    assert "ForbiddenException" in completed.stderr
    assert "No access" in completed.stderr
