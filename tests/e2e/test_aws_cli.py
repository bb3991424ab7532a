"""A sample of Organizations calls through the AWS CLI v1 (PyPI `awscli`), an independent client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import Account, Server

AWS_CLI = Path(sys.executable).parent / "aws"


def _aws(server: Server, account: Account, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
    }
    return subprocess.run(
        [str(AWS_CLI), *arguments, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(autouse=True)
def _cli_installed() -> None:
    if not AWS_CLI.exists() and shutil.which("aws") is None:
        pytest.fail("the AWS CLI v1 is missing from the venv: run scripts/test to install it")


def test_cli_creates_and_describes_organization(server: Server, management: Account) -> None:
    created = _aws(server, management, "organizations", "create-organization")
    assert created.returncode == 0, created.stderr

    described = _aws(server, management, "organizations", "describe-organization")

    assert described.returncode == 0, described.stderr
    organization = json.loads(described.stdout)["Organization"]
    assert organization["MasterAccountId"] == management.account_id
    assert organization["FeatureSet"] == "ALL"


def test_cli_reports_aws_error(server: Server, management: Account) -> None:
    result = _aws(server, management, "organizations", "list-roots")

    # AWS CLI v1 exits with 255 when the service answers an error (v2 uses 254).
    assert result.returncode == 255
    assert (
        "An error occurred (AWSOrganizationsNotInUseException) when calling the ListRoots "
        "operation: Your account isn't a member of an organization." in result.stderr
    )


def test_cli_sts_get_caller_identity(server: Server, management: Account) -> None:
    result = _aws(server, management, "sts", "get-caller-identity")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == management.account_id
