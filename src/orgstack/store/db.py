"""Database engine set-up, migrations at start, and transactions.

SQLite runs in WAL mode with `synchronous=FULL`, so a committed transaction survives a killed
process or a power cut. Write transactions begin with `BEGIN IMMEDIATE`, so two writers queue for
the lock instead of failing when one upgrades a read lock. PostgreSQL needs no special settings.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from orgstack.store.group_commit import GroupCommitWriter

log = logging.getLogger("orgstack.store")
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# An arbitrary constant naming orgstack's migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK_ID = 4_580_001
# The store contains encrypted secrets and account data, so only its owner may read it.
SQLITE_FILE_MODE = 0o600
# SQLite creates these beside the database file in WAL mode.
SQLITE_COMPANION_SUFFIXES = ("-wal", "-shm")


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'orgstack.db'}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def describe_url(url: str) -> str:
    """Return the database URL with any password replaced, fit for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class Database:
    """One database engine and the transactions orgstack runs on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self.engine = _create_engine(url)
        # SQLite allows one writer at a time; queueing writers in the process avoids busy retries.
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._group_commit = (
            GroupCommitWriter(self.engine, self._write_lock) if self._write_lock else None
        )

    def run_write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a write transaction and return its result after the commit.

        On SQLite, concurrent callers share one transaction and one fsync, each in a SAVEPOINT of
        its own. On PostgreSQL each call has its own transaction, because writers run in parallel.
        """
        if self._group_commit is not None:
            return self._group_commit.submit(work)
        with self.transaction() as connection:
            return work(connection)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Connection]:
        """Yield a connection in a transaction that commits on success and rolls back on error."""
        if self._write_lock is not None and write:
            with self._write_lock, self._begin(write) as connection:
                yield connection
            return
        with self._begin(write) as connection:
            yield connection

    @contextmanager
    def _begin(self, write: bool) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(orgstack_write=write)
            with connection.begin():
                yield connection

    def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied, keeping existing data."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            if not self.is_sqlite:
                # Replicas starting together would race to migrate; one holds the lock, the others
                # wait and then find nothing left to do.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        log.info("store schema is up to date store=%s", describe_url(self.url))

    def dispose(self) -> None:
        if self._group_commit is not None:
            self._group_commit.stop()
        self.engine.dispose()


def _restrict_sqlite_files(url: str) -> None:
    """Create the SQLite file readable by its owner only, and tighten one made before.

    SQLite's Unix VFS gives the -wal and -shm files the mode of the database file, so creating
    that file first with mode 0600 covers them too. The chmod repairs stores created by older
    versions.
    """
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        # SQLite reports the missing directory when it first connects.
        return
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE))

    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANION_SUFFIXES)):
        if not candidate.exists() or candidate.stat().st_mode & 0o777 == SQLITE_FILE_MODE:
            continue
        try:
            os.chmod(candidate, SQLITE_FILE_MODE)
        except OSError as error:
            # A store owned by another user (opened read-only by a CLI command) keeps its mode.
            log.warning(
                "failed to restrict the store file to mode 0600 path=%s error=%s", candidate, error
            )


def _create_engine(url: str) -> Engine:
    if not is_sqlite(url):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)

    _restrict_sqlite_files(url)
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=8,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's `begin` event, not pysqlite, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_sqlite(connection: Connection) -> None:
        write = connection.get_execution_options().get("orgstack_write", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
