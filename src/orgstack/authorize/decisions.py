"""Reuse of allow decisions between requests that the policies cannot tell apart.

A decision depends on the policies, the principal, the action, the resource and the values of the
condition keys that some statement reads. Requests that agree on all of these get the same
decision, so an allow can be kept and reused while the authorization version stays the same. The
keys a policy reads are found once per compiled policy. A policy with policy variables (in a
Resource entry or a condition value) reads keys that are hard to list, so layers that contain one
are never reused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from orgstack.policy import CompiledPolicy, PolicyLevel, PolicyRef
from orgstack.policy.request import ContextValue, normalize_context

# Enough for the policies of a large organization; the map is emptied when it fills.
MAX_SCANNED_POLICIES = 4096

DecisionKey = tuple[object, ...]


@dataclass(frozen=True)
class PolicyKeys:
    """The lower-cased condition keys a policy reads, and whether they are all known."""

    keys: frozenset[str]
    complete: bool


_scanned: dict[tuple[str, str], PolicyKeys] = {}
_lock = threading.Lock()


def policy_keys(compiled: CompiledPolicy) -> PolicyKeys:
    """Return the keys that `compiled` reads, scanning it on first use."""
    index = (str(compiled.kind), compiled.digest)
    found = _scanned.get(index)
    if found is not None:
        return found
    found = _scan(compiled)
    with _lock:
        if len(_scanned) >= MAX_SCANNED_POLICIES:
            _scanned.clear()
        _scanned[index] = found
    return found


def _scan(compiled: CompiledPolicy) -> PolicyKeys:
    keys: set[str] = set()
    complete = True
    for statement in compiled.statements:
        for condition in statement.conditions:
            keys.add(condition.lookup_key)
            if any(value.tokens is not None for value in condition.values):
                complete = False
        for pattern in statement.resources or ():
            if pattern.tokens is not None:
                complete = False
    return PolicyKeys(frozenset(keys), complete)


def read_keys(refs: Iterable[PolicyRef]) -> frozenset[str] | None:
    """Return every key the policies read, or None when one of them uses policy variables."""
    keys: set[str] = set()
    for ref in refs:
        found = policy_keys(ref.compiled)
        if not found.complete:
            return None
        keys.update(found.keys)
    return frozenset(keys)


def level_refs(levels: Sequence[PolicyLevel] | None) -> Iterator[PolicyRef]:
    for level in levels or ():
        yield from level.policies


def decision_key(
    asker: tuple[object, ...], keys: frozenset[str], context: Mapping[str, ContextValue]
) -> DecisionKey:
    """Return the key of a decision: who requests what (`asker`) and the values read."""
    if not keys:
        return (*asker, ())
    lowered = {name.lower(): value for name, value in context.items()}
    read = {key: lowered[key] for key in keys if key in lowered}
    normalized = normalize_context(read)
    return (*asker, tuple((key, normalized.get(key)) for key in sorted(keys)))
