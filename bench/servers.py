"""Start the servers a benchmark compares: orgstack, moto's server and a bare ASGI endpoint.

Each runs as its own process on 127.0.0.1 and is stopped when the benchmark ends.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

BIN = Path(sys.executable).parent


@dataclass
class RunningServer:
    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    access_key_id: str
    secret_access_key: str
    # A temporary directory the benchmark created for this server, removed when it stops.
    data_dir: Path | None = None

    def rss_megabytes(self) -> float:
        """Resident memory of the server process, from /proc (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS not found")

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the server process so far, from /proc (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(20)
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            code = process.returncode
            raise RuntimeError(f"server exited with {code} before responding at {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback only)
                return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error status still means it is up
                return
            time.sleep(0.1)
    raise RuntimeError(f"no response from {url} within 60 s")


def start_orgstack(max_accounts: int, database_url: str | None = None) -> RunningServer:
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="orgstack-bench-"))
    key_id = "AKIA" + secrets.token_hex(8).upper()
    secret = secrets.token_urlsafe(30)
    env = {
        **os.environ,
        "ORGSTACK_MASTER_KEY": Fernet.generate_key().decode(),
        "ORGSTACK_ROOT_ACCESS_KEY_ID": key_id,
        "ORGSTACK_ROOT_SECRET_ACCESS_KEY": secret,
    }
    command = [
        str(BIN / "orgstack"), "serve", "--port", str(port), "--data-dir", str(data_dir),
        "--max-accounts", str(max_accounts), "--log-level", "warning",
    ]  # fmt: skip
    if database_url:
        command += ["--database-url", database_url]
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    _wait(f"{endpoint}/_orgstack/health", process)
    return RunningServer("orgstack", endpoint, process, key_id, secret, data_dir)


def start_moto() -> RunningServer:
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    _wait(f"{endpoint}/moto-api/", process)
    return RunningServer("moto_server", endpoint, process, "AKIAFAKEFAKEFAKEFAKE", "fake")


def start_bare_asgi() -> RunningServer:
    port = _free_port()
    process = subprocess.Popen(
        [
            str(BIN / "uvicorn"), "bench.bare_asgi:app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--http", "httptools",
            "--loop", "auto",
        ],
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    _wait(endpoint, process)
    return RunningServer("bare ASGI", endpoint, process, "AKIAFAKEFAKEFAKEFAKE", "fake")
