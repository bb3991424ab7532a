"""Property tests: whatever botocore signs verifies, and any change to a signed part fails.

Hypothesis draws query parameters, path segments and header values from wide alphabets, including
reserved characters, spaces and non-ASCII text, so that encoding rules are checked beyond the
hand-picked cases.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sigv4_signing import LONG_TERM_KEY_ID, SIGNED_AT, build_request, lookup, sign

from orgstack.auth.errors import SignatureDoesNotMatchError
from orgstack.auth.sigv4 import verify

# Any Unicode text except surrogates, which cannot be encoded as UTF-8.
query_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
# Path segments are percent-encoded by the client, as botocore's serializers do.
path_segments = st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=8), max_size=4)
# Header values are visible ASCII with runs of spaces and tabs, which canonicalisation collapses.
header_text = st.text(st.sampled_from("ab Z09-_.:;,=/\t  "), max_size=20)

JSON_HEADERS = (
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts"),
)


def encoded_path(segments: list[str]) -> str:
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


@settings(max_examples=150, deadline=None)
@given(params=st.lists(st.tuples(query_text, query_text), max_size=5))
def test_any_query_params_verify(params: list[tuple[str, str]]) -> None:
    request = sign(build_request("GET", "/", params=params))

    assert verify(request, lookup, SIGNED_AT).access_key_id == LONG_TERM_KEY_ID


@settings(max_examples=150, deadline=None)
@given(segments=path_segments)
def test_any_encoded_path_verifies(segments: list[str]) -> None:
    request = sign(build_request("GET", encoded_path(segments)))

    assert verify(request, lookup, SIGNED_AT).access_key_id == LONG_TERM_KEY_ID


@settings(max_examples=150, deadline=None)
@given(note=header_text, body=st.binary(max_size=64))
def test_any_header_and_body_verify(note: str, body: bytes) -> None:
    headers = (*JSON_HEADERS, ("X-Amz-Meta-Note", note))
    request = sign(build_request("POST", "/", body=body, headers=headers))

    assert verify(request, lookup, SIGNED_AT).access_key_id == LONG_TERM_KEY_ID


@settings(max_examples=150, deadline=None)
@given(body=st.binary(min_size=1, max_size=64), data=st.data())
def test_any_body_change_fails(body: bytes, data: st.DataObject) -> None:
    request = sign(build_request("POST", "/", body=body, headers=JSON_HEADERS))
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    changed = bytearray(body)
    changed[index] ^= data.draw(st.integers(min_value=1, max_value=255))

    with pytest.raises(SignatureDoesNotMatchError):
        verify(replace(request, body=bytes(changed)), lookup, SIGNED_AT)
