"""Sign requests with botocore's own SigV4 signers and turn them into `HttpRequestParts`.

The tests sign with the code real clients run, at a fixed time, with fake keys, and never send
anything over the network: the prepared request is handed straight to the verifier.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from orgstack.auth.sigv4 import CredentialLookup, HttpRequestParts, SigningKey

SIGNED_AT = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:4566"

LONG_TERM_KEY_ID = "AKIAFAKEFAKEFAKE0001"
LONG_TERM_SECRET = "fakeSecretKey/with+slash0000000000000000"
SESSION_KEY_ID = "ASIAFAKEFAKEFAKE0002"
SESSION_SECRET = "fakeSessionSecret0000000000000000000000"
SESSION_TOKEN = "FakeSessionToken/for+tests=="
SESSION_EXPIRATION = SIGNED_AT + timedelta(hours=1)
OTHER_SESSION_KEY_ID = "ASIAFAKEFAKEFAKE0003"
OTHER_SESSION_TOKEN = "OtherFakeSessionToken=="

LONG_TERM_CREDENTIALS = Credentials(LONG_TERM_KEY_ID, LONG_TERM_SECRET)
SESSION_CREDENTIALS = Credentials(SESSION_KEY_ID, SESSION_SECRET, SESSION_TOKEN)

SIGNING_KEYS = {
    LONG_TERM_KEY_ID: SigningKey(LONG_TERM_SECRET, principal_id="AIDAFAKEUSER0001"),
    SESSION_KEY_ID: SigningKey(
        SESSION_SECRET,
        principal_id="AROAFAKEROLE0002:session",
        session_token=SESSION_TOKEN,
        expiration=SESSION_EXPIRATION,
    ),
    OTHER_SESSION_KEY_ID: SigningKey(
        "otherFakeSecret000000000000000000000000",
        principal_id="AROAFAKEROLE0003:other",
        session_token=OTHER_SESSION_TOKEN,
        expiration=SESSION_EXPIRATION,
    ),
}


def lookup(access_key_id: str) -> SigningKey | None:
    """Look up a key in the fixed test key store."""
    return SIGNING_KEYS.get(access_key_id)


def lookup_with(access_key_id: str, signing_key: SigningKey) -> CredentialLookup:
    """Return a key store holding only `signing_key` under `access_key_id`."""
    return {access_key_id: signing_key}.get


@contextmanager
def botocore_clock(moment: datetime) -> Iterator[None]:
    """Make botocore's signers believe the time is `moment`."""
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive_utc):
        yield


def build_request(
    method: str,
    path_and_query: str,
    *,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    params: Sequence[tuple[str, str]] | None = None,
) -> AWSRequest:
    """Build a botocore request to the local endpoint. `params` go into the query string."""
    request = AWSRequest(method=method, url=ENDPOINT + path_and_query, data=body, params=params)
    for name, value in headers:
        # botocore's header map appends on assignment, so repeated names stay repeated.
        request.headers[name] = value
    return request


def sign(
    request: AWSRequest,
    *,
    service: str = "organizations",
    region: str = "us-east-1",
    credentials: Credentials = LONG_TERM_CREDENTIALS,
    at: datetime = SIGNED_AT,
) -> HttpRequestParts:
    """Sign `request` in the Authorization header form, as botocore clients do."""
    signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
    with botocore_clock(at):
        signer_class(credentials, service, region).add_auth(request)
    return to_request_parts(request)


def presign(
    request: AWSRequest,
    *,
    service: str = "sts",
    region: str = "us-east-1",
    credentials: Credentials = LONG_TERM_CREDENTIALS,
    expires: int = 900,
    at: datetime = SIGNED_AT,
) -> HttpRequestParts:
    """Sign `request` in the presigned query form, as `generate_presigned_url` does."""
    with botocore_clock(at):
        SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
    return to_request_parts(request)


def to_request_parts(request: AWSRequest) -> HttpRequestParts:
    """Convert a signed botocore request into what the HTTP server would hand the verifier.

    The URL (with `params` encoded into it) and body come from the prepared request. The headers
    come from the request itself, because preparing keeps only the last of repeated headers while
    the signer covered them all.
    """
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    headers = [(name.lower(), _text(value)) for name, value in request.headers.items()]
    # The HTTP client adds Host from the URL, as botocore assumed when it signed.
    headers.append(("host", url.netloc))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequestParts(prepared.method, url.path, url.query, headers, body)


def with_header(request: HttpRequestParts, name: str, value: str) -> HttpRequestParts:
    """Return `request` with every `name` header replaced by one header with `value`."""
    headers = [(key, old) for key, old in request.headers if key != name]
    headers.append((name, value))
    return replace(request, headers=headers)


def without_header(request: HttpRequestParts, name: str) -> HttpRequestParts:
    """Return `request` without any `name` header."""
    return replace(request, headers=[(key, value) for key, value in request.headers if key != name])


def header(request: HttpRequestParts, name: str) -> str:
    """Return the single value of header `name`."""
    values = [value for key, value in request.headers if key == name]
    assert len(values) == 1, f"expected one {name} header, found {values}"
    return values[0]


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
