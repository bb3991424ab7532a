"""Defects found by reviewing a running server. Each test fails until its defect is fixed."""

from __future__ import annotations

import http.client
import os
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import orjson
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.organization_helpers import new_organization
from tests.harness import Account, Server, fresh_database_url, start_server

ORGANIZATIONS_TARGET = "AWSOrganizationsV20161128."


def _signed_post(
    server: Server, target: str, body: bytes, service: str, region: str
) -> tuple[int, Any]:
    """POST a JSON call signed with the management key under the given credential scope."""
    request = AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
    )
    credentials = Credentials(server.management.access_key_id, server.management.secret_access_key)
    SigV4Auth(credentials, service, region).add_auth(request)
    http_request = urllib.request.Request(
        server.endpoint + "/", data=body, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


def test_scope_for_other_service_rejected(server: Server) -> None:
    # AWS rejects a signature scoped to another service with this error before it runs the call.
    status, body = _signed_post(
        server, ORGANIZATIONS_TARGET + "ListRoots", b"{}", service="s3", region="us-east-1"
    )

    assert status == 400
    assert body["__type"] == "InvalidSignatureException"
    assert body["message"] == "Credential should be scoped to correct service: 'organizations'. "


def _nul_calls(server: Server, management: Account) -> list[tuple[str, Callable[[], Any]]]:
    organizations = server.client("organizations", management)
    cloudtrail = server.client("cloudtrail", management)
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    return [
        (
            "CreatePolicy",
            lambda: organizations.create_policy(
                Name="nul\x00name",
                Description="",
                Type="SERVICE_CONTROL_POLICY",
                Content='{"Version":"2012-10-17","Statement":'
                '[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}',
            ),
        ),
        (
            "LookupEvents",
            lambda: cloudtrail.lookup_events(
                LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "a\x00"}]
            ),
        ),
        (
            "CreateOrganizationalUnit",
            lambda: organizations.create_organizational_unit(ParentId=root_id, Name="a\x00b"),
        ),
    ]


def test_nul_in_strings_never_internal_failure(server: Server) -> None:
    # PostgreSQL text cannot contain U+0000, so the store raises and the caller gets a 500.
    management, _ = new_organization(server)

    for operation, call in _nul_calls(server, management):
        try:
            call()
        except botocore.exceptions.ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status < 500, f"{operation} answered {status} {error.response['Error']}"
    assert "unexpected failure" not in server.log_text()


def _orgstack_command(
    arguments: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "orgstack", *arguments]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("ORGSTACK_DATA_DIR", "ORGSTACK_DATABASE_URL", "ORGSTACK_MASTER_KEY"):
        env.pop(name, None)
    return env


def test_banner_credentials_command_finds_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Without --demo the start banner prints the command that outputs the root key.
    data_dir = tmp_path_factory.mktemp("banner-data")
    store_dir = tmp_path_factory.mktemp("banner-store")
    with fresh_database_url(store_dir) as database_url:
        running = start_server(data_dir, database_url, master_key="")
        try:
            banner = [line for line in running.log_text().splitlines() if "eval " in line]
        finally:
            running.stop()

        assert len(banner) == 1
        printed = shlex.split(banner[0].split('"$(', 1)[1].split(')"', 1)[0])
        assert printed[0] == "orgstack"
        result = _orgstack_command(printed[1:], _clean_env())

    assert result.returncode == 0, result.stderr
    assert f"export AWS_ACCESS_KEY_ID={running.management.access_key_id}" in result.stdout


def test_credentials_leaves_missing_data_dir(tmp_path: Path) -> None:
    # A mistyped --data-dir must not leave a new store behind.
    missing = tmp_path / "no-such-dir"

    result = _orgstack_command(["credentials", "--data-dir", str(missing)], _clean_env())

    assert result.returncode == 2
    assert not missing.exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/no-such-path", None), ("POST", "/", b"x" * 20_000_000)],
    ids=["not-found", "too-large"],
)
def test_every_request_gets_log_line(
    server: Server, method: str, path: str, body: bytes | None
) -> None:
    # Requests that never reach an operation must still leave a request line with their status.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(
            method, path, body=body, headers={"Content-Type": "application/x-amz-json-1.1"}
        )
        response = connection.getresponse()
        response.read()
        status = response.status
    finally:
        connection.close()
    assert status >= 400

    request_lines = [
        line
        for line in server.log_text().splitlines()
        if "orgstack.server request " in line and f"status={status}" in line
    ]
    assert request_lines, f"no request line with status={status}"


def test_sts_duration_beyond_int64_rejected(server: Server) -> None:
    # The audit writer cannot serialize an integer beyond 64 bits, so the call ends in a
    # plain-text 500 with no audit event and no request log line.
    sts = server.client("sts")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        sts.get_session_token(DurationSeconds=99999999999999999999)

    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ValidationError"
    assert response["Error"]["Message"] == (
        "1 validation error detected: Value '99999999999999999999' at 'durationSeconds' failed "
        "to satisfy constraint: Member must have value less than or equal to 129600"
    )
