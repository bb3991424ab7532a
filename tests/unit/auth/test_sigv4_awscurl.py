"""Requests signed by awscurl's own SigV4 code pass the verifier.

awscurl (PyPI) computes SigV4 itself instead of calling botocore, so it is an independent check of
the canonical request. The tests call its signing steps with a fixed date instead of running the
command, so nothing is sent. awscurl encodes an already-encoded query a second time, so its requests
match AWS only for queries without percent-escapes, and the cases here keep to those.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sigv4_signing import (
    LONG_TERM_KEY_ID,
    LONG_TERM_SECRET,
    SESSION_KEY_ID,
    SESSION_SECRET,
    SESSION_TOKEN,
    SIGNED_AT,
    lookup,
)

from orgstack.auth.errors import SignatureDoesNotMatchError
from orgstack.auth.sigv4 import HttpRequestParts, verify

awscurl = pytest.importorskip("awscurl.awscurl", reason="awscurl is not installed")

HOST = "127.0.0.1:4566"
AMZ_DATE = SIGNED_AT.strftime("%Y%m%dT%H%M%SZ")


def sign_with_awscurl(
    method: str,
    path: str,
    query: str,
    *,
    service: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    access_key_id: str = LONG_TERM_KEY_ID,
    secret: str = LONG_TERM_SECRET,
    token: str | None = None,
) -> HttpRequestParts:
    """Sign with awscurl's four SigV4 steps and return the request awscurl would send."""
    user_headers = dict(headers or {})
    canonical, payload_hash, signed_headers = awscurl.task_1_create_a_canonical_request(
        query, user_headers, "4566", "127.0.0.1", AMZ_DATE, method, body, token, True, path
    )
    text_to_sign, algorithm, scope = awscurl.task_2_create_the_string_to_sign(
        AMZ_DATE, AMZ_DATE[:8], canonical, service, "us-east-1"
    )
    signature = awscurl.task_3_calculate_the_signature(
        AMZ_DATE[:8], text_to_sign, service, "us-east-1", secret
    )
    auth_headers = awscurl.task_4_build_auth_headers_for_the_request(
        AMZ_DATE, payload_hash, algorithm, scope, signed_headers, signature, access_key_id, token
    )

    wire_headers = [
        (name.lower(), value) for name, value in {**user_headers, **auth_headers}.items()
    ]
    wire_headers.append(("host", HOST))
    return HttpRequestParts(method, path, query, wire_headers, body)


def test_awscurl_json_post_verifies() -> None:
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSOrganizationsV20161128.DescribeOrganization",
    }
    request = sign_with_awscurl(
        "POST", "/", "", service="organizations", headers=headers, body=b"{}"
    )

    verified = verify(request, lookup, SIGNED_AT)

    assert verified.service == "organizations"
    assert verified.signed_headers == (
        "content-type",
        "host",
        "x-amz-content-sha256",
        "x-amz-date",
        "x-amz-target",
    )


def test_awscurl_query_get_verifies() -> None:
    request = sign_with_awscurl(
        "GET", "/", "Version=2010-05-08&Action=ListUsers&Marker=", service="iam"
    )

    assert verify(request, lookup, SIGNED_AT).service == "iam"


def test_awscurl_encoded_path_verifies() -> None:
    request = sign_with_awscurl("GET", "/a%20b/%C3%A9/~x", "", service="organizations")

    assert verify(request, lookup, SIGNED_AT).access_key_id == LONG_TERM_KEY_ID


def test_awscurl_session_token_verifies() -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = sign_with_awscurl(
        "POST",
        "/",
        "",
        service="sts",
        headers=headers,
        body=body,
        access_key_id=SESSION_KEY_ID,
        secret=SESSION_SECRET,
        token=SESSION_TOKEN,
    )

    verified = verify(request, lookup, SIGNED_AT)

    assert verified.access_key_id == SESSION_KEY_ID
    assert "x-amz-security-token" in verified.signed_headers


def test_awscurl_wrong_secret_does_not_match() -> None:
    request = sign_with_awscurl("GET", "/", "Action=ListUsers", service="iam", secret="wrong")

    with pytest.raises(SignatureDoesNotMatchError):
        verify(request, lookup, SIGNED_AT)
