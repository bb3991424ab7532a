"""Compiled policy layers kept between requests, valid for one authorization version.

The version is a token in the `settings` table that every successful change to Organizations or
IAM replaces in the change's own transaction (`bump_version`). Cached layers are used only under
the version they were loaded with. The server that made a change learns the new token as soon as
the change commits; other replicas read the token at most `RECHECK_SECONDS` apart, so a change
made elsewhere takes effect within that time (AWS documents SCP and IAM changes as eventually
consistent too). Reading the token on every request would cost a query per call.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql, sqlite

from orgstack.authorize.decisions import DecisionKey
from orgstack.authorize.store import AccountFacts, RoleFacts
from orgstack.policy import EvaluationResult
from orgstack.store.schema import settings

VERSION_KEY = "authorization_version"
# The services whose changes can alter a decision: the organization tree and its policies, and IAM
# roles with their policies and tags.
VERSIONED_SERVICES = frozenset({"organizations", "iam"})
RECHECK_SECONDS = 1.0

_READ_VERSION = text("SELECT value FROM settings WHERE key = :key")

K = TypeVar("K")
V = TypeVar("V")


def current_version(connection: Connection) -> str:
    """Return the stored authorization version, or "" before the first change."""
    value = connection.execute(_READ_VERSION, {"key": VERSION_KEY}).scalar()
    return str(value) if value is not None else ""


def bump_version(connection: Connection) -> str:
    """Replace the stored authorization version and return the new one."""
    token = uuid.uuid4().hex
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(settings).values(key=VERSION_KEY, value=token)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[settings.c.key], set_={"value": token})
    )
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
        self._subjects: dict[tuple[str | None, str], object] = {}
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

    def subject(self, version: str, key: tuple[str | None, str], load: Callable[[], V]) -> V:
        """Return the caller facts kept under `key` (access key id and ARN), loading them once."""
        found = self._get(version, self._subjects, key)
        if found is not None:
            return cast(V, found)
        subject = load()
        self._put(version, self._subjects, key, subject)
        return subject

    def decision(self, version: str, key: DecisionKey) -> EvaluationResult | None:
        return self._get(version, self._decisions, key)

    def keep_decision(self, version: str, key: DecisionKey, result: EvaluationResult) -> None:
        self._put(version, self._decisions, key, result)

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
                self._version = version
                for stored in maps:
                    stored.clear()
            entries[key] = value
