"""aws-sso-util 4.33 as a second real client.

Its headless login runs the device flow against sso-oidc with the device-flow token fetcher that
aws-sso-lib vendors from botocore. `roles` reads the portal API, and `configure populate` writes
a profile for each account and role of the user into the config file that AWS_CONFIG_FILE names.

The tool is found through `ORGSTACK_AWS_SSO_UTIL`, in the test venv (scripts/test installs it) or on
PATH; the tests are skipped without it.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.sso_flow_helpers import approve
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.harness import Server

USER_CODE = re.compile(r"\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b")
_VENV_EXECUTABLE = Path(sys.executable).parent / "aws-sso-util"
EXECUTABLE = (
    os.environ.get("ORGSTACK_AWS_SSO_UTIL")
    or (str(_VENV_EXECUTABLE) if _VENV_EXECUTABLE.exists() else None)
    or shutil.which("aws-sso-util")
)

pytestmark = pytest.mark.skipif(EXECUTABLE is None, reason="aws-sso-util is not installed")


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def tool_env(home: Path, server: Server) -> dict[str, str]:
    """Return an environment with a fresh HOME, no AWS configuration and the server's endpoint."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "config").write_text("")
    env.update(
        {
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ENDPOINT_URL": server.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def login(server: Server, portal: Portal, home: Path, user_id: str) -> None:
    """Run `aws-sso-util login --headless`, approve its user code as the user, and wait."""
    assert EXECUTABLE is not None
    command = [EXECUTABLE, "login", f"{server.endpoint}/start", "us-east-1", "--headless"]
    process = subprocess.Popen(
        command,
        env=tool_env(home, server),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = _approve_shown_code(server, portal, process, user_id)
        assert process.wait(timeout=60) == 0, output + (
            process.stdout.read() if process.stdout else ""
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _approve_shown_code(
    server: Server, portal: Portal, process: subprocess.Popen[str], user_id: str
) -> str:
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen += line
        found = USER_CODE.search(line)
        if found is not None:
            assert approve(server, found.group(0), portal.center.store_id, user_id)
            return seen
    raise AssertionError(f"aws-sso-util printed no user code:\n{seen}")


def test_headless_login_then_roles(server: Server, portal: Portal, tmp_path: Path) -> None:
    assert EXECUTABLE is not None
    login(server, portal, tmp_path, portal.alice)

    listed = subprocess.run(
        [
            EXECUTABLE,
            "roles",
            "--sso-start-url",
            f"{server.endpoint}/start",
            "--sso-region",
            "us-east-1",
            "--no-header",
            "--sort-by",
            "id,role",
        ],
        env=tool_env(tmp_path, server),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines() if line.strip()]
    assert [(row[0], row[-1]) for row in rows] == [
        (portal.account_a, "Auditor"),
        (portal.account_a, "Developer"),
    ]


def populate(server: Server, home: Path) -> subprocess.CompletedProcess[str]:
    """Run `aws-sso-util configure populate` into the config file of `home`."""
    assert EXECUTABLE is not None
    command = [
        EXECUTABLE, "configure", "populate",
        "--sso-start-url", f"{server.endpoint}/start",
        "--sso-region", "us-east-1",
        "--region", "eu-west-1",
        "--no-credential-process",
    ]  # fmt: skip
    return subprocess.run(
        command, env=tool_env(home, server), capture_output=True, text=True, timeout=60, check=False
    )


def written_profiles(home: Path) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(home / ".aws" / "config")
    return {name: dict(parser[name]) for name in parser.sections()}


def expected_profile(
    server: Server, account_id: str, account_name: str, role: str
) -> dict[str, str]:
    return {
        "sso_start_url": f"{server.endpoint}/start",
        "sso_region": "us-east-1",
        "sso_account_name": account_name,
        "sso_account_id": account_id,
        "sso_role_name": role,
        "region": "eu-west-1",
        "sso_auto_populated": "true",
    }


def test_configure_populate_writes_profiles(server: Server, portal: Portal, tmp_path: Path) -> None:
    login(server, portal, tmp_path, portal.alice)

    populated = populate(server, tmp_path)

    assert populated.returncode == 0, populated.stderr
    assert "Writing 2 profiles" in populated.stdout
    assert written_profiles(tmp_path) == {
        "profile Workloads-A.Auditor": expected_profile(
            server, portal.account_a, "Workloads A", "Auditor"
        ),
        "profile Workloads-A.Developer": expected_profile(
            server, portal.account_a, "Workloads A", "Developer"
        ),
    }


def test_configure_populate_group_assignment(
    server: Server, portal: Portal, tmp_path: Path
) -> None:
    login(server, portal, tmp_path, portal.bob)

    populated = populate(server, tmp_path)

    assert populated.returncode == 0, populated.stderr
    assert written_profiles(tmp_path) == {
        "profile Workloads-B.Developer": expected_profile(
            server, portal.account_b, "Workloads B", "Developer"
        ),
    }


def test_populated_profile_signs_with_boto3(server: Server, portal: Portal, tmp_path: Path) -> None:
    login(server, portal, tmp_path, portal.alice)
    # botocore finds the SSO token cache under HOME when it is imported, so a new process runs
    # the SSO credential provider with the tool's cache. tool_env empties the config file, so the
    # environment is built before populate writes it.
    env = {**tool_env(tmp_path, server), "AWS_PROFILE": "Workloads-A.Developer"}
    assert populate(server, tmp_path).returncode == 0
    script = "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))"

    identity = subprocess.run(
        [sys.executable, "-c", script],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert identity.returncode == 0, identity.stderr
    caller = json.loads(identity.stdout)
    assert caller["Account"] == portal.account_a
    assert caller["Arn"].startswith(
        f"arn:aws:sts::{portal.account_a}:assumed-role/AWSReservedSSO_Developer_"
    )
    assert caller["Arn"].endswith("/alice.smith")
