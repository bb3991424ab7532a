"""Requests signed by botocore's own signers pass orgstack's SigV4 verifier.

botocore is the signer behind boto3, the AWS CLI v1 and aws-sso-util, so every request shape here is
one those clients send. Requests are signed at a fixed time with fake keys and never sent anywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

import pytest
from sigv4_signing import (
    LONG_TERM_KEY_ID,
    SESSION_CREDENTIALS,
    SESSION_KEY_ID,
    SIGNED_AT,
    SIGNING_KEYS,
    build_request,
    header,
    lookup,
    presign,
    sign,
)

from orgstack.auth.errors import SignatureDoesNotMatchError
from orgstack.auth.sigv4 import HttpRequestParts, VerifiedSignature, verify

JSON_HEADERS = (
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts"),
)
FORM_HEADERS = (("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),)
UNRESERVED = "-_.~"


def verify_at_signing_time(request: HttpRequestParts) -> VerifiedSignature:
    return verify(request, lookup, SIGNED_AT)


def test_json_post_verifies_and_names_the_signer() -> None:
    request = sign(build_request("POST", "/", body=b"{}", headers=JSON_HEADERS))

    verified = verify_at_signing_time(request)

    assert verified.access_key_id == LONG_TERM_KEY_ID
    assert verified.region == "us-east-1"
    assert verified.service == "organizations"
    assert verified.signed_headers == ("content-type", "host", "x-amz-date", "x-amz-target")
    assert verified.signing_key is SIGNING_KEYS[LONG_TERM_KEY_ID]
    assert verified.presigned is False


def test_query_protocol_form_post_verifies() -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    form_post = build_request("POST", "/", body=body, headers=FORM_HEADERS)
    request = sign(form_post, service="sts", region="eu-west-1")

    verified = verify_at_signing_time(request)

    assert verified.service == "sts"
    assert verified.region == "eu-west-1"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "aws-global", "local"])
def test_any_region_is_accepted(region: str) -> None:
    request = sign(build_request("POST", "/", body=b"{}", headers=JSON_HEADERS), region=region)

    assert verify_at_signing_time(request).region == region


AWKWARD_PARAMS = [
    pytest.param([("q", "two words")], id="space"),
    pytest.param([("q", "a+b")], id="plus"),
    pytest.param([("q", "~tilde-_.")], id="unreserved"),
    pytest.param([("k", "2"), ("k", "1"), ("k", "10")], id="repeated-key"),
    pytest.param([("empty", ""), ("a", "1")], id="empty-value"),
    pytest.param([("name", "Zoë 日本 🚀")], id="unicode"),
    pytest.param([("eq", "a=b=c"), ("amp", "x&y")], id="reserved-delimiters"),
    pytest.param([("slash/key", "/path/?#")], id="slash-and-hash"),
    pytest.param([("B", "upper"), ("a", "lower"), ("_", "underscore")], id="sort-by-byte"),
]


@pytest.mark.parametrize("params", AWKWARD_PARAMS)
def test_get_with_awkward_params_verifies(params: list[tuple[str, str]]) -> None:
    # botocore encodes `params` itself when it prepares the request; spaces go over the wire as `+`.
    request = sign(build_request("GET", "/", params=params))

    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


@pytest.mark.parametrize("params", AWKWARD_PARAMS)
def test_get_with_awkward_query_in_url_verifies(params: list[tuple[str, str]]) -> None:
    # botocore's protocol serializers percent-encode the query into the URL, spaces as %20.
    query = "&".join(
        f"{quote(key, safe=UNRESERVED)}={quote(value, safe=UNRESERVED)}" for key, value in params
    )
    request = sign(build_request("GET", "/?" + query))

    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


def test_query_parameter_without_equals_sign_verifies() -> None:
    request = sign(build_request("GET", "/?flag&other=1"))

    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/a%20b/c",
        "/encoded%2Fslash/x",
        "/~user/file.txt",
        "/caf%C3%A9/%F0%9F%9A%80",
        "/dot/./segments/../resolved",
        "/double//slashes///here",
        "/trailing/slash/",
        "/raw space/and:colon@at",
        "/percent%25sign",
    ],
)
def test_path_needing_encoding_verifies(path: str) -> None:
    request = sign(build_request("GET", path))

    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


def test_s3_path_is_not_encoded_twice() -> None:
    request = sign(build_request("GET", "/bucket/a%20key/./x"), service="s3")

    assert verify_at_signing_time(request).service == "s3"


def test_header_with_inner_spaces_verifies() -> None:
    headers = (*JSON_HEADERS, ("X-Amz-Meta-Note", "  several   inner\t spaces  here  "))
    request = sign(build_request("POST", "/", body=b"{}", headers=headers))

    verified = verify_at_signing_time(request)

    assert "x-amz-meta-note" in verified.signed_headers


def test_latin1_header_value_verifies() -> None:
    # http.client sends "café" as the Latin-1 byte E9, and the server decodes it back to "café".
    headers = (*JSON_HEADERS, ("X-Amz-Meta-Name", "café"))
    request = sign(build_request("POST", "/", body=b"{}", headers=headers))

    assert header(request, "x-amz-meta-name").encode("latin-1") == b"caf\xe9"
    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


def test_repeated_header_values_are_joined_in_order() -> None:
    headers = (*JSON_HEADERS, ("X-Amz-Meta-Tag", "first"), ("X-Amz-Meta-Tag", " second  value "))
    request = sign(build_request("POST", "/", body=b"{}", headers=headers))

    assert [v for k, v in request.headers if k == "x-amz-meta-tag"] == ["first", " second  value "]
    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


def test_repeated_header_values_in_other_order_fail() -> None:
    headers = (*JSON_HEADERS, ("X-Amz-Meta-Tag", "first"), ("X-Amz-Meta-Tag", "second"))
    request = sign(build_request("POST", "/", body=b"{}", headers=headers))
    others = [(k, v) for k, v in request.headers if k != "x-amz-meta-tag"]
    swapped = replace(
        request, headers=[*others, ("x-amz-meta-tag", "second"), ("x-amz-meta-tag", "first")]
    )

    with pytest.raises(SignatureDoesNotMatchError):
        verify_at_signing_time(swapped)


def test_unsigned_header_added_after_signing_is_ignored() -> None:
    request = sign(build_request("POST", "/", body=b"{}", headers=JSON_HEADERS))
    extended = replace(request, headers=[*request.headers, ("user-agent", "proxy/1.0")])

    assert verify_at_signing_time(extended).signed_headers == request_signed_headers(request)


def request_signed_headers(request: HttpRequestParts) -> tuple[str, ...]:
    authorization = header(request, "authorization")
    signed = authorization.split("SignedHeaders=")[1].split(",")[0]
    return tuple(signed.split(";"))


def test_date_header_instead_of_x_amz_date_verifies() -> None:
    # botocore signs with a Date header, rewritten to the signing time, when the request has one.
    headers = (*JSON_HEADERS, ("Date", "placeholder"))
    request = sign(build_request("POST", "/", body=b"{}", headers=headers))

    assert header(request, "date") == "Mon, 01 Jan 2024 12:00:00 -0000"
    assert not [v for k, v in request.headers if k == "x-amz-date"]
    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


def test_unsigned_payload_skips_body_hash() -> None:
    aws_request = build_request("POST", "/", body=b"{}", headers=JSON_HEADERS)
    aws_request.url = aws_request.url.replace("http://", "https://")
    aws_request.context["payload_signing_enabled"] = False
    request = sign(aws_request)
    altered_body = replace(request, body=b'{"changed": true}')

    assert header(request, "x-amz-content-sha256") == "UNSIGNED-PAYLOAD"
    assert verify_at_signing_time(altered_body).access_key_id == LONG_TERM_KEY_ID


def test_declared_content_sha256_is_used_for_payload() -> None:
    body = b'{"a": 1}'
    headers = (*JSON_HEADERS, ("X-Amz-Content-SHA256", hashlib.sha256(body).hexdigest()))
    request = sign(build_request("POST", "/", body=body, headers=headers))

    assert verify_at_signing_time(request).access_key_id == LONG_TERM_KEY_ID


def test_session_credentials_verify() -> None:
    json_post = build_request("POST", "/", body=b"{}", headers=JSON_HEADERS)
    request = sign(json_post, credentials=SESSION_CREDENTIALS)

    verified = verify_at_signing_time(request)

    assert verified.access_key_id == SESSION_KEY_ID
    assert "x-amz-security-token" in verified.signed_headers
    assert verified.signing_key.principal_id == "AROAFAKEROLE0002:session"


def test_presigned_get_verifies() -> None:
    params = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]
    request = presign(build_request("GET", "/", params=params))

    verified = verify_at_signing_time(request)

    assert verified.presigned is True
    assert verified.service == "sts"
    assert verified.signed_headers == ("host",)


def test_presigned_with_session_token_verifies() -> None:
    params = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]
    request = presign(build_request("GET", "/", params=params), credentials=SESSION_CREDENTIALS)

    assert "X-Amz-Security-Token=" in request.raw_query
    assert verify_at_signing_time(request).access_key_id == SESSION_KEY_ID


def test_presigned_with_awkward_params_verifies() -> None:
    params = [("q", "two words"), ("q", "a+b"), ("name", "Zoë"), ("empty", "")]
    request = presign(build_request("GET", "/x%20y/", params=params), service="organizations")

    assert verify_at_signing_time(request).presigned is True


def test_presigned_tampered_param_fails() -> None:
    params = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]
    request = presign(build_request("GET", "/", params=params))
    tampered = replace(request, raw_query=request.raw_query.replace("GetCallerIdentity", "GetX"))

    with pytest.raises(SignatureDoesNotMatchError):
        verify_at_signing_time(tampered)


def test_presigned_is_valid_within_its_lifetime() -> None:
    request = presign(build_request("GET", "/", params=[("Action", "X")]), expires=60)

    verified = verify(request, lookup, SIGNED_AT + timedelta(seconds=60))

    assert verified.presigned is True
