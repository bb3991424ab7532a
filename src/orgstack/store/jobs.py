"""Durable background jobs: rows of the `jobs` table run by a worker thread in each server.

A job is enqueued in the transaction of the change that requests it, so the job exists exactly when
that change commits. A worker claims one due job at a time, runs the handler registered for its
kind in a transaction of its own, and marks the job done in that same transaction, so a handler's
work and the job's completion commit together.

Claiming differs by database. On PostgreSQL the worker selects a due row `FOR UPDATE SKIP LOCKED`,
so several servers sharing one database never claim the same row. On SQLite the claim is an
UPDATE inside a write transaction (`BEGIN IMMEDIATE`), which SQLite runs one at a time. A claim
writes a lease (`locked_by`, `locked_until`). A worker that dies mid-job leaves its lease to expire,
and any worker then claims the job again. A handler whose lease was taken over cannot mark the job
done, because the final UPDATE matches on `locked_by`, so its transaction rolls back.

`run_at` is on the business clock (`Clock.now()`), so tests that move the clock make jobs due.
Leases are on the wall clock, because they measure whether a process is still alive.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, delete, event, insert, or_, select, update

from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.db import Database
from orgstack.store.schema import jobs

log = logging.getLogger("orgstack.jobs")

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"

# An idle worker looks for due jobs after this pause, doubled after each poll that finds none up to
# MAX_IDLE_POLL_SECONDS. An enqueue or a clock change in the same process wakes it at once and
# restarts the pause at its shortest, so only jobs enqueued by another replica, or coming due with
# time, wait up to the longest pause.
DEFAULT_POLL_SECONDS = 0.05
MAX_IDLE_POLL_SECONDS = 1.0
# A claimed job not finished within the lease is presumed abandoned and claimed again.
DEFAULT_LEASE_SECONDS = 60.0
# Unexpected failures are retried after 1, 2, 4 … seconds (at most MAX_BACKOFF_SECONDS), and the
# job is given up after DEFAULT_MAX_ATTEMPTS attempts.
DEFAULT_MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 300.0
# Done jobs are deleted once they were enqueued this long ago. Failed jobs are kept until an
# operator deletes them.
DONE_RETENTION = dt.timedelta(days=7)
PURGE_INTERVAL_SECONDS = 600.0
ERROR_PAUSE_SECONDS = 1.0


@dataclass
class JobContext:
    """The open transaction and server services that a job handler may use."""

    job_id: int
    kind: str
    attempt: int
    db: Connection
    clock: Clock
    settings: Settings
    box: SecretBox

    def now(self) -> dt.datetime:
        return self.clock.now()


Payload = dict[str, Any]
JobHandler = Callable[[JobContext, Payload], None]


@dataclass(frozen=True)
class JobKind:
    """A registered job kind: its handler and what to do when it is given up."""

    name: str
    handler: JobHandler
    # Runs in its own transaction after the last attempt failed, so that the state the job was
    # meant to change does not stay in progress forever.
    on_give_up: JobHandler | None = None


KINDS: dict[str, JobKind] = {}

# Workers of this process, woken when this process enqueues a job.
_workers: weakref.WeakSet[JobWorker] = weakref.WeakSet()
_ENQUEUED_KEY = "orgstack_job_enqueued"


def register(kind: str, handler: JobHandler, on_give_up: JobHandler | None = None) -> None:
    """Register the handler of jobs of `kind`; each kind is registered once per process."""
    if kind in KINDS:
        raise RuntimeError(f"job kind {kind} is registered twice")
    KINDS[kind] = JobKind(kind, handler, on_give_up)


def enqueue(
    connection: Connection,
    kind: str,
    payload: Payload,
    run_at: dt.datetime,
) -> int:
    """Insert a job in the caller's transaction and return its id.

    The job becomes visible to workers when that transaction commits, and is due at `run_at`
    (business clock).
    """
    if kind not in KINDS:
        raise RuntimeError(f"job kind {kind} has no registered handler")
    inserted = connection.execute(
        insert(jobs).values(
            kind=kind,
            payload_json=orjson.dumps(payload).decode(),
            state=PENDING,
            run_at=run_at,
            attempts=0,
            created_at=_wall_now(),
        )
    )
    primary_key = inserted.inserted_primary_key
    if primary_key is None:
        raise RuntimeError("the jobs table returned no id for an inserted job")
    job_id = primary_key[0]
    # Workers of this process are woken when the connection returns to the pool, which is after
    # the commit, so that they see the new row at once.
    connection.info[_ENQUEUED_KEY] = True
    return int(job_id)


def _wake_after_enqueue(dbapi_connection: Any, record: Any) -> None:
    """Wake this process's workers when a connection that enqueued a job is checked in."""
    if record.info.pop(_ENQUEUED_KEY, False):
        wake_workers()


def wake_workers() -> None:
    """Wake this process's workers, for example after the business clock moved ahead."""
    for worker in list(_workers):
        worker.wake()


def _listen_for_enqueues(engine: Engine) -> None:
    if not event.contains(engine.pool, "checkin", _wake_after_enqueue):
        event.listen(engine.pool, "checkin", _wake_after_enqueue)


def _wall_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff_seconds(attempt: int) -> float:
    """Return the delay before retry number `attempt` (1 for the first retry)."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** (attempt - 1)))


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: Payload
    attempts: int
    lease_token: str


class JobWorker:
    """A thread that runs due jobs until stopped. Several may share one database."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        box: SecretBox,
        *,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        name: str | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.settings = settings
        self.box = box
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.name = name or f"{socket.gethostname()[:32]}-{os.getpid()}"
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0
        self._idle_pause = poll_seconds

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        _listen_for_enqueues(self.database.engine)
        self._thread = threading.Thread(target=self._loop, name="orgstack-jobs", daemon=True)
        _workers.add(self)
        self._thread.start()
        log.info("job worker started worker=%s", self.name)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job in progress, if any, finishes."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wakeup.set()
        thread.join(timeout)
        _workers.discard(self)
        self._thread = None
        if thread.is_alive():
            log.warning("job worker did not stop in time worker=%s", self.name)
        else:
            log.info("job worker stopped worker=%s", self.name)

    def wake(self) -> None:
        self._wakeup.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                ran = self.run_once()
            except Exception:
                # The store may be briefly unreachable. Keep the thread alive, and pause so that a
                # long outage logs about once per pause instead of once per poll.
                log.exception("job worker failed to claim a job worker=%s", self.name)
                self._stopping.wait(ERROR_PAUSE_SECONDS)
                ran = False
            if ran:
                self._idle_pause = self.poll_seconds
                continue
            self._purge_when_due()
            if self._wakeup.wait(self._idle_pause):
                self._idle_pause = self.poll_seconds
            else:
                longest = max(MAX_IDLE_POLL_SECONDS, self.poll_seconds)
                self._idle_pause = min(self._idle_pause * 2, longest)
            self._wakeup.clear()

    def _purge_when_due(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
        try:
            removed = self.purge_finished()
        except Exception:
            log.exception("job purge failed worker=%s", self.name)
            return
        if removed:
            log.info("purged finished jobs count=%d worker=%s", removed, self.name)

    def purge_finished(self) -> int:
        """Delete done jobs enqueued more than `DONE_RETENTION` ago and return how many."""
        cutoff = _wall_now() - DONE_RETENTION
        with self.database.transaction() as connection:
            result = connection.execute(
                delete(jobs).where(jobs.c.state == DONE).where(jobs.c.created_at < cutoff)
            )
        return int(result.rowcount)

    def run_once(self) -> bool:
        """Claim and run one due job; return False when no job was due."""
        claimed = self.claim()
        if claimed is None:
            return False
        self._execute(claimed)
        return True

    # Claiming

    def claim(self) -> ClaimedJob | None:
        """Lease the oldest due job, or return None when none is due."""
        token = f"{self.name}/{secrets.token_hex(6)}"[-64:]
        wall_now = _wall_now()
        due = or_(
            and_(jobs.c.state == PENDING, jobs.c.run_at <= self.clock.now()),
            # A running job whose lease expired belongs to a worker that died or hung.
            and_(jobs.c.state == RUNNING, jobs.c.locked_until < wall_now),
        )
        query = select(jobs).where(due).order_by(jobs.c.run_at, jobs.c.id).limit(1)
        if self.database.is_sqlite:
            # An idle poll must not take SQLite's single write lock, which requests wait for.
            with self.database.transaction(write=False) as connection:
                if connection.execute(query).first() is None:
                    return None
        else:
            query = query.with_for_update(skip_locked=True)

        with self.database.transaction() as connection:
            row = connection.execute(query).first()
            if row is None:
                return None
            connection.execute(
                update(jobs)
                .where(jobs.c.id == row.id)
                .values(
                    state=RUNNING,
                    locked_by=token,
                    locked_until=wall_now + dt.timedelta(seconds=self.lease_seconds),
                    attempts=jobs.c.attempts + 1,
                )
            )
        if row.state == RUNNING:
            log.warning(
                "reclaimed job with expired lease job_id=%s kind=%s previous_worker=%s",
                row.id,
                row.kind,
                row.locked_by,
            )
        return ClaimedJob(row.id, row.kind, orjson.loads(row.payload_json), row.attempts + 1, token)

    # Running

    def _execute(self, job: ClaimedJob) -> None:
        kind = KINDS.get(job.kind)
        if kind is None:
            # Another server version may know this kind; leave it for that server to claim.
            self._release_unknown(job)
            return
        try:
            with self.database.transaction() as connection:
                kind.handler(self._context(job, connection), job.payload)
                self._mark_done(connection, job)
        except LeaseLost:
            log.warning("job lease was taken over; work rolled back job_id=%s", job.id)
        except Exception as error:
            self._record_failure(job, kind, error)
            return
        log.info("job done job_id=%s kind=%s attempt=%d", job.id, job.kind, job.attempts)

    def _context(self, job: ClaimedJob, connection: Connection) -> JobContext:
        return JobContext(
            job.id, job.kind, job.attempts, connection, self.clock, self.settings, self.box
        )

    def _mark_done(self, connection: Connection, job: ClaimedJob) -> None:
        result = connection.execute(
            update(jobs)
            .where(jobs.c.id == job.id)
            .where(jobs.c.locked_by == job.lease_token)
            .values(state=DONE, locked_by=None, locked_until=None, last_error=None)
        )
        if result.rowcount != 1:
            raise LeaseLost()

    def _record_failure(self, job: ClaimedJob, kind: JobKind, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"[:4000]
        give_up = job.attempts >= self.max_attempts
        log.error(
            "job failed job_id=%s kind=%s attempt=%d give_up=%s",
            job.id,
            job.kind,
            job.attempts,
            give_up,
            exc_info=error,
        )
        with self.database.transaction() as connection:
            values: dict[str, Any] = {"locked_by": None, "locked_until": None}
            values["last_error"] = message
            if give_up:
                values["state"] = FAILED
            else:
                values["state"] = PENDING
                values["run_at"] = self.clock.now() + dt.timedelta(
                    seconds=backoff_seconds(job.attempts)
                )
            owned = connection.execute(
                update(jobs)
                .where(jobs.c.id == job.id)
                .where(jobs.c.locked_by == job.lease_token)
                .values(**values)
            ).rowcount
        if give_up and owned == 1 and kind.on_give_up is not None:
            self._give_up(job, kind.on_give_up)

    def _give_up(self, job: ClaimedJob, on_give_up: JobHandler) -> None:
        try:
            with self.database.transaction() as connection:
                on_give_up(self._context(job, connection), job.payload)
        except Exception:
            log.exception("job give-up handler failed job_id=%s kind=%s", job.id, job.kind)

    def _release_unknown(self, job: ClaimedJob) -> None:
        log.error("job has no registered handler job_id=%s kind=%s", job.id, job.kind)
        with self.database.transaction() as connection:
            connection.execute(
                update(jobs)
                .where(jobs.c.id == job.id)
                .where(jobs.c.locked_by == job.lease_token)
                .values(
                    state=PENDING,
                    locked_by=None,
                    locked_until=None,
                    run_at=self.clock.now() + dt.timedelta(seconds=MAX_BACKOFF_SECONDS),
                    last_error=f"no handler registered for kind {job.kind}",
                )
            )


class LeaseLost(Exception):
    """Another worker claimed the job after this worker's lease expired."""


def job_state(connection: Connection, job_id: int) -> str | None:
    """Return the state of a job, or None when no such job exists."""
    state = connection.execute(select(jobs.c.state).where(jobs.c.id == job_id)).scalar()
    return None if state is None else str(state)
