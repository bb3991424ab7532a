"""Verify AWS Signature Version 4 on an incoming request, as AWS services other than S3 do.

The verifier is pure: the HTTP layer hands it the request as sent, a function that looks up an
access key, and the current time. It returns who signed the request or raises a `SigV4Error` whose
code and message are AWS's for the failure. Both the `Authorization` header form and the presigned
query form (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) are
accepted, in any region.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from orgstack.auth.errors import (
    CredentialScopeDateMismatchError,
    ExpiredTokenError,
    HostNotSignedError,
    PresignedRequestExpiredError,
    SecurityTokenInvalidError,
    SignatureDoesNotMatchError,
    SignatureExpiredError,
    SignatureNotYetCurrentError,
    SignedHeaderAbsentError,
    UnknownAccessKeyError,
)
from orgstack.auth.sigv4_canonical import (
    canonical_headers,
    canonical_query,
    canonical_request,
    canonical_uri,
    compute_signature,
    derive_signing_key,
    header_values,
    payload_hash,
    string_to_sign,
    utf8_bytes,
)
from orgstack.auth.sigv4_parse import SignatureClaim, parse_signature

# AWS rejects a request dated more than 15 minutes before or after its clock. botocore never
# corrects for skew, so a client with a wrong clock fails here the same way it fails against AWS.
MAX_CLOCK_SKEW_MINUTES = 15


@dataclass(frozen=True, slots=True)
class HttpRequestParts:
    """A request as it came over the wire.

    `raw_path` and `raw_query` are still percent-encoded, and `headers` contains (lowercase name,
    value) pairs in the order received, repeated names included. Decode header bytes as Latin-1:
    Python's http.client and Node's http send header strings as Latin-1, and the SDK signers hash
    the same strings as UTF-8. Lone surrogates (from `errors="surrogateescape"`) are hashed as the
    raw bytes they stand for.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The secret behind an access key id, and the principal that owns it.

    Temporary credentials also carry the session token clients must send with them and the time
    they stop being valid. Long-term keys have neither.
    """

    secret_access_key: str = field(repr=False)
    principal_id: str
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None


CredentialLookup = Callable[[str], SigningKey | None]
"""Return the signing key for an access key id, or None when no such key exists."""


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """The identity and scope of a request whose signature has been verified."""

    access_key_id: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signing_key: SigningKey
    presigned: bool


def verify(request: HttpRequestParts, lookup: CredentialLookup, now: datetime) -> VerifiedSignature:
    """Verify the SigV4 signature of `request` at time `now`, an aware datetime.

    The checks run from cheapest to dearest, so a malformed or replayed request costs no key
    lookup: parse the signature information, check its scope, check the request time, resolve the
    key and session token, and only then compute and compare the signature.

    Raises a `SigV4Error` subclass from `orgstack.auth.errors` for every failure.
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime; pass datetime.now(UTC).")
    now = now.astimezone(UTC)

    claim = parse_signature(request.headers, request.raw_query)

    _check_scope(claim, request.headers)

    _check_request_time(claim, now)

    signing_key = _resolve_signing_key(claim, lookup, now)

    _check_signature(request, claim, signing_key)

    return VerifiedSignature(
        access_key_id=claim.access_key_id,
        region=claim.region,
        service=claim.service,
        signed_headers=claim.signed_headers,
        signing_key=signing_key,
        presigned=claim.presigned,
    )


def _check_scope(claim: SignatureClaim, headers: Sequence[tuple[str, str]]) -> None:
    # Without a signed host, a captured signature would be valid against any other endpoint.
    signed = {name.lower() for name in claim.signed_headers}
    if "host" not in signed:
        raise HostNotSignedError()

    if claim.scope_date != claim.amz_date[:8]:
        raise CredentialScopeDateMismatchError(claim.scope_date, claim.amz_date)

    for name in claim.signed_headers:
        if not header_values(headers, name.lower()):
            raise SignedHeaderAbsentError(name)


def _check_request_time(claim: SignatureClaim, now: datetime) -> None:
    skew = timedelta(minutes=MAX_CLOCK_SKEW_MINUTES)
    if claim.request_time < now - skew:
        raise SignatureExpiredError(claim.request_time, now, MAX_CLOCK_SKEW_MINUTES)
    if claim.request_time > now + skew:
        raise SignatureNotYetCurrentError(claim.request_time, now, MAX_CLOCK_SKEW_MINUTES)

    expires = claim.expires_seconds
    if expires is not None and now > claim.request_time + timedelta(seconds=expires):
        raise PresignedRequestExpiredError(claim.request_time, now, expires)


def _resolve_signing_key(
    claim: SignatureClaim, lookup: CredentialLookup, now: datetime
) -> SigningKey:
    signing_key = lookup(claim.access_key_id)
    if signing_key is None:
        raise UnknownAccessKeyError(claim.access_key_id)

    sent_token = claim.security_token
    expected_token = signing_key.session_token
    if expected_token is None:
        # AWS rejects a session token sent with a long-term key instead of ignoring it.
        if sent_token is not None:
            raise SecurityTokenInvalidError(claim.access_key_id)
        return signing_key

    if sent_token is None or not hmac.compare_digest(
        utf8_bytes(sent_token), utf8_bytes(expected_token)
    ):
        raise SecurityTokenInvalidError(claim.access_key_id)

    expiration = signing_key.expiration
    if expiration is not None and expiration <= now:
        raise ExpiredTokenError(claim.access_key_id, expiration)
    return signing_key


def _check_signature(
    request: HttpRequestParts, claim: SignatureClaim, signing_key: SigningKey
) -> None:
    request_text = canonical_request(
        request.method,
        canonical_uri(request.raw_path, claim.service),
        canonical_query(claim.signed_query),
        canonical_headers(request.headers, claim.signed_headers),
        claim.signed_headers,
        payload_hash(request.headers, request.body),
    )
    key = derive_signing_key(
        signing_key.secret_access_key, claim.scope_date, claim.region, claim.service
    )
    expected = compute_signature(key, string_to_sign(claim.amz_date, claim.scope, request_text))

    if not hmac.compare_digest(utf8_bytes(expected), utf8_bytes(claim.signature)):
        raise SignatureDoesNotMatchError()
