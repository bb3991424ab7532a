"""Fixtures shared by every test: a real server and AWS clients pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# No test may reach AWS: fake keys and a loopback endpoint for any client built without ours.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "fake-secret-for-tests")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
os.environ.pop("AWS_PROFILE", None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

from tests.harness import Account, Server, fresh_database_url, reset_moved_clocks, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the session; tests isolate themselves by using accounts of their own."""
    data_dir = tmp_path_factory.mktemp("orgstack")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--max-accounts", "100000"))
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def management(server: Server) -> Account:
    """A fresh standalone account, to become the management account of a new organization."""
    return server.new_account()


@pytest.fixture(autouse=True)
def _restore_server_clocks() -> Iterator[None]:
    """Move back the clock of any server a test moved forward, once the test ends."""
    yield
    reset_moved_clocks()
