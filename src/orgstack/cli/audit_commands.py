"""`orgstack audit export`: write the audit trail as CloudTrail log files.

The layout is the one CloudTrail delivers to S3, so tools that read CloudTrail logs read these:
`AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/` contains one file per account, Region and
hour, named `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json`. The timestamp is the
start of the hour whose events the file contains. A file is one line: a `{"Records": [...]}` JSON
object, oldest event first, followed by a newline. So each file is a CloudTrail log file and also
a JSON Lines file with one document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy.exc import OperationalError, ProgrammingError

from orgstack.audit.reader import iter_records
from orgstack.cli.commands import CommandError
from orgstack.store.db import Database, describe_url, is_sqlite, sqlite_url

# Progress goes to stderr after this many events or seconds, whichever comes first.
PROGRESS_EVENTS = 5000
PROGRESS_SECONDS = 2.0
# CloudTrail names files by account; an event without a recipient account (an unauthenticated
# call) goes to files of this name instead.
NO_ACCOUNT = "anonymous"


@dataclass
class _OpenFile:
    """One log file being written: a temporary file renamed when its hour is complete."""

    directory: Path
    prefix: str
    handle: IO[bytes]
    temporary: Path
    digest: Any = field(default_factory=hashlib.sha256)
    count: int = 0

    def add(self, record: dict[str, Any]) -> None:
        self.handle.write(b"," if self.count else b'{"Records":[')
        self.handle.write(orjson.dumps(record))
        self.digest.update(str(record.get("eventID")).encode())
        self.count += 1

    def finish(self) -> Path:
        """Close the file under its final name and return that name.

        The unique part of the name is a digest of the file's event ids, so exporting the same
        events again writes the same file name.
        """
        self.handle.write(b"]}\n")
        self.handle.close()
        unique = self.digest.hexdigest()[:16].upper()
        final = self.directory / f"{self.prefix}_{unique}.json"
        os.replace(self.temporary, final)
        return final


@dataclass
class HourlyLogFiles:
    """A writer of records, oldest first, into one log file per account, Region and hour."""

    output: Path
    files_written: int = 0
    events_written: int = 0
    _hour: dt.datetime | None = None
    _open: dict[tuple[str, str], _OpenFile] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        moment = dt.datetime.strptime(str(record["eventTime"]), "%Y-%m-%dT%H:%M:%SZ")
        hour = moment.replace(minute=0, second=0, tzinfo=dt.UTC)
        if hour != self._hour:
            self.close()
            self._hour = hour
        account = str(record.get("recipientAccountId") or NO_ACCOUNT)
        region = str(record.get("awsRegion"))
        log_file = self._open.get((account, region))
        if log_file is None:
            log_file = self._start(account, region, hour)
            self._open[(account, region)] = log_file
        log_file.add(record)
        self.events_written += 1

    def close(self) -> None:
        for log_file in self._open.values():
            log_file.finish()
            self.files_written += 1
        self._open.clear()

    def _start(self, account: str, region: str, hour: dt.datetime) -> _OpenFile:
        directory = (
            self.output / "AWSLogs" / account / "CloudTrail" / region / hour.strftime("%Y/%m/%d")
        )
        directory.mkdir(parents=True, exist_ok=True)
        prefix = f"{account}_CloudTrail_{region}_{hour.strftime('%Y%m%dT%H%MZ')}"
        temporary = directory / f".{prefix}.partial"
        return _OpenFile(directory, prefix, temporary.open("wb"), temporary)


def parse_time(text: str, option: str) -> dt.datetime:
    """Parse an ISO 8601 date or time; one without a zone offset is UTC."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{option} `{text}` is not an ISO 8601 time; use a form like 2026-12-04T20:00:00Z."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def export(args: argparse.Namespace) -> int:
    """Run `orgstack audit export` and return the exit status."""
    since = parse_time(args.since, "--since")
    until = parse_time(args.until, "--until") if args.until else dt.datetime.now(dt.UTC)
    if since >= until:
        until_text = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        raise CommandError(f"--since `{args.since}` must be earlier than --until `{until_text}`.")
    database = _open_database(args)
    output = Path(args.output).expanduser()
    output.mkdir(parents=True, exist_ok=True)

    files = HourlyLogFiles(output)
    reporter = ProgressReporter()
    try:
        # One read transaction gives a consistent snapshot while the server keeps writing.
        with database.transaction(write=False) as connection:
            for record in iter_records(connection, since, until):
                files.add(record)
                reporter.tick(files, record)
        files.close()
    except (OperationalError, ProgrammingError) as error:
        raise CommandError(
            f"reading the audit trail from {describe_url(database.url)} failed: {error.orig}. "
            "Start `orgstack serve` once on this store to create its tables."
        ) from None
    finally:
        database.dispose()

    sys.stderr.write(
        f"exported {files.events_written} events into {files.files_written} files under {output}\n"
    )
    return 0


def _open_database(args: argparse.Namespace) -> Database:
    data_dir = Path(args.data_dir).expanduser()
    url = args.database_url or sqlite_url(data_dir)
    if is_sqlite(url) and not args.database_url and not (data_dir / "orgstack.db").exists():
        raise CommandError(
            f"no store in `{data_dir}`: pass the server's --data-dir or --database-url."
        )
    return Database(url)


@dataclass
class ProgressReporter:
    """A writer of progress lines to stderr, so that a long export shows it is advancing."""

    _last_time: float = field(default_factory=time.monotonic)
    _last_count: int = 0

    def tick(self, files: HourlyLogFiles, record: dict[str, Any]) -> None:
        now = time.monotonic()
        due_by_count = files.events_written - self._last_count >= PROGRESS_EVENTS
        if not due_by_count and now - self._last_time < PROGRESS_SECONDS:
            return
        sys.stderr.write(
            f"exported {files.events_written} events so far, through {record['eventTime']}\n"
        )
        sys.stderr.flush()
        self._last_time = now
        self._last_count = files.events_written
