"""Assembly of a running orgstack: store, master key, clock, audit writer, pipeline, workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orgstack import accounts
from orgstack.audit.writer import AuditWriter
from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.secrets_at_rest import SecretBox, load_master_key
from orgstack.server.pipeline import Pipeline
from orgstack.services import catalog, registry
from orgstack.store.db import Database, describe_url
from orgstack.store.jobs import JobWorker

if TYPE_CHECKING:
    from orgstack.demo import DemoOrganization

log = logging.getLogger("orgstack.server")


@dataclass
class Runtime:
    """The parts of a server process, started and stopped together."""

    settings: Settings
    database: Database
    box: SecretBox
    clock: Clock
    audit: AuditWriter
    pipeline: Pipeline
    on_start: list[Callable[[Runtime], None]] = field(default_factory=list)
    on_stop: list[Callable[[Runtime], None]] = field(default_factory=list)
    # Hooks run last, once the server accepts requests, such as the start-up banner.
    on_ready: list[Callable[[Runtime], None]] = field(default_factory=list)
    # The example organization loaded at this start, for the banner; None when nothing was loaded.
    demo: DemoOrganization | None = None

    def startup(self) -> None:
        self.database.upgrade()
        self.bootstrap()
        self.audit.start()
        for hook in self.on_start:
            hook(self)
        if self.settings.demo:
            from orgstack import demo

            self.demo = demo.load_if_empty(self.pipeline)
        for hook in self.on_ready:
            hook(self)

    def shutdown(self) -> None:
        for hook in reversed(self.on_stop):
            hook(self)
        self.audit.stop()
        self.database.dispose()
        log.info("stopped store=%s", describe_url(self.database.url))

    def bootstrap(self) -> None:
        """Create the first account and its root key when the store is empty."""
        with self.database.transaction() as connection:
            if accounts.account_count(connection) > 0:
                return
            created = accounts.create_standalone_account(
                connection,
                self.box,
                self.clock.now(),
                accounts.DEFAULT_MANAGEMENT_NAME,
                accounts.DEFAULT_MANAGEMENT_EMAIL,
                self.settings.root_access_key_id,
                self.settings.root_secret_access_key,
            )
        log.info("new store: created the first account account_id=%s", created.account_id)


def open_store(settings: Settings) -> tuple[Database, SecretBox]:
    """Open the database and master key that `settings` name (the data directory is created).

    A new data directory is private to its owner (mode 0700), like the key and store inside it.
    An existing one keeps its mode, because the operator may have chosen a shared directory.
    """
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    database = Database(settings.database_url)
    box = SecretBox(load_master_key(settings.data_dir, settings.master_key))
    return database, box


def build_runtime(settings: Settings) -> Runtime:
    registry.load_all()
    database, box = open_store(settings)
    clock = Clock()
    audit = AuditWriter(database)
    pipeline = Pipeline(database, settings, clock, box, audit, catalog.SERVED)
    runtime = Runtime(settings, database, box, clock, audit, pipeline)
    # The job worker shares the pipeline's clock, so moving the test clock makes jobs due. It
    # starts after the schema upgrade and stops before the database is disposed.
    worker = JobWorker(database, clock, settings, box)
    runtime.on_start.append(lambda _runtime: worker.start())
    runtime.on_stop.append(lambda _runtime: worker.stop())
    return runtime
