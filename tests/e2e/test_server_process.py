"""The server process itself: its request log and how it stops on SIGTERM and SIGINT."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import pytest

from tests.e2e.audit_helpers import request_id_of, role_session
from tests.harness import Server, fresh_database_url, start_server

REQUEST_LINE = re.compile(
    r"INFO orgstack\.server request service=(?P<service>\S+) operation=(?P<operation>\S+) "
    r"status=(?P<status>\d{3}) latency_ms=(?P<latency>\d+\.\d{2}) "
    r"request_id=(?P<request_id>\S+) account=(?P<account>\S+)$"
)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server of this test alone, so that its log and its exit status are the test's."""
    with fresh_database_url(tmp_path) as database_url:
        running = start_server(tmp_path / "data", database_url)
        try:
            yield running
        finally:
            running.stop()


def _request_lines(log_text: str) -> dict[str, re.Match[str]]:
    lines: dict[str, re.Match[str]] = {}
    for line in log_text.splitlines():
        matched = REQUEST_LINE.search(line)
        if matched:
            assert matched["request_id"] not in lines, line
            lines[matched["request_id"]] = matched
    return lines


def test_log_has_one_line_per_request(own_server: Server) -> None:
    account = own_server.new_account()
    organizations = own_server.client("organizations", account)
    calls = [
        ("sts", "GetCallerIdentity", 200, own_server.client("sts", account).get_caller_identity()),
        ("organizations", "CreateOrganization", 200, organizations.create_organization()),
        (
            "cloudtrail",
            "LookupEvents",
            200,
            own_server.client("cloudtrail", account).lookup_events(),
        ),
    ]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        organizations.create_organization()
    calls.append(("organizations", "CreateOrganization", 400, raised.value.response))

    lines = _request_lines(own_server.log_text())

    for service, operation, status, reply in calls:
        line = lines[request_id_of(reply)]
        assert line["service"] == service
        assert line["operation"] == operation
        assert int(line["status"]) == status
        assert float(line["latency"]) >= 0
        assert line["account"] == account.account_id
    assert len(lines) == len(calls)


def test_log_contains_no_credentials(own_server: Server) -> None:
    account = own_server.new_account()
    own_server.client("organizations", account).create_organization()
    own_server.client("sts", account).get_caller_identity()
    own_server.client("sts", own_server.management).get_caller_identity()
    session = role_session(own_server, account, "log-test")
    own_server.client("sts", **session).get_caller_identity()
    with pytest.raises(botocore.exceptions.ClientError):
        own_server.client(
            "sts",
            aws_access_key_id=account.access_key_id,
            aws_secret_access_key="wrong-secret-for-the-log-test",
        ).get_caller_identity()
    own_server.stop()

    log_text = own_server.log_text()

    assert "request service=sts operation=GetCallerIdentity status=200" in log_text
    assert "request service=sts operation=AssumeRole status=200" in log_text
    secrets = {
        "the account's secret access key": account.secret_access_key,
        "the management account's secret access key": own_server.management.secret_access_key,
        "the wrong secret a client signed with": "wrong-secret-for-the-log-test",
        "the master key": own_server.master_key,
        "the role session's secret access key": session["aws_secret_access_key"],
        "the role session's session token": session["aws_session_token"],
    }
    for description, secret in secrets.items():
        assert secret not in log_text, description


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_signal_stops_cleanly(own_server: Server, stop_signal: signal.Signals) -> None:
    own_server.client("sts").get_caller_identity()

    exit_status = own_server.stop(stop_signal)

    assert exit_status == 0
    log_text = own_server.log_text()
    assert re.search(r"INFO orgstack\.server stopped store=", log_text)
    assert "Traceback" not in log_text
