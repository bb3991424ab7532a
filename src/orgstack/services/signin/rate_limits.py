"""Fixed-window failure counters in `rate_limits`, shared by every replica through the store.

A bucket names what is counted (`signin-user:<store>:<user id>`, `signin-ip:<address>` …). The
window start is the time rounded down to the window length, so replicas agree on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from orgstack.store.schema_identity import rate_limits

WINDOW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    """At most `max_failures` failures per window for buckets starting with `prefix`."""

    prefix: str
    max_failures: int


# Five wrong passwords or codes lock one user for the rest of the window. One address may fail
# more often, because several users can share it behind a NAT.
USER_SIGN_IN = Limit("signin-user", 5)
IP_SIGN_IN = Limit("signin-ip", 30)
IP_USER_CODE = Limit("device-code-ip", 10)


def bucket(limit: Limit, key: str) -> str:
    return f"{limit.prefix}:{key}"


def window_start(now: dt.datetime) -> dt.datetime:
    seconds = int(WINDOW.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def failures(connection: Connection, name: str, now: dt.datetime) -> int:
    row = connection.execute(
        select(rate_limits.c.count).where(
            rate_limits.c.bucket == name, rate_limits.c.window_start == window_start(now)
        )
    ).first()
    return int(row[0]) if row is not None else 0


def is_blocked(connection: Connection, limit: Limit, key: str, now: dt.datetime) -> bool:
    return failures(connection, bucket(limit, key), now) >= limit.max_failures


def retry_after(now: dt.datetime) -> int:
    """Return the seconds until the current window ends."""
    return int((window_start(now) + WINDOW - now).total_seconds()) + 1


def record_failure(connection: Connection, limit: Limit, key: str, now: dt.datetime) -> None:
    """Add one failure to the bucket's current window (an upsert, safe between replicas)."""
    values = {"bucket": bucket(limit, key), "window_start": window_start(now), "count": 1}
    if connection.dialect.name == "postgresql":
        pg_statement = postgresql.insert(rate_limits).values(values)
        connection.execute(
            pg_statement.on_conflict_do_update(
                index_elements=["bucket", "window_start"],
                set_={"count": rate_limits.c.count + 1},
            )
        )
        return
    lite_statement = sqlite.insert(rate_limits).values(values)
    connection.execute(
        lite_statement.on_conflict_do_update(
            index_elements=["bucket", "window_start"], set_={"count": rate_limits.c.count + 1}
        )
    )


def clear(connection: Connection, limit: Limit, key: str) -> None:
    """Forget the bucket's failures, after a successful sign-in."""
    connection.execute(delete(rate_limits).where(rate_limits.c.bucket == bucket(limit, key)))


def purge_before(connection: Connection, now: dt.datetime) -> None:
    """Delete windows that ended before the current one."""
    connection.execute(delete(rate_limits).where(rate_limits.c.window_start < window_start(now)))
