"""`orgstack credentials` and `orgstack accounts create-standalone` against a running server."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import boto3
import pytest

from tests.harness import CLIENT_CONFIG, Server, fresh_database_url, start_server


def _orgstack(server: Server, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ORGSTACK_MASTER_KEY": server.master_key}
    command = [
        sys.executable, "-m", "orgstack", *arguments,
        "--data-dir", str(server.data_dir),
        "--database-url", server.database_url,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _exports(text: str) -> dict[str, str]:
    return dict(re.findall(r"^export (AWS_[A-Z_]+)=(\S+)$", text, flags=re.MULTILINE))


def _caller_account(server: Server, exports: dict[str, str]) -> str:
    client = boto3.session.Session().client(
        "sts",
        endpoint_url=server.endpoint,
        aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        config=CLIENT_CONFIG,
    )
    return str(client.get_caller_identity()["Account"])


def test_credentials_prints_first_account_key(server: Server) -> None:
    result = _orgstack(server, "credentials")

    assert result.returncode == 0, result.stderr
    exports = _exports(result.stdout)
    assert exports["AWS_ACCESS_KEY_ID"] == server.management.access_key_id
    assert _caller_account(server, exports) == server.management.account_id


def test_create_standalone_prints_working_key(server: Server) -> None:
    result = _orgstack(
        server, "accounts", "create-standalone", "--email", "cli-made@example.com", "--name", "CLI"
    )

    assert result.returncode == 0, result.stderr
    exports = _exports(result.stdout)
    account_id = _caller_account(server, exports)
    assert re.fullmatch(r"\d{12}", account_id)
    again = _orgstack(server, "credentials", "--account", account_id)
    assert _exports(again.stdout) == exports


def test_create_standalone_rejects_used_email(server: Server) -> None:
    result = _orgstack(
        server,
        "accounts", "create-standalone",
        "--email", server.management.email,
        "--name", "Copy",
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr == (
        f"orgstack: An account with email `{server.management.email}` already exists.\n"
    )


def test_create_standalone_rejects_bad_name(server: Server) -> None:
    result = _orgstack(
        server, "accounts", "create-standalone", "--email", "n@example.com", "--name", "x" * 51
    )

    assert result.returncode == 2
    assert "use 1 to 50 printable ASCII characters" in result.stderr


def test_credentials_for_unknown_account(server: Server) -> None:
    result = _orgstack(server, "credentials", "--account", "000000000000")

    assert result.returncode == 2
    assert (
        result.stderr == "orgstack: account `000000000000` has no root access key in this store.\n"
    )


def test_master_key_file_is_private(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("keyfile")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, master_key="")
        try:
            mode = stat.S_IMODE((data_dir / "master.key").stat().st_mode)
            assert running.client("sts").get_caller_identity()["Account"]
        finally:
            running.stop()

    assert mode == 0o600
