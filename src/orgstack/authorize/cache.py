"""Compiled policy layers kept between requests, valid for one authorization version.

The version is a token in the `settings` table that every successful change to Organizations or
IAM replaces in the change's own transaction (`replace_version`), unless its handler declared that
it changes nothing authorization reads. Cached layers are used only under the version they were
loaded with. The server that made a change moves its cache to the new token as soon as the change
commits, dropping only what the change's declared scope can affect. Other replicas read the token
at most `RECHECK_SECONDS` apart and then drop everything, so a change made elsewhere takes effect
within that time (AWS documents SCP and IAM changes as eventually consistent too). Reading the
token on every request would cost a query per call.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Connection, Table, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite

from orgstack.authorize.decisions import DecisionKey
from orgstack.authorize.store import AccountFacts, RoleFacts
from orgstack.policy import EvaluationResult
from orgstack.services.invalidation import Invalidation
from orgstack.store.schema import settings

VERSION_KEY = "authorization_version"
# The services whose changes can alter a decision: the organization tree and its policies, and IAM
# roles with their policies and tags.
VERSIONED_SERVICES = frozenset({"organizations", "iam"})
RECHECK_SECONDS = 1.0

_READ_VERSION = text("SELECT value FROM settings WHERE key = :key")
_LOCK_VERSION = select(settings.c.value).where(settings.c.key == VERSION_KEY).with_for_update()

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class VersionChange:
    """A committed change's authorization versions (before and after) and its scope."""

    previous: str
    version: str
    invalidation: Invalidation


class HasAccount(Protocol):
    """Caller facts that name the caller's account (the authorizer's `Subject`)."""

    @property
    def account(self) -> AccountFacts: ...


S = TypeVar("S", bound=HasAccount)


def current_version(connection: Connection) -> str:
    """Return the stored authorization version, or "" before the first change."""
    value = connection.execute(_READ_VERSION, {"key": VERSION_KEY}).scalar()
    return str(value) if value is not None else ""


def replace_version(connection: Connection) -> tuple[str, str]:
    """Replace the stored authorization version and return the previous and the new one.

    On PostgreSQL the version row stays locked until the transaction ends, so the previous value
    is the one the last committed change wrote, never one that a concurrent change is replacing.
    """
    value = connection.execute(_LOCK_VERSION).scalar()
    previous = str(value) if value is not None else ""
    return previous, bump_version(connection)


def _upsert_version(insert: Callable[[Table], Any]) -> Any:
    statement = insert(settings).values(key=VERSION_KEY, value=bindparam("token"))
    return statement.on_conflict_do_update(
        index_elements=[settings.c.key], set_={"value": statement.excluded.value}
    )


# Built once per dialect, because every change that reaches authorization runs one.
_UPSERT_VERSION = {
    "postgresql": _upsert_version(postgresql.insert),
    "sqlite": _upsert_version(sqlite.insert),
}


def bump_version(connection: Connection) -> str:
    """Replace the stored authorization version and return the new one."""
    token = uuid.uuid4().hex
    connection.execute(_UPSERT_VERSION[connection.dialect.name], {"token": token})
    return token


class VersionReader:
    """The authorization version as this server knows it, reread from the store once it is
    `recheck_seconds` old."""

    def __init__(self, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._recheck = recheck_seconds
        self._known: str | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def version(self, connection: Connection) -> str:
        with self._lock:
            if self._known is not None and time.monotonic() - self._read_at < self._recheck:
                return self._known
        value = current_version(connection)
        self.learn(value)
        return value

    def learn(self, version: str) -> None:
        """Record a version read from the store or just committed by this server."""
        with self._lock:
            self._known = version
            self._read_at = time.monotonic()


class LayerCache:
    """Account facts, role facts, resource tags, caller facts and allow decisions by key, dropped
    when the version changes.

    Accounts outside any organization and roles that do not exist are not cached, because the
    account-creation worker adds both without going through an API call that changes the version.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max_entries = max_entries
        self._version: str | None = None
        self._accounts: dict[str, AccountFacts] = {}
        self._roles: dict[tuple[str, str], RoleFacts] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self._decisions: dict[DecisionKey, EvaluationResult] = {}
        self._subjects: dict[tuple[str | None, str], HasAccount] = {}
        self._lock = threading.Lock()

    def account(
        self, version: str, account_id: str, load: Callable[[], AccountFacts]
    ) -> AccountFacts:
        found = self._get(version, self._accounts, account_id)
        if found is not None:
            return found
        facts = load()
        if facts.in_organization:
            self._put(version, self._accounts, account_id, facts)
        return facts

    def role(
        self, version: str, account_id: str, name: str, load: Callable[[], RoleFacts | None]
    ) -> RoleFacts | None:
        key = (account_id, name.lower())
        found = self._get(version, self._roles, key)
        if found is not None:
            return found
        facts = load()
        if facts is not None:
            self._put(version, self._roles, key, facts)
        return facts

    def tags(self, version: str, tag_id: str, load: Callable[[], dict[str, str]]) -> dict[str, str]:
        found = self._get(version, self._tags, tag_id)
        if found is not None:
            return found
        tags = load()
        self._put(version, self._tags, tag_id, tags)
        return tags

    def subject(self, version: str, key: tuple[str | None, str], load: Callable[[], S]) -> S:
        """Return the caller facts kept under `key` (access key id and ARN), loading them once."""
        found = self._get(version, self._subjects, key)
        if found is not None:
            return cast(S, found)
        subject = load()
        self._put(version, self._subjects, key, cast(HasAccount, subject))
        return subject

    def decision(self, version: str, key: DecisionKey) -> EvaluationResult | None:
        return self._get(version, self._decisions, key)

    def keep_decision(self, version: str, key: DecisionKey, result: EvaluationResult) -> None:
        self._put(version, self._decisions, key, result)

    def advance(self, change: VersionChange) -> None:
        """Move the cache to the version of a change that just committed, dropping what the change
        can make stale.

        Entries survive only when the cache is still at the version that the change's own
        transaction replaced. Otherwise another change came between (or commits were learned out
        of order) and the cache is emptied, as a version change always did.
        """
        invalidation = change.invalidation
        with self._lock:
            # Before the first change there is no stored version to lock, so two first changes
            # could both name "" as their previous version.
            if invalidation.everything or not change.previous or self._version != change.previous:
                self._clear(None)
                return
            self._version = change.version
            if not invalidation.nodes:
                return
            affected = {
                account_id
                for account_id, facts in self._accounts.items()
                if _is_affected(facts, invalidation.nodes)
            }
            for account_id in affected:
                del self._accounts[account_id]
            stale = [
                key
                for key, subject in self._subjects.items()
                if _is_affected(subject.account, invalidation.nodes)
            ]
            for key in stale:
                del self._subjects[key]
            # A kept decision does not record which accounts' layers it read, so all are dropped.
            self._decisions.clear()

    def _clear(self, version: str | None) -> None:
        self._version = version
        self._accounts.clear()
        self._roles.clear()
        self._tags.clear()
        self._decisions.clear()
        self._subjects.clear()

    def _get(self, version: str, entries: dict[K, V], key: K) -> V | None:
        with self._lock:
            if version != self._version:
                return None
            return entries.get(key)

    def _put(self, version: str, entries: dict[K, V], key: K, value: V) -> None:
        with self._lock:
            maps: tuple[dict[Any, Any], ...] = (
                self._accounts,
                self._roles,
                self._tags,
                self._decisions,
                self._subjects,
            )
            size = sum(len(stored) for stored in maps)
            if version != self._version or size >= self._max_entries:
                self._clear(version)
            entries[key] = value


def _is_affected(facts: AccountFacts, nodes: frozenset[str]) -> bool:
    """Tell whether the account or a root or OU on its path is one of `nodes`."""
    if facts.account_id in nodes:
        return True
    path = facts.org_path or ""
    return any(node in nodes for node in path.split("/"))
