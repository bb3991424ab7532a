"""Read the SigV4 signature information from a request's `Authorization` header or query string.

Parsing only checks form. Whether the key exists, the time is current and the signature is right is
decided afterwards in `orgstack.auth.sigv4`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_plus

from orgstack.auth.errors import (
    SIGV4_TIMESTAMP_FORMAT,
    AuthorizationPairMalformedError,
    AuthorizationParametersMissingError,
    CredentialMalformedError,
    CredentialTerminatorInvalidError,
    DateMalformedError,
    MissingAuthenticationTokenError,
    PresignedExpiresInvalidError,
    PresignedParametersMissingError,
    UnsupportedAlgorithmError,
    format_amz_date,
)
from orgstack.auth.sigv4_canonical import ALGORITHM, SCOPE_TERMINATOR, header_values, split_query

# The parameters a presigned request must carry, in the order AWS documents them.
_PRESIGNED_REQUIRED = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
)
_PRESIGNED_MARKERS = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"})
_PRESIGNED_PARAMETERS = frozenset({*_PRESIGNED_REQUIRED, "X-Amz-Expires", "X-Amz-Security-Token"})
_HEADER_REQUIRED = ("Credential", "Signature", "SignedHeaders")
# A presigned URL may live at most seven days, the lifetime of a SigV4 signing key.
MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 60 * 60


@dataclass(frozen=True, slots=True)
class SignatureClaim:
    """The signature information a request carries, before any of it is checked."""

    access_key_id: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    # The request date as it enters the string to sign, in ISO 8601 basic format.
    amz_date: str
    request_time: datetime
    security_token: str | None
    # Whether the signature came in the query string (a presigned URL) rather than a header.
    presigned: bool
    # X-Amz-Expires of a presigned request, in seconds. None when the request does not send it.
    expires_seconds: int | None
    # The query parameters covered by the signature: all of them except X-Amz-Signature.
    signed_query: tuple[tuple[str, str], ...]

    @property
    def scope(self) -> str:
        """Return the credential scope `date/region/service/aws4_request`."""
        return f"{self.scope_date}/{self.region}/{self.service}/{SCOPE_TERMINATOR}"


@dataclass(frozen=True, slots=True)
class _Credential:
    access_key_id: str
    date: str
    region: str
    service: str


def parse_signature(headers: Sequence[tuple[str, str]], raw_query: str) -> SignatureClaim:
    """Read the signature claim from the `Authorization` header, else from presigned parameters.

    Raises `MissingAuthenticationTokenError` when the request carries neither, and an
    `IncompleteSignatureError` subclass or `CredentialTerminatorInvalidError` when it is malformed.
    """
    query_pairs = split_query(raw_query)

    authorization = header_values(headers, "authorization")
    if authorization:
        return _parse_header_form(authorization[0], headers, query_pairs)

    presigned = _decode_presigned_parameters(query_pairs)
    if _PRESIGNED_MARKERS.intersection(presigned):
        return _parse_query_form(presigned, query_pairs)

    raise MissingAuthenticationTokenError()


def _parse_header_form(
    header: str, headers: Sequence[tuple[str, str]], query_pairs: list[tuple[str, str]]
) -> SignatureClaim:
    algorithm, _, remainder = header.strip().partition(" ")

    # AWS splits the parameters on commas and whitespace alike, so a stray space inside a value
    # shows up as a separate part without `=`.
    parameters: dict[str, str] = {}
    for part in remainder.replace(",", " ").split():
        key, equals, value = part.partition("=")
        if not equals:
            raise AuthorizationPairMalformedError(part, header)
        parameters.setdefault(key, value)

    missing = tuple(name for name in _HEADER_REQUIRED if not parameters.get(name))
    amz_date = _first_header(headers, "x-amz-date")
    http_date = _first_header(headers, "date")
    date_missing = amz_date is None and http_date is None
    if missing or date_missing:
        raise AuthorizationParametersMissingError(missing, date_missing, header)

    if algorithm != ALGORITHM:
        raise UnsupportedAlgorithmError(algorithm)

    credential = _parse_credential(parameters["Credential"])
    if amz_date is not None:
        request_time = _parse_amz_date(amz_date)
    else:
        request_time = _parse_http_date(http_date or "")
    return SignatureClaim(
        access_key_id=credential.access_key_id,
        scope_date=credential.date,
        region=credential.region,
        service=credential.service,
        signed_headers=tuple(parameters["SignedHeaders"].split(";")),
        signature=parameters["Signature"],
        amz_date=format_amz_date(request_time),
        request_time=request_time,
        security_token=_first_header(headers, "x-amz-security-token"),
        presigned=False,
        expires_seconds=None,
        signed_query=tuple(query_pairs),
    )


def _parse_query_form(
    presigned: dict[str, str], query_pairs: list[tuple[str, str]]
) -> SignatureClaim:
    missing = tuple(name for name in _PRESIGNED_REQUIRED if not presigned.get(name))
    if missing:
        raise PresignedParametersMissingError(missing)

    algorithm = presigned["X-Amz-Algorithm"]
    if algorithm != ALGORITHM:
        raise UnsupportedAlgorithmError(algorithm)

    credential = _parse_credential(presigned["X-Amz-Credential"])
    request_time = _parse_amz_date(presigned["X-Amz-Date"])
    expires = presigned.get("X-Amz-Expires")
    signed_query = tuple(pair for pair in query_pairs if unquote_plus(pair[0]) != "X-Amz-Signature")
    return SignatureClaim(
        access_key_id=credential.access_key_id,
        scope_date=credential.date,
        region=credential.region,
        service=credential.service,
        signed_headers=tuple(presigned["X-Amz-SignedHeaders"].split(";")),
        signature=presigned["X-Amz-Signature"],
        amz_date=format_amz_date(request_time),
        request_time=request_time,
        security_token=presigned.get("X-Amz-Security-Token"),
        presigned=True,
        expires_seconds=_parse_expires(expires) if expires is not None else None,
        signed_query=signed_query,
    )


def _decode_presigned_parameters(query_pairs: list[tuple[str, str]]) -> dict[str, str]:
    # The first occurrence wins, so a parameter appended later cannot replace a signed one.
    decoded: dict[str, str] = {}
    for raw_key, raw_value in query_pairs:
        key = unquote_plus(raw_key)
        if key in _PRESIGNED_PARAMETERS and key not in decoded:
            decoded[key] = unquote_plus(raw_value)
    return decoded


def _parse_credential(credential: str) -> _Credential:
    parts = credential.split("/")
    if len(parts) != 5:
        raise CredentialMalformedError(credential)

    access_key_id, date, region, service, terminator = parts
    if terminator != SCOPE_TERMINATOR:
        raise CredentialTerminatorInvalidError(terminator)
    return _Credential(access_key_id, date, region, service)


def _parse_amz_date(value: str) -> datetime:
    # strptime alone would also accept single-digit fields such as 2024111T1Z.
    well_formed = (
        len(value) == 16
        and value[8] == "T"
        and value[15] == "Z"
        and value[:8].isdigit()
        and value[9:15].isdigit()
    )
    if not well_formed:
        raise DateMalformedError(value)

    try:
        parsed = datetime.strptime(value, SIGV4_TIMESTAMP_FORMAT)
    except ValueError:
        raise DateMalformedError(value) from None
    return parsed.replace(tzinfo=UTC)


def _parse_http_date(value: str) -> datetime:
    # Clients that send a `Date` header instead of `X-Amz-Date` use the RFC 7231 form.
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise DateMalformedError(value) from None

    # The zone `-0000`, which botocore writes, comes back naive but means UTC.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_expires(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise PresignedExpiresInvalidError(value)
    seconds = int(value)
    if not 1 <= seconds <= MAX_PRESIGNED_EXPIRES_SECONDS:
        raise PresignedExpiresInvalidError(value)
    return seconds


def _first_header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    values = header_values(headers, name)
    return values[0] if values else None
