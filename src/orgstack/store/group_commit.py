"""Group commit for SQLite: several writing requests share one transaction and one fsync.

SQLite runs one write transaction at a time, and with `synchronous=FULL` each commit waits for the
disk. Under concurrent writers that wait, not the work, sets the throughput. The writer thread here
takes every write queued so far, runs each inside its own SAVEPOINT of one transaction (so a failed
request rolls back alone), commits once, and only then returns each request's result. A request is
therefore sent its reply only after its change is on disk, as with one commit per request. A write
that finds no other write running or queued skips the writer thread and commits on its own.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

log = logging.getLogger("orgstack.store")

T = TypeVar("T")
Work = Callable[[Connection], Any]

# At most this many requests share one commit, so one batch cannot hold the lock for long.
MAX_BATCH = 64


class GroupCommitWriter:
    """Runs write work on one thread, batching whatever is queued into one transaction."""

    def __init__(self, engine: Engine, write_lock: threading.Lock) -> None:
        self._engine = engine
        self._write_lock = write_lock
        self._queue: queue.SimpleQueue[tuple[Work, Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-group-commit", daemon=True)
        self._started = False
        self._start_lock = threading.Lock()

    def submit(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a write transaction and return its result once the transaction commits.

        An exception raised by `work` rolls back its changes alone and is raised here.
        """
        self._ensure_started()
        # With no write running or queued, the write runs on the calling thread: handing it to the
        # writer thread and back would cost two thread switches. Writes that arrive meanwhile
        # queue as usual and share the writer thread's next commit.
        if self._queue.empty() and self._write_lock.acquire(blocking=False):
            try:
                return self._transact_alone(work)  # type: ignore[no-any-return]
            finally:
                self._write_lock.release()
        future: Future[Any] = Future()
        self._queue.put((work, future))
        return future.result()  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _ensure_started(self) -> None:
        with self._start_lock:
            if not self._started:
                self._thread.start()
                self._started = True

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._run_batch(batch)

    def _run_batch(self, batch: list[tuple[Work, Future[Any]]]) -> None:
        if len(batch) == 1:
            self._run_alone(*batch[0])
            return
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self._write_lock, self._engine.connect() as connection:
                connection = connection.execution_options(orgstack_write=True)
                with connection.begin():
                    for work, future in batch:
                        outcomes.append(_run_in_savepoint(connection, work, future))
        except BaseException as error:  # the commit itself failed: no change of the batch is kept
            log.exception("group commit failed requests=%d", len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for future, result, failure in outcomes:
            if failure is not None:
                future.set_exception(failure)
            else:
                future.set_result(result)

    def _run_alone(self, work: Work, future: Future[Any]) -> None:
        """Run a queued write that no other request shares a transaction with."""
        try:
            with self._write_lock:
                result = self._transact_alone(work)
        except BaseException as error:
            future.set_exception(error)
            return
        future.set_result(result)

    def _transact_alone(self, work: Work) -> Any:
        """Run `work` in a transaction of its own and return its result once committed.

        The caller holds the write lock. With nothing else in the transaction to keep apart, a
        failure rolls the whole transaction back, so no SAVEPOINT is needed.
        """
        with self._engine.connect() as connection:
            connection = connection.execution_options(orgstack_write=True)
            transaction = connection.begin()
            try:
                result = work(connection)
            except BaseException:
                transaction.rollback()
                raise
            try:
                transaction.commit()
            except BaseException:
                log.exception("commit failed requests=1")
                raise
        return result


def _run_in_savepoint(
    connection: Connection, work: Work, future: Future[Any]
) -> tuple[Future[Any], Any, BaseException | None]:
    savepoint = connection.begin_nested()
    try:
        result = work(connection)
    except Exception as error:
        savepoint.rollback()
        return future, None, error
    savepoint.commit()
    return future, result, None
