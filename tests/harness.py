"""A real orgstack server for tests: started as a subprocess on 127.0.0.1, driven over HTTP.

The store is SQLite in a temporary directory, or a fresh PostgreSQL database when
`ORGSTACK_TEST_DATABASE_URL` names a PostgreSQL server (the database in that URL is used only to
create and drop the test database).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import orjson
from botocore.config import Config
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from orgstack.accounts import create_standalone_account
from orgstack.clock import Clock
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.db import Database

REGION = "us-east-1"
# Clients must never reach AWS: one attempt, short timeouts, and the endpoint always set.
CLIENT_CONFIG = Config(
    retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60, region_name=REGION
)


@dataclass(frozen=True)
class Account:
    account_id: str
    email: str
    name: str
    access_key_id: str
    secret_access_key: str


@dataclass
class Server:
    endpoint: str
    port: int
    data_dir: Path
    database_url: str
    master_key: str
    management: Account
    process: subprocess.Popen[bytes]
    log_path: Path
    _database: Database | None = field(default=None, repr=False)
    clock_offset: float = 0.0

    def client(self, service: str, account: Account | None = None, **credentials: str) -> Any:
        """Return a boto3 client for `service`, signed with `account`'s root key by default.

        `credentials` may name `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`
        and `region` (default us-east-1).
        """
        account = account or self.management
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            aws_access_key_id=credentials.get("aws_access_key_id", account.access_key_id),
            aws_secret_access_key=credentials.get(
                "aws_secret_access_key", account.secret_access_key
            ),
            aws_session_token=credentials.get("aws_session_token"),
            config=CLIENT_CONFIG.merge(Config(region_name=credentials.get("region", REGION))),
        )

    def database(self) -> Database:
        if self._database is None:
            self._database = Database(self.database_url)
        return self._database

    def new_account(self, name: str | None = None, email: str | None = None) -> Account:
        """Create a standalone account in the server's store, as `orgstack accounts` does."""
        suffix = secrets.token_hex(6)
        name = name or f"Account {suffix}"
        email = email or f"owner-{suffix}@example.com"
        box = SecretBox(self.master_key.encode())
        with self.database().transaction() as connection:
            created = create_standalone_account(connection, box, Clock().now(), name, email)
        return Account(
            created.account_id, email, name, created.access_key_id, created.secret_access_key
        )

    def advance_clock(self, seconds: float) -> None:
        """Move the server's business clock forward (the server runs with --test-clock).

        The shared session server's clock is moved back after each test (see conftest), so tests
        that compare with the wall clock do not depend on which tests ran before them.
        """
        self._post_clock(seconds)
        self.clock_offset += seconds
        MOVED_CLOCKS.append(self)

    def reset_clock(self) -> None:
        """Undo every `advance_clock` of this server, if it still runs."""
        if self.clock_offset and self.process.poll() is None:
            self._post_clock(-self.clock_offset)
        self.clock_offset = 0.0

    def _post_clock(self, seconds: float) -> None:
        body = orjson.dumps({"advance_seconds": seconds})
        request = urllib.request.Request(
            f"{self.endpoint}/_orgstack/clock", data=body, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._database is not None:
            self._database.dispose()
            self._database = None
        return self.process.returncode


# Servers whose clock a test moved; conftest moves them back after the test.
MOVED_CLOCKS: list[Server] = []


def reset_moved_clocks() -> None:
    while MOVED_CLOCKS:
        MOVED_CLOCKS.pop().reset_clock()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fresh_database_url(data_dir: Path) -> Iterator[str]:
    """Yield the URL of an empty store: a fresh PostgreSQL database, or SQLite in `data_dir`."""
    server_url = os.environ.get("ORGSTACK_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{data_dir / 'orgstack.db'}"
        return
    name = f"orgstack_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_server(
    data_dir: Path,
    database_url: str,
    extra_args: tuple[str, ...] = (),
    master_key: str | None = None,
    management_key: tuple[str, str] | None = None,
    port: int | None = None,
    log_dir: Path | None = None,
) -> Server:
    """Start `orgstack serve` and wait until its health check returns 200.

    The server's log goes to `log_dir`, by default the data directory. With a `log_dir` the
    harness leaves creating the data directory to the server.
    """
    log_dir = log_dir or data_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    # An empty master key means: let the server create `master.key` in the data directory.
    use_key_file = master_key == ""
    master_key = master_key or Fernet.generate_key().decode()
    key_id, secret = management_key or (
        "AKIA" + secrets.token_hex(8).upper(),
        secrets.token_urlsafe(30),
    )
    env = {
        **os.environ,
        "ORGSTACK_MASTER_KEY": "" if use_key_file else master_key,
        "ORGSTACK_ROOT_ACCESS_KEY_ID": key_id,
        "ORGSTACK_ROOT_SECRET_ACCESS_KEY": secret,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = log_dir / f"server-{port}.log"
    command = [
        sys.executable,
        "-m",
        "orgstack",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--database-url",
        database_url,
        "--test-clock",
        *extra_args,
    ]
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_healthy(endpoint, process, log_path)
    if use_key_file:
        master_key = (data_dir / "master.key").read_text().strip()
    management = _management_account(database_url, master_key, key_id, secret)
    return Server(endpoint, port, data_dir, database_url, master_key, management, process, log_path)


def _wait_healthy(endpoint: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"orgstack exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{endpoint}/_orgstack/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"orgstack did not become healthy:\n{log_path.read_text()}")


def _management_account(database_url: str, master_key: str, key_id: str, secret: str) -> Account:
    from sqlalchemy import select

    from orgstack.store.schema import access_keys, accounts

    database = Database(database_url)
    try:
        with database.transaction(write=False) as connection:
            row = connection.execute(
                select(accounts.c.id, accounts.c.email, accounts.c.name)
                .join(access_keys, access_keys.c.account_id == accounts.c.id)
                .where(access_keys.c.access_key_id == key_id)
            ).one()
    finally:
        database.dispose()
    return Account(row.id, row.email, row.name, key_id, secret)


def create_member_account(server: Server, org_client: Any, name: str | None = None) -> str:
    """Create a member account with CreateAccount and return its id once the request SUCCEEDED.

    `org_client` is an Organizations client of the management account. The new account has no
    access keys, as in AWS; its `OrganizationAccountAccessRole` trusts the management account.
    """
    suffix = secrets.token_hex(6)
    status = org_client.create_account(
        AccountName=name or f"Member {suffix}", Email=f"member-{suffix}@example.com"
    )["CreateAccountStatus"]
    deadline = time.monotonic() + 30
    while status["State"] == "IN_PROGRESS":
        if time.monotonic() > deadline:
            raise RuntimeError(f"account creation {status['Id']} still IN_PROGRESS after 30 s")
        time.sleep(0.02)
        status = org_client.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"
        ]
    if status["State"] != "SUCCEEDED":
        raise RuntimeError(f"account creation {status['Id']} failed: {status.get('FailureReason')}")
    return str(status["AccountId"])


def give_root_key(server: Server, account_id: str) -> Account:
    """Store a root access key for an existing account and return the account with it.

    Member accounts made by CreateAccount have no keys, as in AWS; tests that must call as the
    member itself (LeaveOrganization, member access checks) give it one through the store.
    """
    from sqlalchemy import select

    from orgstack.auth.credentials import create_root_key
    from orgstack.store.schema import accounts

    box = SecretBox(server.master_key.encode())
    with server.database().transaction() as connection:
        row = connection.execute(
            select(accounts.c.email, accounts.c.name).where(accounts.c.id == account_id)
        ).one()
        key_id, secret = create_root_key(connection, box, account_id, Clock().now())
    return Account(account_id, row.email, row.name, key_id, secret)
