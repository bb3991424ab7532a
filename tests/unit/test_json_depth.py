"""The nesting scan that guards every parser of client-supplied JSON."""

from __future__ import annotations

import json

from orgstack.json_depth import MAX_NESTING_DEPTH, exceeds_nesting_depth


def test_depth_at_limit_accepted() -> None:
    text = "[" * MAX_NESTING_DEPTH + "]" * MAX_NESTING_DEPTH

    assert not exceeds_nesting_depth(text)


def test_depth_past_limit_rejected() -> None:
    text = "[" * (MAX_NESTING_DEPTH + 1) + "]" * (MAX_NESTING_DEPTH + 1)

    assert exceeds_nesting_depth(text)


def test_objects_and_arrays_both_count() -> None:
    text = '{"a":[' * 33 + "1" + "]}" * 33

    assert exceeds_nesting_depth(text)


def test_brackets_inside_strings_ignored() -> None:
    text = json.dumps({"Resource": "[" * 500, "Sid": '\\"{{{{' * 100})

    assert not exceeds_nesting_depth(text)


def test_siblings_do_not_add_up() -> None:
    text = "[" + "[[]]," * 1000 + "[]]"

    assert not exceeds_nesting_depth(text)


def test_unbalanced_text_counted_by_brackets() -> None:
    text = '["unterminated' + "[" * 100

    assert exceeds_nesting_depth(text)


def test_bytes_scanned_like_text() -> None:
    deep = b'{"Name":"\xc3\xa9",' + b'"x":' + b"[" * 65 + b"]" * 65 + b"}"

    assert exceeds_nesting_depth(deep)
    assert not exceeds_nesting_depth(deep.replace(b"[", b"", 2).replace(b"]", b"", 2))
