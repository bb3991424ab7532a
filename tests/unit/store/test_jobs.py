"""The durable job queue: enqueue in a transaction, due times on the business clock, retries,
expired leases and concurrent workers, on SQLite or (with ORGSTACK_TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert, select, update

from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.secrets_at_rest import SecretBox
from orgstack.store import jobs
from orgstack.store.db import Database
from orgstack.store.schema import jobs as jobs_table
from orgstack.store.schema import settings
from tests import harness

RECORD = "tests.record"
FLAKY = "tests.flaky"
ALWAYS_FAILS = "tests.always_fails"
SLOW = "tests.slow"
WRITE_SETTING = "tests.write_setting"
HOUR = dt.timedelta(hours=1)

# What the test handlers did, by the `token` of their payload.
runs: dict[str, list[int]] = {}
given_up: list[str] = []
_runs_lock = threading.Lock()


def _record(context: jobs.JobContext, payload: jobs.Payload) -> None:
    with _runs_lock:
        runs.setdefault(str(payload["token"]), []).append(context.job_id)


def _flaky(context: jobs.JobContext, payload: jobs.Payload) -> None:
    if context.attempt < int(payload["succeed_on"]):
        raise ValueError(f"attempt {context.attempt} fails on purpose")
    _record(context, payload)


def _always_fails(context: jobs.JobContext, payload: jobs.Payload) -> None:
    raise ValueError("fails on purpose")


def _give_up(context: jobs.JobContext, payload: jobs.Payload) -> None:
    given_up.append(str(payload["token"]))


def _slow(context: jobs.JobContext, payload: jobs.Payload) -> None:
    time.sleep(float(payload.get("seconds", 0.01)))
    _record(context, payload)


def _write_setting(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Write a row that exists only if the handler's transaction commits."""
    key = f"{payload['token']}-attempt-{context.attempt}"
    context.db.execute(insert(settings).values(key=key, value=str(context.job_id)))


jobs.register(RECORD, _record)
jobs.register(WRITE_SETTING, _write_setting)
jobs.register(FLAKY, _flaky)
jobs.register(ALWAYS_FAILS, _always_fails, on_give_up=_give_up)
jobs.register(SLOW, _slow)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with harness.fresh_database_url(tmp_path) as url:
        store = Database(url)
        store.upgrade()
        try:
            yield store
        finally:
            store.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _worker(
    database: Database,
    clock: Clock,
    *,
    poll_seconds: float = jobs.DEFAULT_POLL_SECONDS,
    lease_seconds: float = jobs.DEFAULT_LEASE_SECONDS,
    max_attempts: int = jobs.DEFAULT_MAX_ATTEMPTS,
    name: str | None = None,
) -> jobs.JobWorker:
    return jobs.JobWorker(
        database,
        clock,
        Settings(),
        SecretBox(Fernet.generate_key()),
        poll_seconds=poll_seconds,
        lease_seconds=lease_seconds,
        max_attempts=max_attempts,
        name=name,
    )


def _enqueue(
    database: Database, kind: str, payload: jobs.Payload, run_at: dt.datetime | None = None
) -> int:
    with database.transaction() as connection:
        return jobs.enqueue(connection, kind, payload, run_at or dt.datetime.now(dt.UTC))


def _state(database: Database, job_id: int) -> str | None:
    with database.transaction(write=False) as connection:
        return jobs.job_state(connection, job_id)


def _wait_for(condition: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def _token(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"


def test_enqueue_commits_with_transaction(database: Database) -> None:
    with database.transaction() as connection:
        job_id = jobs.enqueue(connection, RECORD, {"token": "t"}, dt.datetime.now(dt.UTC))

    assert _state(database, job_id) == jobs.PENDING


def test_enqueue_rolls_back_with_transaction(database: Database) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), database.transaction() as connection:
        job_id = jobs.enqueue(connection, RECORD, {"token": "t"}, dt.datetime.now(dt.UTC))
        raise Abort

    assert _state(database, job_id) is None


def test_enqueue_unknown_kind_raises(database: Database) -> None:
    with pytest.raises(RuntimeError, match="no registered handler"):
        _enqueue(database, "tests.unknown", {})


def test_run_once_runs_due_job(database: Database, clock: Clock) -> None:
    token = _token("due")
    job_id = _enqueue(database, RECORD, {"token": token})

    ran = _worker(database, clock).run_once()

    assert ran is True
    assert runs[token] == [job_id]
    assert _state(database, job_id) == jobs.DONE


def test_run_once_without_due_job(database: Database, clock: Clock) -> None:
    assert _worker(database, clock).run_once() is False


def test_job_waits_for_business_clock(database: Database, clock: Clock) -> None:
    token = _token("later")
    job_id = _enqueue(database, RECORD, {"token": token}, clock.now() + dt.timedelta(hours=1))
    worker = _worker(database, clock)

    assert worker.run_once() is False
    assert _state(database, job_id) == jobs.PENDING

    clock.advance(dt.timedelta(hours=1, seconds=1))

    assert worker.run_once() is True
    assert runs[token] == [job_id]


def test_failure_is_retried_with_backoff(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    token = _token("flaky")
    job_id = _enqueue(database, FLAKY, {"token": token, "succeed_on": 2})
    worker = _worker(database, clock)

    with caplog.at_level(logging.ERROR, logger="orgstack.jobs"):
        assert worker.run_once() is True

    assert _state(database, job_id) == jobs.PENDING
    assert f"job_id={job_id}" in caplog.text
    assert "attempt 1 fails on purpose" in caplog.text
    # The retry is due one second later on the business clock, not at once.
    assert worker.run_once() is False

    clock.advance(dt.timedelta(seconds=1.5))

    assert worker.run_once() is True
    assert runs[token] == [job_id]
    with database.transaction(write=False) as connection:
        row = connection.execute(select(jobs_table).where(jobs_table.c.id == job_id)).one()
    assert row.state == jobs.DONE
    assert row.attempts == 2
    assert row.last_error is None


def test_backoff_doubles_and_caps() -> None:
    assert [jobs.backoff_seconds(attempt) for attempt in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert jobs.backoff_seconds(30) == jobs.MAX_BACKOFF_SECONDS


def test_job_given_up_after_max_attempts(database: Database, clock: Clock) -> None:
    token = _token("hopeless")
    job_id = _enqueue(database, ALWAYS_FAILS, {"token": token})
    worker = _worker(database, clock, max_attempts=3)

    for _ in range(3):
        assert worker.run_once() is True
        clock.advance(dt.timedelta(seconds=jobs.MAX_BACKOFF_SECONDS))

    assert _state(database, job_id) == jobs.FAILED
    assert given_up.count(token) == 1
    assert worker.run_once() is False
    with database.transaction(write=False) as connection:
        row = connection.execute(select(jobs_table).where(jobs_table.c.id == job_id)).one()
    assert row.attempts == 3
    assert row.last_error == "ValueError: fails on purpose"


def test_expired_lease_is_reclaimed(database: Database, clock: Clock) -> None:
    token = _token("abandoned")
    job_id = _enqueue(database, RECORD, {"token": token})
    # A worker that claims the job and then dies, as a killed server would.
    dead = _worker(database, clock, lease_seconds=0.2)
    assert dead.claim() is not None
    survivor = _worker(database, clock)

    assert survivor.run_once() is False
    time.sleep(0.3)

    assert survivor.run_once() is True
    assert runs[token] == [job_id]
    assert _state(database, job_id) == jobs.DONE


def test_late_worker_cannot_finish_reclaimed_job(database: Database, clock: Clock) -> None:
    token = _token("late")
    job_id = _enqueue(database, WRITE_SETTING, {"token": token})
    slow = _worker(database, clock, lease_seconds=0.1)
    claimed = slow.claim()
    assert claimed is not None
    time.sleep(0.2)
    assert _worker(database, clock).run_once() is True

    # The first worker wakes up and runs its stale claim: its work must roll back.
    with database.transaction() as connection:
        connection.execute(
            update(jobs_table).where(jobs_table.c.id == job_id).values(state=jobs.RUNNING)
        )
    slow._execute(claimed)

    with database.transaction(write=False) as connection:
        keys = connection.execute(
            select(settings.c.key).where(settings.c.key.like(f"{token}-%"))
        ).all()
    assert [row.key for row in keys] == [f"{token}-attempt-2"]
    assert _state(database, job_id) == jobs.RUNNING


def test_worker_thread_wakes_on_enqueue(database: Database, clock: Clock) -> None:
    token = _token("wake")
    # A poll interval far longer than the test: only the wake-up can make the job run in time.
    worker = _worker(database, clock, poll_seconds=30)
    worker.start()
    try:
        time.sleep(0.1)
        started = time.monotonic()
        job_id = _enqueue(database, RECORD, {"token": token})
        finished = _wait_for(lambda: _state(database, job_id) == jobs.DONE, timeout=5)
    finally:
        worker.stop()

    assert finished
    assert time.monotonic() - started < 2


def test_worker_thread_polls_for_due_jobs(database: Database, clock: Clock) -> None:
    token = _token("poll")
    job_id = _enqueue(database, RECORD, {"token": token}, clock.now() + dt.timedelta(minutes=5))
    worker = _worker(database, clock)
    worker.start()
    try:
        time.sleep(0.2)
        assert _state(database, job_id) == jobs.PENDING
        clock.advance(dt.timedelta(minutes=5))
        finished = _wait_for(lambda: _state(database, job_id) == jobs.DONE)
    finally:
        worker.stop()

    assert finished
    assert runs[token] == [job_id]


def test_two_workers_never_share_a_job(database: Database, clock: Clock) -> None:
    token = _token("shared")
    job_ids = [_enqueue(database, SLOW, {"token": token, "seconds": 0.005}) for _ in range(60)]
    workers = [_worker(database, clock, name=f"worker-{index}") for index in range(3)]
    for worker in workers:
        worker.start()
    try:
        finished = _wait_for(lambda: len(runs.get(token, [])) >= len(job_ids), timeout=60)
        time.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()

    assert finished
    assert sorted(runs[token]) == sorted(job_ids)
    assert all(_state(database, job_id) == jobs.DONE for job_id in job_ids)


def test_stop_is_idempotent(database: Database, clock: Clock) -> None:
    worker = _worker(database, clock)
    worker.start()
    worker.stop()
    worker.stop()

    token = _token("stopped")
    job_id = _enqueue(database, RECORD, {"token": token})
    time.sleep(0.2)

    assert _state(database, job_id) == jobs.PENDING


def test_purge_deletes_old_finished_jobs(database: Database, clock: Clock) -> None:
    old_done = _enqueue(database, RECORD, {"token": _token("old")})
    recent_done = _enqueue(database, RECORD, {"token": _token("recent")})
    old_failed = _enqueue(database, ALWAYS_FAILS, {"token": _token("old-failed")})
    old_pending = _enqueue(database, RECORD, {"token": _token("pending")}, clock.now() + HOUR)
    long_ago = dt.datetime.now(dt.UTC) - jobs.DONE_RETENTION - HOUR
    with database.transaction() as connection:
        for job_id, state in ((old_done, jobs.DONE), (recent_done, jobs.DONE)):
            connection.execute(
                update(jobs_table).where(jobs_table.c.id == job_id).values(state=state)
            )
        connection.execute(
            update(jobs_table).where(jobs_table.c.id == old_failed).values(state=jobs.FAILED)
        )
        connection.execute(
            update(jobs_table)
            .where(jobs_table.c.id.in_([old_done, old_failed, old_pending]))
            .values(created_at=long_ago)
        )

    removed = _worker(database, clock).purge_finished()

    assert removed == 1
    assert _state(database, old_done) is None
    assert _state(database, recent_done) == jobs.DONE
    assert _state(database, old_failed) == jobs.FAILED
    assert _state(database, old_pending) == jobs.PENDING
