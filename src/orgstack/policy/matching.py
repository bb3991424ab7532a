"""Wildcard matching of actions, resource ARNs and ARN condition values.

Every pattern is turned into a regular expression by escaping its literal text first and only
then mapping the wildcards, so `.`, `+`, `(` and the like in an ARN match only themselves.
Sources are the IAM User Guide pages "IAM JSON policy elements: Action" (case-insensitive, `*`
and `?` anywhere), "Resource" (ARN fields, case-sensitive) and "Condition operators". There,
`ArnLike` compares the six ARN fields separately and `StringLike` compares the whole string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from orgstack.policy.variables import QUESTION, STAR, Literal, Wildcard, tokenize_plain

ARN_FIELDS = 6


def glob_to_regex(tokens: Sequence[Literal | Wildcard]) -> str:
    """Return regex source for a whole-string glob: `*` is any run, `?` any one character."""
    parts: list[str] = []
    for token in tokens:
        if isinstance(token, Literal):
            parts.append(re.escape(token.text))
        elif token.symbol == STAR:
            parts.append(".*")
        else:
            parts.append(".")
    return "".join(parts)


@lru_cache(maxsize=8192)
def compile_glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """Compile a plain glob string (no policy variables) for `fullmatch`."""
    tokens = tokenize_plain(pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(glob_to_regex(tokens), flags)


def split_fields(tokens: Sequence[Literal | Wildcard]) -> list[list[Literal | Wildcard]]:
    """Split ARN pattern tokens at the first five colons of their literal text."""
    fields: list[list[Literal | Wildcard]] = [[]]
    for token in tokens:
        if isinstance(token, Wildcard) or len(fields) == ARN_FIELDS:
            fields[-1].append(token)
            continue
        pieces = token.text.split(":", ARN_FIELDS - len(fields))
        for position, piece in enumerate(pieces):
            if position:
                fields.append([])
            if piece:
                fields[-1].append(Literal(piece))
    return fields


def arn_pattern_regex(tokens: Sequence[Literal | Wildcard]) -> str:
    """Return regex source for a Resource ARN pattern.

    In the partition, service, region and account fields a `*` or `?` stays inside its field,
    except that a `*` ending a field may run on across colons (so `arn:aws:s3:*` still covers
    every S3 ARN). In the last (resource) field `*` and `?` also match `/` and `:`.
    """
    fields = split_fields(tokens)
    sources: list[str] = []
    for position, field in enumerate(fields):
        last_field = position == ARN_FIELDS - 1
        pieces: list[str] = []
        for offset, token in enumerate(field):
            if isinstance(token, Literal):
                pieces.append(re.escape(token.text))
            elif last_field or (token.symbol == STAR and offset == len(field) - 1):
                pieces.append(".*" if token.symbol == STAR else ".")
            else:
                pieces.append("[^:]*" if token.symbol == STAR else "[^:]")
        sources.append("".join(pieces))
    return ":".join(sources)


@lru_cache(maxsize=8192)
def compile_arn_pattern(tokens: tuple[Literal | Wildcard, ...]) -> re.Pattern[str]:
    """Compile resolved ARN pattern tokens; `"*"` alone matches any resource string."""
    return re.compile(arn_pattern_regex(tokens), re.DOTALL)


def arn_field_regex(tokens: Sequence[Literal | Wildcard]) -> re.Pattern[str] | None:
    """Compile an ArnLike/ArnEquals pattern, or return None if it has fewer than six fields.

    The six fields are compared separately: in the first five a wildcard never matches `:`,
    which is the same as splitting the value at its first five colons and matching each part.
    A lone `*` matches any value.
    """
    if len(tokens) == 1 and tokens[0] == Wildcard(STAR):
        return re.compile(".*", re.DOTALL)
    fields = split_fields(tokens)
    if len(fields) != ARN_FIELDS:
        return None
    sources: list[str] = []
    for position, field in enumerate(fields):
        last_field = position == ARN_FIELDS - 1
        pieces: list[str] = []
        for token in field:
            if isinstance(token, Literal):
                pieces.append(re.escape(token.text))
            elif token.symbol == STAR:
                pieces.append(".*" if last_field else "[^:]*")
            else:
                pieces.append("." if last_field else "[^:]")
        sources.append("".join(pieces))
    return re.compile(":".join(sources), re.DOTALL)


@dataclass(frozen=True)
class ActionMatcher:
    """Matches lower-cased action names against the patterns of one Action element.

    `exact` contains the patterns without wildcards; `regex` joins the others into one
    alternation. `services` lists the literal service prefixes the patterns can match, or is
    None when some pattern leaves the service open (for example `*` or `s3*:Get*`).
    """

    exact: frozenset[str]
    regex: re.Pattern[str] | None
    services: frozenset[str] | None
    any_action: bool = False

    def matches(self, action: str) -> bool:
        """Return whether the lower-cased `action` matches any pattern."""
        if self.any_action or action in self.exact:
            return True
        return self.regex is not None and self.regex.fullmatch(action) is not None


def build_action_matcher(patterns: Iterable[str]) -> ActionMatcher:
    """Compile Action or NotAction patterns; matching ignores case."""
    exact: set[str] = set()
    wildcard_sources: list[str] = []
    services: set[str] | None = set()
    for pattern in patterns:
        lowered = pattern.lower()
        service = lowered.split(":", 1)[0] if ":" in lowered else None
        if service is None or STAR in service or QUESTION in service:
            services = None
        elif services is not None:
            services.add(service)
        if STAR in lowered or QUESTION in lowered:
            wildcard_sources.append(glob_to_regex(tokenize_plain(lowered)))
        else:
            exact.add(lowered)
    regex = None
    if wildcard_sources:
        regex = re.compile("|".join(f"(?:{source})" for source in wildcard_sources), re.DOTALL)
    return ActionMatcher(
        frozenset(exact),
        regex,
        frozenset(services) if services is not None else None,
        any_action="*" in exact or any(source == ".*" for source in wildcard_sources),
    )
