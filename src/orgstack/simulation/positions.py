"""Line and column of each statement in the text of a policy document.

IAM's simulation results report a matched statement's `StartPosition` and `EndPosition`. Lines and
columns count from 1. The start is the statement's opening `{` and the end is the column just
after its closing `}`. The example replies in the AWS CLI reference for `simulate-custom-policy`
agree: a compact one-line document whose first statement opens at its 38th character reports
`StartPosition` line 1, column 38.
"""

from __future__ import annotations

import json
from typing import NamedTuple

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


class Position(NamedTuple):
    """A line and column in a document, both counted from 1."""

    line: int
    column: int


class Span(NamedTuple):
    """The start and end of one statement."""

    start: Position
    end: Position


def statement_spans(document: str) -> list[Span]:
    """Return the span of each statement in document order.

    A `Statement` given as one object has one span. Returns [] when the text is not a JSON
    object with a `Statement` member, because only documents that passed validation get here.
    """
    try:
        ranges = _statement_ranges(document)
    except (ValueError, IndexError):
        return []
    return [Span(_position(document, start), _position(document, end)) for start, end in ranges]


def _statement_ranges(document: str) -> list[tuple[int, int]]:
    """Return (offset of `{`, offset after `}`) for each statement."""
    index = _skip(document, 0)
    if document[index] != "{":
        return []
    found: list[tuple[int, int]] = []
    for key, start, end in _members(document, index):
        # The policy grammar rejects duplicate keys, so a valid policy has one `Statement`.
        if key == "Statement":
            found = _elements(document, start, end)
    return found


def _members(document: str, index: int) -> list[tuple[str, int, int]]:
    """Return (key, value start, value end) for each member of the object at `index`."""
    members: list[tuple[str, int, int]] = []
    index = _skip(document, index + 1)
    while document[index] != "}":
        key, index = _DECODER.raw_decode(document, index)
        index = _skip(document, index)
        if document[index] != ":":
            raise ValueError("expected `:` after an object key")
        start = _skip(document, index + 1)
        _, end = _DECODER.raw_decode(document, start)
        members.append((str(key), start, end))
        index = _skip(document, end)
        if document[index] == ",":
            index = _skip(document, index + 1)
    return members


def _elements(document: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the range of each element of the array at `start`, or the value itself."""
    if document[start] != "[":
        return [(start, end)]
    ranges: list[tuple[int, int]] = []
    index = _skip(document, start + 1)
    while document[index] != "]":
        _, element_end = _DECODER.raw_decode(document, index)
        ranges.append((index, element_end))
        index = _skip(document, element_end)
        if document[index] == ",":
            index = _skip(document, index + 1)
    return ranges


def _skip(document: str, index: int) -> int:
    while document[index] in _WHITESPACE:
        index += 1
    return index


def _position(document: str, offset: int) -> Position:
    line = document.count("\n", 0, offset) + 1
    line_start = document.rfind("\n", 0, offset) + 1
    return Position(line, offset - line_start + 1)
