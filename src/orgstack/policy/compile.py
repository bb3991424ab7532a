"""Compile policies once into matchers, cached by content hash.

A compiled statement contains its action matcher, resource regexes and prepared conditions; a
compiled policy indexes its statements by the service prefix of their actions, so a request
only looks at statements that can match its action.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from orgstack.policy.conditions import CompiledCondition, Context, compile_condition
from orgstack.policy.findings import PolicySyntaxError
from orgstack.policy.grammar import Collector, read_policy
from orgstack.policy.matching import ActionMatcher, build_action_matcher, compile_arn_pattern
from orgstack.policy.model import Effect, Policy, PolicyKind, PrincipalBlock, Statement
from orgstack.policy.variables import (
    Literal,
    Token,
    Wildcard,
    fill,
    has_variables,
    tokenize,
    variable_values,
)

Document = str | Mapping[str, object] | Policy


# How many distinct variable values one pattern keeps compiled regexes for.
_PER_PATTERN_CACHE = 256


@dataclass(frozen=True)
class ResourcePattern:
    """One Resource entry: a compiled regex, or tokens resolved per request (variables).

    Regexes built for variable values are kept per pattern, keyed by those values.
    """

    text: str
    regex: re.Pattern[str] | None
    tokens: tuple[Token, ...] | None
    by_values: dict[tuple[str, ...], re.Pattern[str]] = field(
        default_factory=dict, compare=False, hash=False
    )

    def matches(self, resource: str, context: Context) -> bool:
        """Return whether `resource` matches; an unresolvable variable matches nothing."""
        regex = self.regex
        if regex is None:
            if self.tokens is None:
                return False
            values = variable_values(self.tokens, context)
            if values is None:
                return False
            regex = self.by_values.get(values)
            if regex is None:
                if len(self.by_values) >= _PER_PATTERN_CACHE:
                    self.by_values.clear()
                regex = self.by_values[values] = compile_arn_pattern(fill(self.tokens, values))
        return regex.fullmatch(resource) is not None


@dataclass(frozen=True)
class CompiledStatement:
    """A statement ready for matching, with the facts `explain` reports about it."""

    index: int
    sid: str | None
    effect: Effect
    actions: ActionMatcher
    not_action: bool
    resources: tuple[ResourcePattern, ...] | None
    match_all_resources: bool
    not_resource: bool
    principal: PrincipalBlock | None
    not_principal: bool
    conditions: tuple[CompiledCondition, ...]
    errors: tuple[str, ...]
    is_deny: bool = False

    def matches_action(self, action: str) -> bool:
        """Return whether the lower-cased action is covered by Action (or not by NotAction)."""
        hit = self.actions.matches(action)
        return not hit if self.not_action else hit

    def matches_resource(self, resource: str, context: Context) -> bool:
        """Return whether the resource is covered by Resource (or not by NotResource).

        A statement without either element (a role trust policy) covers every resource.
        """
        if self.resources is None:
            return True
        hit = self.match_all_resources
        if not hit:
            for pattern in self.resources:
                if pattern.matches(resource, context):
                    hit = True
                    break
        return not hit if self.not_resource else hit


@dataclass
class CompiledPolicy:
    """A compiled policy document. Treat it as immutable: the cache shares it between callers."""

    kind: PolicyKind
    digest: str
    policy: Policy
    statements: tuple[CompiledStatement, ...]
    _by_service: dict[str, tuple[CompiledStatement, ...]] = field(default_factory=dict)
    _any_service: tuple[CompiledStatement, ...] = ()
    _indexed: dict[str, tuple[CompiledStatement, ...]] = field(default_factory=dict)

    def candidates(self, service: str) -> tuple[CompiledStatement, ...]:
        """Return, in document order, the statements that can match an action of `service`."""
        found = self._indexed.get(service)
        if found is None:
            merged = {s.index: s for s in self._any_service}
            merged.update({s.index: s for s in self._by_service.get(service, ())})
            found = tuple(merged[i] for i in sorted(merged))
            self._indexed[service] = found
        return found


def _compile_resources(
    statement: Statement, variables: bool
) -> tuple[tuple[ResourcePattern, ...] | None, bool]:
    if statement.resources is None:
        return None, False
    patterns: list[ResourcePattern] = []
    for text in statement.resources:
        if text == "*" and not statement.not_resource:
            return (), True
        try:
            tokens = tokenize(text, variables=variables, wildcards=True)
        except ValueError:
            patterns.append(ResourcePattern(text, None, None))
            continue
        if has_variables(tokens):
            patterns.append(ResourcePattern(text, None, tokens))
        else:
            plain = tuple(t for t in tokens if isinstance(t, Literal | Wildcard))
            patterns.append(ResourcePattern(text, compile_arn_pattern(plain), None))
    return tuple(patterns), False


def compile_statement(statement: Statement, variables: bool) -> CompiledStatement:
    """Compile one parsed statement."""
    resources, match_all = _compile_resources(statement, variables)
    conditions = tuple(compile_condition(clause, variables) for clause in statement.conditions)
    errors = tuple(c.error for c in conditions if c.error is not None)
    return CompiledStatement(
        index=statement.index,
        sid=statement.sid,
        effect=statement.effect,
        actions=build_action_matcher(statement.actions),
        not_action=statement.not_action,
        resources=resources,
        match_all_resources=match_all,
        not_resource=statement.not_resource,
        principal=statement.principal,
        not_principal=statement.not_principal,
        conditions=conditions,
        errors=errors,
        is_deny=statement.effect is Effect.DENY,
    )


def _build(policy: Policy, digest: str) -> CompiledPolicy:
    statements = tuple(compile_statement(s, policy.variables_enabled) for s in policy.statements)
    by_service: dict[str, list[CompiledStatement]] = {}
    any_service: list[CompiledStatement] = []
    for statement in statements:
        services = statement.actions.services
        if statement.not_action or services is None:
            any_service.append(statement)
            continue
        for service in services:
            by_service.setdefault(service, []).append(statement)
    return CompiledPolicy(
        kind=policy.kind,
        digest=digest,
        policy=policy,
        statements=statements,
        _by_service={k: tuple(v) for k, v in by_service.items()},
        _any_service=tuple(any_service),
    )


class _LruCache:
    """A small thread-safe LRU map from (kind, content hash) to compiled policies."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[PolicyKind, str], CompiledPolicy] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[PolicyKind, str]) -> CompiledPolicy | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return found

    def put(self, key: tuple[PolicyKind, str], value: CompiledPolicy) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


# 4,096 compiled policies is an estimate that covers a large organization's SCPs, RCPs and
# permission sets; evicted entries are recompiled on their next use.
_CACHE = _LruCache(4096)


def content_digest(document: str | Mapping[str, object]) -> str:
    """Return the SHA-256 hex digest of the document text (mappings are dumped canonically)."""
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def compile_policy(document: Document, kind: PolicyKind) -> CompiledPolicy:
    """Compile a document, reusing the cached result for identical content and kind.

    Only structural problems raise `PolicySyntaxError`: not JSON, no statements, a statement
    without Effect or Action, an unreadable Condition or Principal. Kind rules are not enforced
    here. An unknown condition operator is kept, so that evaluation fails closed on it and
    reports it. Call `validate` to check a document before storing it.
    """
    if isinstance(document, Policy):
        key_text = repr(document)
        digest = hashlib.sha256(key_text.encode()).hexdigest()
    else:
        digest = content_digest(document)
    key = (kind, digest)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached

    if isinstance(document, Policy):
        policy = document
    else:
        out = Collector()
        parsed = read_policy(document, kind, out)
        if parsed is None:
            raise PolicySyntaxError(out.findings)
        policy = parsed
    compiled = _build(policy, digest)
    _CACHE.put(key, compiled)
    return compiled


def cache_info() -> dict[str, int]:
    """Return the compile cache's hit and miss counters and its current size."""
    return {"hits": _CACHE.hits, "misses": _CACHE.misses, "size": len(_CACHE._items)}


def clear_cache() -> None:
    """Empty the compile cache (tests and benchmarks use it to measure cold compiles)."""
    _CACHE.clear()
