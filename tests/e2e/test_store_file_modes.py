"""File modes of a server's data directory: the master key and the SQLite store are private.

These tests always use SQLite, because only the SQLite store lives in the data directory.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.harness import start_server

STORE_FILES = ("orgstack.db", "orgstack.db-wal", "orgstack.db-shm")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_data_dir_is_private(tmp_path_factory: pytest.TempPathFactory) -> None:
    log_dir = tmp_path_factory.mktemp("modes")
    data_dir = log_dir / "fresh" / "data"
    # An empty master key lets the server create master.key in the data directory.
    database_url = f"sqlite:///{data_dir / 'orgstack.db'}"
    server = start_server(data_dir, database_url, master_key="", log_dir=log_dir)
    try:
        server.client("iam").list_roles()

        assert mode_of(data_dir) == 0o700
        assert mode_of(data_dir / "master.key") == 0o600
        for name in STORE_FILES:
            assert mode_of(data_dir / name) == 0o600, name
    finally:
        server.stop()


def test_readable_store_is_restricted(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("modes-old")
    # Stores created before the file mode was set were readable by every local user.
    database = data_dir / "orgstack.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    server = start_server(data_dir, f"sqlite:///{database}")
    try:
        server.client("iam").list_roles()

        for name in STORE_FILES:
            assert mode_of(data_dir / name) == 0o600, name
    finally:
        server.stop()
