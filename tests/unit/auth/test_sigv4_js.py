"""Requests signed by the AWS SDK for JavaScript v3 signer pass the verifier.

`tests/js/sign.mjs` signs with `@smithy/signature-v4`, the signer inside every `@aws-sdk/client-*`
package, so this checks the verifier against a second, independent SDK. The npm packages are
installed by the setup script (`npm ci` in `tests/js`), never by the tests, which skip when they
are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

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

JS_DIR = Path(__file__).resolve().parents[2] / "js"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(
        not (JS_DIR / "node_modules" / "@smithy" / "signature-v4").is_dir(),
        reason=f"npm packages missing: run `npm ci` in {JS_DIR}",
    ),
]

HOSTNAME = "127.0.0.1"
PORT = 4566
UNRESERVED = "-_.~"
QueryValues = dict[str, str | list[str]]


def sign_with_js(
    method: str,
    path: str,
    *,
    service: str,
    query: QueryValues | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    access_key_id: str = LONG_TERM_KEY_ID,
    secret: str = LONG_TERM_SECRET,
    token: str | None = None,
    expires_in: int | None = None,
) -> HttpRequestParts:
    """Sign with the JS SDK signer and return the request the JS SDK would send."""
    description: dict[str, Any] = {
        "method": method,
        "hostname": HOSTNAME,
        "port": PORT,
        "path": path,
        "query": query or {},
        "headers": {"host": f"{HOSTNAME}:{PORT}", **(headers or {})},
        "body": body,
        "region": "us-east-1",
        "service": service,
        "accessKeyId": access_key_id,
        "secretAccessKey": secret,
        "sessionToken": token,
        "signingDate": SIGNED_AT.isoformat(),
    }
    if expires_in is not None:
        description["expiresIn"] = expires_in

    assert NODE is not None
    completed = subprocess.run(
        [NODE, str(JS_DIR / "sign.mjs")],
        input=json.dumps(description),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=JS_DIR,
    )
    signed = json.loads(completed.stdout)

    wire_headers = [(name.lower(), value) for name, value in signed["headers"].items()]
    raw_query = encode_query(signed["query"])
    return HttpRequestParts(method, path, raw_query, wire_headers, (body or "").encode("utf-8"))


def encode_query(query: QueryValues) -> str:
    """Percent-encode a query object the way the JS SDK's HTTP handler sends it."""
    pairs: list[str] = []
    for key, values in query.items():
        for value in [values] if isinstance(values, str) else values:
            pairs.append(f"{quote(key, safe=UNRESERVED)}={quote(value, safe=UNRESERVED)}")
    return "&".join(pairs)


def test_js_json_post_verifies() -> None:
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSOrganizationsV20161128.ListAccounts",
        "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000",
        "amz-sdk-request": "attempt=1; max=3",
    }
    request = sign_with_js("POST", "/", service="organizations", headers=headers, body="{}")

    verified = verify(request, lookup, SIGNED_AT)

    assert verified.service == "organizations"
    assert "amz-sdk-request" in verified.signed_headers
    assert "x-amz-content-sha256" in verified.signed_headers


def test_js_awkward_query_verifies() -> None:
    query: QueryValues = {
        "space": "two words",
        "plus": "a+b",
        "tilde": "~x-_.",
        "repeated": ["2", "1", "10"],
        "empty": "",
        "unicode": "Zoë 日本 🚀",
        "reserved": "a=b&c/d?e#f",
    }
    request = sign_with_js("GET", "/", service="organizations", query=query)

    assert verify(request, lookup, SIGNED_AT).access_key_id == LONG_TERM_KEY_ID


@pytest.mark.parametrize(
    "path",
    ["/a%20b/c", "/caf%C3%A9/%F0%9F%9A%80", "/dot/./x/../y", "/double//slash", "/~user/"],
)
def test_js_encoded_path_verifies(path: str) -> None:
    request = sign_with_js("GET", path, service="organizations")

    assert verify(request, lookup, SIGNED_AT).access_key_id == LONG_TERM_KEY_ID


def test_js_header_with_inner_spaces_verifies() -> None:
    headers = {"x-amz-meta-note": "  several   inner \t spaces  "}
    request = sign_with_js("GET", "/", service="organizations", headers=headers)

    assert "x-amz-meta-note" in verify(request, lookup, SIGNED_AT).signed_headers


def test_js_session_token_verifies() -> None:
    request = sign_with_js(
        "POST",
        "/",
        service="sts",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body="Action=GetCallerIdentity&Version=2011-06-15",
        access_key_id=SESSION_KEY_ID,
        secret=SESSION_SECRET,
        token=SESSION_TOKEN,
    )

    verified = verify(request, lookup, SIGNED_AT)

    assert verified.access_key_id == SESSION_KEY_ID
    assert "x-amz-security-token" in verified.signed_headers


def test_js_presigned_with_token_verifies() -> None:
    request = sign_with_js(
        "GET",
        "/",
        service="sts",
        query={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
        access_key_id=SESSION_KEY_ID,
        secret=SESSION_SECRET,
        token=SESSION_TOKEN,
        expires_in=900,
    )

    verified = verify(request, lookup, SIGNED_AT)

    assert verified.presigned is True
    assert verified.access_key_id == SESSION_KEY_ID


def test_js_wrong_secret_does_not_match() -> None:
    request = sign_with_js("GET", "/", service="organizations", secret="wrong")

    with pytest.raises(SignatureDoesNotMatchError):
        verify(request, lookup, SIGNED_AT)
