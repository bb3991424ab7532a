"""The canonical request, string to sign and signature of AWS Signature Version 4.

Each function is one step of "Create a signed AWS API request" in the IAM User Guide
(https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). The functions are
pure and take the request exactly as it came over the wire, because a signature covers the bytes
the client sent, not a parsed interpretation of them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
SCOPE_TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

# RFC 3986 unreserved characters besides letters and digits, which `quote` never encodes.
_QUERY_SAFE = "-_.~"
_PATH_SAFE = "/~"


def utf8_bytes(text: str) -> bytes:
    """Encode text as UTF-8, turning surrogate escapes back into the raw bytes they stand for.

    The HTTP layer decodes the request with `errors="surrogateescape"`, so bytes that are not
    UTF-8 survive the round trip and a request containing them fails to verify instead of crashing.
    """
    return text.encode("utf-8", "surrogateescape")


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string into (key, value) pairs, still percent-encoded.

    A parameter without `=` gets an empty value, and empty segments (as in `a=1&&b=2` or a
    trailing `&`) are dropped.
    """
    pairs: list[tuple[str, str]] = []
    for segment in raw_query.split("&"):
        if not segment:
            continue
        key, _, value = segment.partition("=")
        pairs.append((key, value))
    return pairs


def _reencode(component: str) -> str:
    # A raw `+` is a space, as in form encoding: AWS accepts a space sent as `+` and signed as
    # %20, which is what botocore's own `AWSRequest(params=...)` sends. SDKs send a plus sign as
    # %2B. Decoding to bytes keeps the round trip exact even for escapes that are not UTF-8.
    return quote(unquote_to_bytes(utf8_bytes(component.replace("+", " "))), safe=_QUERY_SAFE)


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Build the canonical query: each pair decoded, re-encoded, then sorted by key and value."""
    encoded = sorted((_reencode(key), _reencode(value)) for key, value in pairs)
    return "&".join(f"{key}={value}" for key, value in encoded)


def remove_dot_segments(path: str) -> str:
    """Resolve `.` and `..` segments (RFC 3986 section 5.2.4) and drop empty segments.

    AWS services other than S3 also treat consecutive slashes as one, which is why empty segments
    go. A leading slash, and a trailing slash after a non-empty result, are kept.
    """
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)

    leading = "/" if path.startswith("/") else ""
    trailing = "/" if path.endswith("/") and segments else ""
    return leading + "/".join(segments) + trailing


def canonical_uri(raw_path: str, service: str) -> str:
    """Build the canonical URI from the path as sent.

    S3 signs the path as sent. Every other service signs the normalised path percent-encoded once
    more, so an escape such as `%20` in the request appears as `%2520` in the canonical request.
    """
    if service == "s3":
        return raw_path or "/"

    normalized = remove_dot_segments(raw_path) or "/"
    return quote(utf8_bytes(normalized), safe=_PATH_SAFE)


def header_values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    """Return every value of header `name` (a lowercase name) in the order the request sent them."""
    return [value for header_name, value in headers if header_name == name]


def canonical_header_value(values: Iterable[str]) -> str:
    """Trim each value, collapse inner whitespace runs to one space, and join values with commas."""
    return ",".join(" ".join(value.split()) for value in values)


def canonical_headers(headers: Sequence[tuple[str, str]], signed_headers: Sequence[str]) -> str:
    """Build the canonical headers block: one `name:value` line per signed header, in signed order.

    The caller has checked that every signed header is present. The block ends with the newline
    that, together with the joining newline, leaves the blank line the canonical request requires.
    """
    lines = [
        f"{name}:{canonical_header_value(header_values(headers, name.lower()))}\n"
        for name in signed_headers
    ]
    return "".join(lines)


def payload_hash(headers: Sequence[tuple[str, str]], body: bytes) -> str:
    """Return the payload hash the client signed.

    That is the `x-amz-content-sha256` header when sent (which may be `UNSIGNED-PAYLOAD`),
    otherwise the hex SHA-256 of the body.
    """
    declared = header_values(headers, "x-amz-content-sha256")
    if declared:
        return declared[0].strip()
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers_block: str,
    signed_headers: Sequence[str],
    hashed_payload: str,
) -> str:
    """Join the six parts of the canonical request with newlines."""
    return "\n".join(
        [method.upper(), uri, query, headers_block, ";".join(signed_headers), hashed_payload]
    )


def string_to_sign(amz_date: str, scope: str, request_text: str) -> str:
    """Build the string to sign from the request date, credential scope and canonical request."""
    digest = hashlib.sha256(utf8_bytes(request_text)).hexdigest()
    return "\n".join([ALGORITHM, amz_date, scope, digest])


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, utf8_bytes(message), hashlib.sha256).digest()


def derive_signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """Derive the signing key from the secret through the date, region, service and terminator."""
    date_key = _hmac_sha256(utf8_bytes(f"AWS4{secret_access_key}"), date)
    region_key = _hmac_sha256(date_key, region)
    service_key = _hmac_sha256(region_key, service)
    return _hmac_sha256(service_key, SCOPE_TERMINATOR)


def compute_signature(signing_key: bytes, text_to_sign: str) -> str:
    """Return the hex HMAC-SHA256 signature of the string to sign."""
    return hmac.new(signing_key, utf8_bytes(text_to_sign), hashlib.sha256).hexdigest()
