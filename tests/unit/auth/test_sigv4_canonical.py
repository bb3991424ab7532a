"""The canonical request steps, checked against the example AWS publishes and against the rules.

The IAM `ListUsers` request below, its key and its results are the worked example of the IAM User
Guide's "Create a signed AWS API request" (access key AKIDEXAMPLE, 2015-08-30T12:36:00Z).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from sigv4_signing import header, with_header

from orgstack.auth.errors import SignatureDoesNotMatchError
from orgstack.auth.sigv4 import HttpRequestParts, SigningKey, verify
from orgstack.auth.sigv4_canonical import (
    canonical_header_value,
    canonical_headers,
    canonical_query,
    canonical_request,
    canonical_uri,
    compute_signature,
    derive_signing_key,
    payload_hash,
    remove_dot_segments,
    split_query,
    string_to_sign,
)

EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
EXAMPLE_HEADERS = [
    ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
    ("host", "iam.amazonaws.com"),
    ("x-amz-date", "20150830T123600Z"),
]
EXAMPLE_SIGNED_HEADERS = ("content-type", "host", "x-amz-date")
EXAMPLE_CANONICAL_REQUEST = (
    "GET\n"
    "/\n"
    "Action=ListUsers&Version=2010-05-08\n"
    "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
    "host:iam.amazonaws.com\n"
    "x-amz-date:20150830T123600Z\n"
    "\n"
    "content-type;host;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
EXAMPLE_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


def test_aws_example_canonical_request() -> None:
    text = canonical_request(
        "GET",
        canonical_uri("/", "iam"),
        canonical_query(split_query("Action=ListUsers&Version=2010-05-08")),
        canonical_headers(EXAMPLE_HEADERS, EXAMPLE_SIGNED_HEADERS),
        EXAMPLE_SIGNED_HEADERS,
        payload_hash(EXAMPLE_HEADERS, b""),
    )

    assert text == EXAMPLE_CANONICAL_REQUEST


def test_aws_example_string_to_sign() -> None:
    text = string_to_sign(
        "20150830T123600Z", "20150830/us-east-1/iam/aws4_request", EXAMPLE_CANONICAL_REQUEST
    )

    assert text == (
        "AWS4-HMAC-SHA256\n"
        "20150830T123600Z\n"
        "20150830/us-east-1/iam/aws4_request\n"
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    )


def test_aws_example_signing_key_and_signature() -> None:
    key = derive_signing_key(EXAMPLE_SECRET, "20150830", "us-east-1", "iam")
    text = string_to_sign(
        "20150830T123600Z", "20150830/us-east-1/iam/aws4_request", EXAMPLE_CANONICAL_REQUEST
    )

    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    assert compute_signature(key, text) == EXAMPLE_SIGNATURE


def test_aws_example_request_verifies() -> None:
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date, Signature={EXAMPLE_SIGNATURE}"
    )
    request = HttpRequestParts(
        "GET",
        "/",
        "Action=ListUsers&Version=2010-05-08",
        [*EXAMPLE_HEADERS, ("authorization", authorization)],
        b"",
    )
    key_store = {"AKIDEXAMPLE": SigningKey(EXAMPLE_SECRET, principal_id="AIDAEXAMPLE")}

    verified = verify(request, key_store.get, datetime(2015, 8, 30, 12, 36, tzinfo=UTC))

    assert verified.access_key_id == "AKIDEXAMPLE"
    assert verified.service == "iam"


@pytest.mark.parametrize(
    ("raw_query", "expected"),
    [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("k=2&k=10&k=1", "k=1&k=10&k=2"),
        ("flag&a=", "a=&flag="),
        ("q=two%20words", "q=two%20words"),
        ("q=two+words", "q=two%20words"),
        ("q=a%2Bb", "q=a%2Bb"),
        ("q=%7Etilde~", "q=~tilde~"),
        ("q=%c3%a9", "q=%C3%A9"),
        ("q=é", "q=%C3%A9"),
        ("q=%ff", "q=%FF"),
        ("q=a=b", "q=a%3Db"),
        ("a=1&&b=2&", "a=1&b=2"),
        ("B=1&a=1&_=1", "B=1&_=1&a=1"),
    ],
)
def test_canonical_query(raw_query: str, expected: str) -> None:
    assert canonical_query(split_query(raw_query)) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ""),
        ("/", "/"),
        ("/a/./b", "/a/b"),
        ("/a/../b", "/b"),
        ("/../a", "/a"),
        ("/a//b///c", "/a/b/c"),
        ("/a/b/", "/a/b/"),
        ("/a/..", "/"),
        ("//", "/"),
        ("/a/%2E%2E/b", "/a/%2E%2E/b"),
    ],
)
def test_remove_dot_segments(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


@pytest.mark.parametrize(
    ("raw_path", "service", "expected"),
    [
        ("/a%20b", "organizations", "/a%2520b"),
        ("/a%20b", "s3", "/a%20b"),
        ("/x/./y", "s3", "/x/./y"),
        ("/~user/é", "sts", "/~user/%C3%A9"),
        ("", "organizations", "/"),
        ("", "s3", "/"),
    ],
)
def test_canonical_uri(raw_path: str, service: str, expected: str) -> None:
    assert canonical_uri(raw_path, service) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["  a   b  "], "a b"),
        (["a\t \tb"], "a b"),
        (["first", " second  value "], "first,second value"),
        ([""], ""),
    ],
)
def test_canonical_header_value(values: list[str], expected: str) -> None:
    assert canonical_header_value(values) == expected


def test_payload_hash_prefers_declared_header() -> None:
    headers = [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]

    assert payload_hash(headers, b"anything") == "UNSIGNED-PAYLOAD"
    assert payload_hash([], b"{}") == (
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )


def hand_signed_raw_byte_request() -> HttpRequestParts:
    """Build a request with bytes that are not UTF-8, signed by hashing the spec's text by hand."""
    canonical = (
        b"GET\n"
        b"/raw%FF\n"
        b"q=%FF\n"
        b"host:127.0.0.1:4566\n"
        b"x-amz-date:20240101T120000Z\n"
        b"x-amz-meta-raw:a\xffb\n"
        b"\n"
        b"host;x-amz-date;x-amz-meta-raw\n" + hashlib.sha256(b"").hexdigest().encode()
    )
    scope = "20240101/us-east-1/organizations/aws4_request"
    text_to_sign = (
        f"AWS4-HMAC-SHA256\n20240101T120000Z\n{scope}\n{hashlib.sha256(canonical).hexdigest()}"
    )
    key = b"AWS4" + EXAMPLE_SECRET.encode()
    for part in ("20240101", "us-east-1", "organizations", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, text_to_sign.encode(), hashlib.sha256).hexdigest()

    def wire(raw: bytes) -> str:
        return raw.decode("utf-8", "surrogateescape")

    headers = [
        ("host", "127.0.0.1:4566"),
        ("x-amz-date", "20240101T120000Z"),
        ("x-amz-meta-raw", wire(b"a\xffb")),
        (
            "authorization",
            f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{scope}, "
            f"SignedHeaders=host;x-amz-date;x-amz-meta-raw, Signature={signature}",
        ),
    ]
    return HttpRequestParts("GET", wire(b"/raw\xff"), "q=%FF", headers, b"")


def test_bytes_that_are_not_utf8_verify() -> None:
    request = hand_signed_raw_byte_request()
    key_store = {"AKIDEXAMPLE": SigningKey(EXAMPLE_SECRET, principal_id="AIDAEXAMPLE")}

    verified = verify(request, key_store.get, datetime(2024, 1, 1, 12, tzinfo=UTC))

    assert verified.signed_headers == ("host", "x-amz-date", "x-amz-meta-raw")


def test_raw_byte_in_signature_fails_cleanly() -> None:
    request = hand_signed_raw_byte_request()
    damaged = with_header(
        request, "authorization", header(request, "authorization")[:-1] + "\udcff"
    )
    key_store = {"AKIDEXAMPLE": SigningKey(EXAMPLE_SECRET, principal_id="AIDAEXAMPLE")}

    with pytest.raises(SignatureDoesNotMatchError):
        verify(damaged, key_store.get, datetime(2024, 1, 1, 12, tzinfo=UTC))
