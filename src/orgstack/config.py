"""Server settings, read from command-line options with `ORGSTACK_*` environment defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4580
# AWS's default quota of accounts per organization (Organizations quotas page); AWS raises it on
# request, so orgstack lets the operator set it.
DEFAULT_MAX_ACCOUNTS = 10
# Requests larger than this are rejected with 413 before they are parsed.
MAX_BODY_BYTES = 1_048_576


def default_data_dir() -> Path:
    configured = os.environ.get("ORGSTACK_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "orgstack"


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = Path(".")
    database_url: str = ""
    demo: bool = False
    master_key: str | None = None
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = None
    max_accounts: int = DEFAULT_MAX_ACCOUNTS
    # Lets tests move the business clock through `POST /_orgstack/clock`; never on in production.
    test_clock: bool = False
    public_base_url: str | None = None

    @property
    def base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
