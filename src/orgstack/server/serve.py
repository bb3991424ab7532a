"""`orgstack serve`: run the ASGI app on uvicorn until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import shlex
import signal
import sys
from types import FrameType

import uvicorn

from orgstack import demo_identity
from orgstack.accounts import first_account_id
from orgstack.auth.credentials import root_keys
from orgstack.config import Settings
from orgstack.server.app import OrgstackApp
from orgstack.server.runtime import Runtime, build_runtime
from orgstack.store.db import describe_url, sqlite_url

log = logging.getLogger("orgstack.server")


def banner(runtime: Runtime) -> str:
    """Return the text printed at start: the endpoint and how to point clients at it."""
    settings = runtime.settings
    lines = [f"orgstack is serving AWS APIs at {settings.base_url}", ""]
    with runtime.database.transaction(write=False) as connection:
        account_id = first_account_id(connection)
        keys = root_keys(connection, runtime.box, account_id) if account_id else []
    lines.append(f"export AWS_ENDPOINT_URL={settings.base_url}")
    lines.append("export AWS_DEFAULT_REGION=us-east-1")
    if settings.demo and keys:
        # The demo prints the management account's root key so that a first user can paste it.
        # The key goes to standard output only, never to the log.
        key_id, secret = keys[0]
        lines.append(f"export AWS_ACCESS_KEY_ID={key_id}")
        lines.append(f"export AWS_SECRET_ACCESS_KEY={secret}")
        lines.append(f"# management account: {account_id}")
        if runtime.demo is not None and runtime.demo.identity_center is not None:
            # One-time passwords exist only in memory: printed here once, never logged.
            lines.extend(demo_identity.banner_lines(runtime.demo.identity_center))
    else:
        lines.append(
            f'eval "$({credentials_command(settings)})"  # the management account\'s root key'
        )
    return "\n".join(lines) + "\n"


def credentials_command(settings: Settings) -> str:
    """Return the `orgstack credentials` command that reads this server's store.

    A database password is never printed: the URL is shown with it masked, to be filled in.
    """
    words = ["orgstack", "credentials", "--data-dir", shlex.quote(str(settings.data_dir))]
    if settings.database_url != sqlite_url(settings.data_dir):
        words += ["--database-url", shlex.quote(describe_url(settings.database_url))]
    return " ".join(words)


def run(settings: Settings) -> int:
    runtime = build_runtime(settings)
    app = OrgstackApp(runtime.pipeline, lifespan=runtime)
    runtime.on_ready.append(_announce)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        # uvicorn would otherwise rewrite the client address and scheme from X-Forwarded-For and
        # X-Forwarded-Proto sent by 127.0.0.1 (its `forwarded_allow_ips` default), before orgstack
        # receives the request. Only ORGSTACK_TRUSTED_PROXIES decides whom to believe (web/http.py),
        # and `forwarded_allow_ips` is unused while proxy headers are off.
        proxy_headers=False,
        # httptools keeps header names with underscores, such as the sso portal's
        # `x-amz-sso_bearer_token` (a test sends it through this server). It sends reply header
        # names in lower case, which HTTP allows: clients compare them without regard to case.
        http="httptools",
        # uvloop where it is installed (not on Windows), else asyncio's loop.
        loop="auto",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    log.info("starting address=%s store=%s", settings.base_url, describe_url(settings.database_url))
    _keep_exit_status_after_shutdown()
    server.run()
    return 0 if server.started else 1


def _keep_exit_status_after_shutdown() -> None:
    """Make SIGTERM and SIGINT end with the server's own exit status.

    uvicorn handles both signals with a graceful shutdown, then restores the handlers it found and
    raises the signal again. With Python's defaults that second delivery kills the process with
    SIGTERM or raises KeyboardInterrupt, so a clean stop would not exit with 0. Handlers that do
    nothing make the second delivery harmless, while uvicorn's own handlers still serve the first.
    """
    for handled in (signal.SIGTERM, signal.SIGINT):
        signal.signal(handled, _ignore_signal)


def _ignore_signal(signal_number: int, frame: FrameType | None) -> None:
    return None


def _announce(runtime: Runtime) -> None:
    log.info("ready address=%s", runtime.settings.base_url)
    sys.stdout.write(banner(runtime))
    sys.stdout.flush()
