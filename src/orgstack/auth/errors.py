"""Errors raised when a request's AWS Signature Version 4 authentication fails.

AWS returns the same failure with a different error code, and sometimes a different HTTP status,
depending on the protocol: the JSON protocols (Organizations, Identity Center, CloudTrail) send
`InvalidSignatureException` where the query protocols (STS, IAM) send `SignatureDoesNotMatch`. Each
class therefore carries both codes and both statuses, and the server picks the pair that matches the
protocol of the service that was called.

The messages are AWS's own text, as AWS services have returned it to SDK users. Where no AWS text
for a case was found, the class says so in a `NOTE:`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

SIGV4_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"


class WireProtocol(StrEnum):
    """The family of AWS wire protocols, which decides the error code an auth failure uses."""

    JSON = "json"
    QUERY = "query"


def format_amz_date(moment: datetime) -> str:
    """Format an aware datetime in UTC as SigV4's ISO 8601 basic timestamp (20240101T000000Z)."""
    return moment.astimezone(UTC).strftime(SIGV4_TIMESTAMP_FORMAT)


class SigV4Error(Exception):
    """A SigV4 authentication failure, with the AWS code and HTTP status for each protocol."""

    json_code: ClassVar[str]
    query_code: ClassVar[str]
    json_status: ClassVar[int]
    query_status: ClassVar[int]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def code_for(self, protocol: WireProtocol) -> str:
        """Return the error code AWS sends for this failure in `protocol`."""
        return self.json_code if protocol is WireProtocol.JSON else self.query_code

    def status_for(self, protocol: WireProtocol) -> int:
        """Return the HTTP status AWS sends for this failure in `protocol`."""
        return self.json_status if protocol is WireProtocol.JSON else self.query_status


class MissingAuthenticationTokenError(SigV4Error):
    """The request carries neither an `Authorization` header nor presigned query parameters."""

    json_code = "MissingAuthenticationTokenException"
    query_code = "MissingAuthenticationToken"
    # NOTE: 403 is the status STS and the AWS common-errors pages give. No JSON-protocol response
    # with its status was found, so the JSON side uses 403 as well.
    json_status = 403
    query_status = 403

    def __init__(self) -> None:
        # STS and DynamoDB (a JSON service) both send this text. API Gateway and Lambda send
        # "Missing Authentication Token" instead, but orgstack serves no service of their kind.
        super().__init__("Request is missing Authentication Token")


class IncompleteSignatureError(SigV4Error):
    """The signature information is malformed or incomplete, so no signature can be computed."""

    json_code = "IncompleteSignatureException"
    query_code = "IncompleteSignature"
    json_status = 400
    query_status = 400


class AuthorizationParametersMissingError(IncompleteSignatureError):
    """The `Authorization` header lacks Credential, SignedHeaders or Signature, or a date header."""

    def __init__(
        self, missing_parameters: tuple[str, ...], date_missing: bool, header: str
    ) -> None:
        sentences = [
            f"Authorization header requires '{name}' parameter." for name in missing_parameters
        ]
        if date_missing:
            sentences.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                "header."
            )
        super().__init__(" ".join([*sentences, f"Authorization={header}"]))
        self.missing_parameters = missing_parameters
        self.date_missing = date_missing


class AuthorizationPairMalformedError(IncompleteSignatureError):
    """A part of the `Authorization` header after the algorithm is not a `key=value` pair."""

    def __init__(self, pair: str, header: str) -> None:
        super().__init__(
            f"'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: "
            f"'{header}'."
        )
        self.pair = pair


class CredentialMalformedError(IncompleteSignatureError):
    """The Credential value does not have the five parts `keyid/date/region/service/term`."""

    def __init__(self, credential: str) -> None:
        super().__init__(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential}'"
        )
        self.credential = credential


class DateMalformedError(IncompleteSignatureError):
    """The request date is not an ISO 8601 basic timestamp such as 20240101T000000Z."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        )
        self.value = value


class SignedHeaderAbsentError(IncompleteSignatureError):
    """A header named in SignedHeaders is not in the request."""

    def __init__(self, header_name: str) -> None:
        super().__init__(
            f"'{header_name}' is named as a SignedHeader, but it does not exist in the HTTP "
            "request."
        )
        self.header_name = header_name


class UnsupportedAlgorithmError(IncompleteSignatureError):
    """The request is signed with an algorithm other than AWS4-HMAC-SHA256."""

    def __init__(self, algorithm: str) -> None:
        # NOTE: no AWS text for this case was found, so this message is orgstack's own.
        super().__init__(
            f"Unsupported AWS 'algorithm': '{algorithm}'. Sign the request with AWS4-HMAC-SHA256."
        )
        self.algorithm = algorithm


class PresignedParametersMissingError(IncompleteSignatureError):
    """A presigned request lacks one or more of the X-Amz-* query parameters SigV4 needs."""

    def __init__(self, missing_parameters: tuple[str, ...]) -> None:
        # NOTE: no AWS text for this case was found outside S3, so this message is orgstack's own.
        names = ", ".join(f"'{name}'" for name in missing_parameters)
        super().__init__(f"AWS query-string parameters must include {names}.")
        self.missing_parameters = missing_parameters


class PresignedExpiresInvalidError(IncompleteSignatureError):
    """X-Amz-Expires is not a whole number of seconds from 1 to 604800."""

    def __init__(self, value: str) -> None:
        # NOTE: no AWS text for this case was found outside S3, so this message is orgstack's own.
        super().__init__(
            f"X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '{value}'."
        )
        self.value = value


class InvalidSignatureError(SigV4Error):
    """The signature cannot be accepted: wrong, outside its time window, or wrongly scoped."""

    json_code = "InvalidSignatureException"
    query_code = "SignatureDoesNotMatch"
    # Coral JSON services (DynamoDB, Kinesis, ECS) return 400, and STS returns 403.
    json_status = 400
    query_status = 403


class SignatureDoesNotMatchError(InvalidSignatureError):
    """The signature differs from the one computed with the key's secret."""

    def __init__(self) -> None:
        super().__init__(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )


class SignatureExpiredError(InvalidSignatureError):
    """The request date is more than the allowed skew before the server clock."""

    def __init__(self, request_time: datetime, now: datetime, max_skew_minutes: int) -> None:
        earliest_time = now - timedelta(minutes=max_skew_minutes)
        super().__init__(
            f"Signature expired: {format_amz_date(request_time)} is now earlier than "
            f"{format_amz_date(earliest_time)} ({format_amz_date(now)} - {max_skew_minutes} min.)"
        )
        self.request_time = request_time
        self.now = now


class SignatureNotYetCurrentError(InvalidSignatureError):
    """The request date is more than the allowed skew after the server clock."""

    def __init__(self, request_time: datetime, now: datetime, max_skew_minutes: int) -> None:
        latest_time = now + timedelta(minutes=max_skew_minutes)
        super().__init__(
            f"Signature not yet current: {format_amz_date(request_time)} is still later than "
            f"{format_amz_date(latest_time)} ({format_amz_date(now)} + {max_skew_minutes} min.)"
        )
        self.request_time = request_time
        self.now = now


class PresignedRequestExpiredError(InvalidSignatureError):
    """A presigned request is used after its X-Amz-Expires lifetime."""

    def __init__(self, request_time: datetime, now: datetime, expires_seconds: int) -> None:
        # NOTE: STS was reported to ignore X-Amz-Expires and allow only the 15-minute window.
        # orgstack also honours a shorter lifetime, and this message copies the form of AWS's
        # "Signature expired" text because no AWS text for this case was found.
        earliest_time = now - timedelta(seconds=expires_seconds)
        super().__init__(
            f"Signature expired: {format_amz_date(request_time)} is now earlier than "
            f"{format_amz_date(earliest_time)} ({format_amz_date(now)} - {expires_seconds} sec.)"
        )
        self.request_time = request_time
        self.now = now
        self.expires_seconds = expires_seconds


class CredentialScopeDateMismatchError(InvalidSignatureError):
    """The date in the credential scope is not the day of the request date."""

    def __init__(self, scope_date: str, request_date: str) -> None:
        super().__init__(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            f"HTTP: '{scope_date}' != '{request_date[:8]}', from '{request_date}'."
        )
        self.scope_date = scope_date
        self.request_date = request_date


class CredentialTerminatorInvalidError(InvalidSignatureError):
    """The credential scope does not end with `aws4_request`."""

    def __init__(self, terminator: str) -> None:
        # NOTE: the wording follows AWS's "Credential should be scoped to correct service" text.
        # The exact AWS text for a wrong terminator was not found.
        super().__init__(
            f"Credential should be scoped with a valid terminator: 'aws4_request', not "
            f"'{terminator}'."
        )
        self.terminator = terminator


class WrongServiceScopeError(InvalidSignatureError):
    """The credential scope names another service than the one called."""

    def __init__(self, expected_service: str) -> None:
        # AWS's text, trailing space included.
        super().__init__(f"Credential should be scoped to correct service: '{expected_service}'. ")
        self.expected_service = expected_service


class HostNotSignedError(InvalidSignatureError):
    """`host` is not among the signed headers, so the signature could be replayed elsewhere."""

    def __init__(self) -> None:
        super().__init__(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )


class UnrecognizedClientError(SigV4Error):
    """The access key or its session token is not one that orgstack issued."""

    json_code = "UnrecognizedClientException"
    query_code = "InvalidClientTokenId"
    json_status = 400
    query_status = 403

    def __init__(self, access_key_id: str) -> None:
        super().__init__("The security token included in the request is invalid.")
        self.access_key_id = access_key_id


class UnknownAccessKeyError(UnrecognizedClientError):
    """No credential with the request's access key id exists."""


class SecurityTokenInvalidError(UnrecognizedClientError):
    """The session token is missing, belongs to another key, or was sent with a long-term key."""


class ExpiredTokenError(SigV4Error):
    """The temporary credential's session token has passed its expiration time."""

    json_code = "ExpiredTokenException"
    query_code = "ExpiredToken"
    json_status = 400
    query_status = 403

    def __init__(self, access_key_id: str, expiration: datetime) -> None:
        super().__init__("The security token included in the request is expired")
        self.access_key_id = access_key_id
        self.expiration = expiration
