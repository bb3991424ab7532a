"""SQLite group commit: shared transactions, isolated failures, answers only after the commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select

from orgstack.store.db import Database
from orgstack.store.schema import settings


def _database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'group.db'}")
    database.upgrade()
    return database


def _write(key: str) -> Callable[[Connection], str]:
    def work(connection: Connection) -> str:
        connection.execute(insert(settings).values(key=key, value="v"))
        return key

    return work


def _keys(database: Database) -> set[str]:
    with database.transaction(write=False) as connection:
        return set(connection.execute(select(settings.c.key)).scalars())


def test_concurrent_writes_all_commit(tmp_path: Path) -> None:
    database = _database(tmp_path)
    results: list[str] = []

    threads = [
        threading.Thread(target=lambda index=index: results.append(
            database.run_write(_write(f"key-{index}"))
        ))
        for index in range(40)
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == sorted(f"key-{index}" for index in range(40))
    assert {f"key-{index}" for index in range(40)} <= _keys(database)
    database.dispose()


def test_failed_work_rolls_back_alone(tmp_path: Path) -> None:
    database = _database(tmp_path)

    def fails(connection: Connection) -> None:
        connection.execute(insert(settings).values(key="half-written", value="v"))
        raise ValueError("rejected")

    database.run_write(_write("before"))
    with pytest.raises(ValueError, match="rejected"):
        database.run_write(fails)
    database.run_write(_write("after"))

    keys = _keys(database)
    assert "half-written" not in keys
    assert {"before", "after"} <= keys
    database.dispose()


def test_result_is_visible_to_other_connections(tmp_path: Path) -> None:
    database = _database(tmp_path)

    database.run_write(_write("committed"))

    # A fresh engine sees the change, so run_write returned after the commit.
    other = Database(database.url)
    assert "committed" in _keys(other)
    other.dispose()
    database.dispose()
