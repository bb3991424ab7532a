"""Every way SigV4 verification fails, with AWS's error codes, statuses and messages.

Requests are signed by botocore and then damaged in one place, so each test names one cause.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from botocore.credentials import Credentials
from sigv4_signing import (
    LONG_TERM_CREDENTIALS,
    LONG_TERM_KEY_ID,
    OTHER_SESSION_KEY_ID,
    OTHER_SESSION_TOKEN,
    SESSION_CREDENTIALS,
    SESSION_EXPIRATION,
    SESSION_KEY_ID,
    SESSION_TOKEN,
    SIGNED_AT,
    SIGNING_KEYS,
    build_request,
    header,
    lookup,
    lookup_with,
    presign,
    sign,
    with_header,
    without_header,
)

from orgstack.auth.errors import (
    AuthorizationPairMalformedError,
    AuthorizationParametersMissingError,
    CredentialMalformedError,
    CredentialScopeDateMismatchError,
    CredentialTerminatorInvalidError,
    DateMalformedError,
    ExpiredTokenError,
    HostNotSignedError,
    MissingAuthenticationTokenError,
    PresignedExpiresInvalidError,
    PresignedParametersMissingError,
    PresignedRequestExpiredError,
    SecurityTokenInvalidError,
    SignatureDoesNotMatchError,
    SignatureExpiredError,
    SignatureNotYetCurrentError,
    SignedHeaderAbsentError,
    SigV4Error,
    UnknownAccessKeyError,
    UnsupportedAlgorithmError,
    WireProtocol,
)
from orgstack.auth.sigv4 import HttpRequestParts, SigningKey, verify

JSON_HEADERS = (
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "AWSOrganizationsV20161128.ListRoots"),
)
SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."


def signed_json_post(
    credentials: Credentials = LONG_TERM_CREDENTIALS, at: datetime = SIGNED_AT
) -> HttpRequestParts:
    request = build_request("POST", "/", body=b"{}", headers=JSON_HEADERS)
    return sign(request, credentials=credentials, at=at)


def with_authorization(request: HttpRequestParts, authorization: str) -> HttpRequestParts:
    return with_header(request, "authorization", authorization)


def assert_wire_error(
    error: SigV4Error, json: tuple[str, int], query: tuple[str, int], message: str
) -> None:
    assert (error.code_for(WireProtocol.JSON), error.status_for(WireProtocol.JSON)) == json
    assert (error.code_for(WireProtocol.QUERY), error.status_for(WireProtocol.QUERY)) == query
    assert error.message == message
    assert str(error) == message


# Missing and malformed signature information.


def test_unsigned_request_is_missing_token() -> None:
    request = HttpRequestParts("POST", "/", "", [("host", "127.0.0.1:4566")], b"{}")

    with pytest.raises(MissingAuthenticationTokenError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("MissingAuthenticationTokenException", 403),
        query=("MissingAuthenticationToken", 403),
        message="Request is missing Authentication Token",
    )


def test_header_without_any_parameter_lists_all() -> None:
    request = with_authorization(signed_json_post(), "AWS4-HMAC-SHA256")
    request = without_header(request, "x-amz-date")

    with pytest.raises(AuthorizationParametersMissingError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("IncompleteSignatureException", 400),
        query=("IncompleteSignature", 400),
        message=(
            "Authorization header requires 'Credential' parameter. "
            "Authorization header requires 'Signature' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=AWS4-HMAC-SHA256"
        ),
    )
    assert raised.value.missing_parameters == ("Credential", "Signature", "SignedHeaders")
    assert raised.value.date_missing is True


def test_header_without_signature_names_it() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").split(", Signature=")[0]

    with pytest.raises(AuthorizationParametersMissingError) as raised:
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)

    assert raised.value.message == (
        f"Authorization header requires 'Signature' parameter. Authorization={authorization}"
    )


def test_request_without_date_header_is_incomplete() -> None:
    request = without_header(signed_json_post(), "x-amz-date")

    with pytest.raises(AuthorizationParametersMissingError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert raised.value.missing_parameters == ()
    assert raised.value.message.startswith(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 Credential="
    )


def test_space_inside_credential_is_malformed_pair() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").replace(
        f"Credential={LONG_TERM_KEY_ID}", f"Credential={LONG_TERM_KEY_ID} "
    )

    with pytest.raises(AuthorizationPairMalformedError) as raised:
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("IncompleteSignatureException", 400),
        query=("IncompleteSignature", 400),
        message=(
            "'/20240101/us-east-1/organizations/aws4_request' not a valid key=value pair "
            f"(missing equal-sign) in Authorization header: '{authorization}'."
        ),
    )


def test_credential_with_four_parts_is_malformed() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").replace("/us-east-1/", "/")

    with pytest.raises(CredentialMalformedError) as raised:
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)

    assert raised.value.message == (
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        f"keyid/date/region/service/term, got '{LONG_TERM_KEY_ID}/20240101/organizations/"
        "aws4_request'"
    )
    assert raised.value.code_for(WireProtocol.QUERY) == "IncompleteSignature"


def test_wrong_scope_terminator_is_invalid_signature() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").replace("/aws4_request", "/aws5_request")

    with pytest.raises(CredentialTerminatorInvalidError) as raised:
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message=(
            "Credential should be scoped with a valid terminator: 'aws4_request', not "
            "'aws5_request'."
        ),
    )


@pytest.mark.parametrize(
    "amz_date",
    ["2024-01-01T12:00:00Z", "20240101T120000", "2024011T120000Z", "20240101T12000Z", "1704110400"],
)
def test_malformed_amz_date_is_rejected(amz_date: str) -> None:
    request = with_header(signed_json_post(), "x-amz-date", amz_date)

    with pytest.raises(DateMalformedError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert raised.value.message == (
        f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )
    assert raised.value.code_for(WireProtocol.JSON) == "IncompleteSignatureException"


def test_impossible_amz_date_is_rejected() -> None:
    request = with_header(signed_json_post(), "x-amz-date", "20241301T250000Z")

    with pytest.raises(DateMalformedError):
        verify(request, lookup, SIGNED_AT)


def test_unparseable_date_header_is_rejected() -> None:
    request = without_header(signed_json_post(), "x-amz-date")
    request = replace(request, headers=[*request.headers, ("date", "yesterday")])

    with pytest.raises(DateMalformedError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert raised.value.value == "yesterday"


def test_other_algorithm_is_unsupported() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256")

    with pytest.raises(UnsupportedAlgorithmError) as raised:
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)

    assert raised.value.algorithm == "AWS4-ECDSA-P256"
    assert raised.value.code_for(WireProtocol.QUERY) == "IncompleteSignature"


def test_signed_header_absent_from_request() -> None:
    request = without_header(signed_json_post(), "x-amz-target")

    with pytest.raises(SignedHeaderAbsentError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("IncompleteSignatureException", 400),
        query=("IncompleteSignature", 400),
        message=(
            "'x-amz-target' is named as a SignedHeader, but it does not exist in the HTTP request."
        ),
    )


def test_unsigned_host_is_rejected() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").replace(";host;", ";")

    with pytest.raises(HostNotSignedError) as raised:
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message="'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )


def test_scope_date_must_match_request_date() -> None:
    request = with_header(signed_json_post(), "x-amz-date", "20240102T000500Z")

    with pytest.raises(CredentialScopeDateMismatchError) as raised:
        verify(request, lookup, SIGNED_AT + timedelta(hours=12, minutes=5))

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message=(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20240101' != '20240102', from '20240102T000500Z'."
        ),
    )


# Signature and key failures.


def test_wrong_secret_does_not_match() -> None:
    request = signed_json_post(credentials=Credentials(LONG_TERM_KEY_ID, "not-the-secret"))

    with pytest.raises(SignatureDoesNotMatchError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message=SIGNATURE_MISMATCH_MESSAGE,
    )


def test_unknown_access_key_is_unrecognized() -> None:
    request = signed_json_post(credentials=Credentials("AKIAFAKEUNKNOWN00009", "whatever"))

    with pytest.raises(UnknownAccessKeyError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("UnrecognizedClientException", 400),
        query=("InvalidClientTokenId", 403),
        message=INVALID_TOKEN_MESSAGE,
    )
    assert raised.value.access_key_id == "AKIAFAKEUNKNOWN00009"


def test_tampered_body_does_not_match() -> None:
    request = signed_json_post()

    with pytest.raises(SignatureDoesNotMatchError):
        verify(replace(request, body=b'{"MaxResults": 1}'), lookup, SIGNED_AT)


def test_tampered_signed_header_does_not_match() -> None:
    request = with_header(
        signed_json_post(), "x-amz-target", "AWSOrganizationsV20161128.DeleteOrganization"
    )

    with pytest.raises(SignatureDoesNotMatchError):
        verify(request, lookup, SIGNED_AT)


def test_tampered_path_does_not_match() -> None:
    request = signed_json_post()

    with pytest.raises(SignatureDoesNotMatchError):
        verify(replace(request, raw_path="/other"), lookup, SIGNED_AT)


def test_tampered_method_does_not_match() -> None:
    request = signed_json_post()

    with pytest.raises(SignatureDoesNotMatchError):
        verify(replace(request, method="PUT"), lookup, SIGNED_AT)


def test_tampered_signature_does_not_match() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization")
    last = authorization[-1]
    flipped = authorization[:-1] + ("0" if last != "0" else "1")

    with pytest.raises(SignatureDoesNotMatchError):
        verify(with_authorization(request, flipped), lookup, SIGNED_AT)


def test_region_swapped_after_signing_does_not_match() -> None:
    request = signed_json_post()
    authorization = header(request, "authorization").replace("/us-east-1/", "/us-west-2/")

    with pytest.raises(SignatureDoesNotMatchError):
        verify(with_authorization(request, authorization), lookup, SIGNED_AT)


# Clock skew: AWS allows 15 minutes either way.


@pytest.mark.parametrize("minutes", [-15, -14, 0, 14, 15])
def test_skew_within_fifteen_minutes_is_accepted(minutes: int) -> None:
    request = signed_json_post()

    verified = verify(request, lookup, SIGNED_AT + timedelta(minutes=minutes))

    assert verified.access_key_id == LONG_TERM_KEY_ID


def test_request_sixteen_minutes_old_is_expired() -> None:
    request = signed_json_post()

    with pytest.raises(SignatureExpiredError) as raised:
        verify(request, lookup, SIGNED_AT + timedelta(minutes=16))

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message=(
            "Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z "
            "(20240101T121600Z - 15 min.)"
        ),
    )


def test_request_sixteen_minutes_ahead_is_not_yet_current() -> None:
    request = signed_json_post()

    with pytest.raises(SignatureNotYetCurrentError) as raised:
        verify(request, lookup, SIGNED_AT - timedelta(minutes=16))

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message=(
            "Signature not yet current: 20240101T120000Z is still later than 20240101T115900Z "
            "(20240101T114400Z + 15 min.)"
        ),
    )


def test_skew_one_second_past_limit_is_expired() -> None:
    request = signed_json_post()

    with pytest.raises(SignatureExpiredError):
        verify(request, lookup, SIGNED_AT + timedelta(minutes=15, seconds=1))


def test_skew_is_checked_before_key_lookup() -> None:
    lookups: list[str] = []

    def recording_lookup(access_key_id: str) -> SigningKey | None:
        lookups.append(access_key_id)
        return lookup(access_key_id)

    with pytest.raises(SignatureExpiredError):
        verify(signed_json_post(), recording_lookup, SIGNED_AT + timedelta(hours=1))

    assert lookups == []


def test_naive_clock_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        verify(signed_json_post(), lookup, SIGNED_AT.replace(tzinfo=None))


# Session credentials.


def test_expired_session_token_is_rejected() -> None:
    request = signed_json_post(credentials=SESSION_CREDENTIALS)
    expired_key = replace(SIGNING_KEYS[SESSION_KEY_ID], expiration=SIGNED_AT - timedelta(seconds=1))

    with pytest.raises(ExpiredTokenError) as raised:
        verify(request, lookup_with(SESSION_KEY_ID, expired_key), SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("ExpiredTokenException", 400),
        query=("ExpiredToken", 403),
        message="The security token included in the request is expired",
    )
    assert raised.value.expiration == SIGNED_AT - timedelta(seconds=1)


def test_session_token_expiring_now_is_rejected() -> None:
    request = signed_json_post(credentials=SESSION_CREDENTIALS, at=SESSION_EXPIRATION)

    with pytest.raises(ExpiredTokenError):
        verify(request, lookup, SESSION_EXPIRATION)


def test_session_key_without_token_is_invalid() -> None:
    request = signed_json_post(
        credentials=Credentials(SESSION_KEY_ID, SESSION_CREDENTIALS.secret_key)
    )

    with pytest.raises(SecurityTokenInvalidError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("UnrecognizedClientException", 400),
        query=("InvalidClientTokenId", 403),
        message=INVALID_TOKEN_MESSAGE,
    )


def test_token_of_another_key_is_invalid() -> None:
    credentials = Credentials(SESSION_KEY_ID, SESSION_CREDENTIALS.secret_key, OTHER_SESSION_TOKEN)
    request = signed_json_post(credentials=credentials)

    with pytest.raises(SecurityTokenInvalidError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert raised.value.access_key_id == SESSION_KEY_ID


def test_token_with_other_key_id_is_invalid() -> None:
    other_secret = SIGNING_KEYS[OTHER_SESSION_KEY_ID].secret_access_key
    request = signed_json_post(
        credentials=Credentials(OTHER_SESSION_KEY_ID, other_secret, SESSION_TOKEN)
    )

    with pytest.raises(SecurityTokenInvalidError):
        verify(request, lookup, SIGNED_AT)


def test_token_with_long_term_key_is_invalid() -> None:
    long_term_secret = SIGNING_KEYS[LONG_TERM_KEY_ID].secret_access_key
    request = signed_json_post(
        credentials=Credentials(LONG_TERM_KEY_ID, long_term_secret, SESSION_TOKEN)
    )

    with pytest.raises(SecurityTokenInvalidError) as raised:
        verify(request, lookup, SIGNED_AT)

    assert raised.value.message == INVALID_TOKEN_MESSAGE


def test_token_swapped_after_signing_is_invalid() -> None:
    request = with_header(
        signed_json_post(credentials=SESSION_CREDENTIALS), "x-amz-security-token", "forged"
    )

    with pytest.raises(SecurityTokenInvalidError):
        verify(request, lookup, SIGNED_AT)


# Presigned requests.


def presigned_get(
    credentials: Credentials = LONG_TERM_CREDENTIALS, expires: int = 900
) -> HttpRequestParts:
    params = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]
    return presign(
        build_request("GET", "/", params=params), credentials=credentials, expires=expires
    )


def test_presigned_past_its_lifetime_is_expired() -> None:
    request = presigned_get(expires=60)

    with pytest.raises(PresignedRequestExpiredError) as raised:
        verify(request, lookup, SIGNED_AT + timedelta(seconds=61))

    assert_wire_error(
        raised.value,
        json=("InvalidSignatureException", 400),
        query=("SignatureDoesNotMatch", 403),
        message=(
            "Signature expired: 20240101T120000Z is now earlier than 20240101T120001Z "
            "(20240101T120101Z - 60 sec.)"
        ),
    )


def test_presigned_lifetime_never_exceeds_clock_skew() -> None:
    request = presigned_get(expires=3600)

    with pytest.raises(SignatureExpiredError):
        verify(request, lookup, SIGNED_AT + timedelta(minutes=16))


def test_presigned_expired_session_token_is_rejected() -> None:
    request = presigned_get(credentials=SESSION_CREDENTIALS)
    expired_key = replace(SIGNING_KEYS[SESSION_KEY_ID], expiration=SIGNED_AT)

    with pytest.raises(ExpiredTokenError):
        verify(request, lookup_with(SESSION_KEY_ID, expired_key), SIGNED_AT)


def test_presigned_missing_parameters_are_listed() -> None:
    request = presigned_get()
    remaining_pairs = [
        pair
        for pair in request.raw_query.split("&")
        if not pair.startswith(("X-Amz-Date=", "X-Amz-SignedHeaders="))
    ]

    with pytest.raises(PresignedParametersMissingError) as raised:
        verify(replace(request, raw_query="&".join(remaining_pairs)), lookup, SIGNED_AT)

    assert_wire_error(
        raised.value,
        json=("IncompleteSignatureException", 400),
        query=("IncompleteSignature", 400),
        message="AWS query-string parameters must include 'X-Amz-Date', 'X-Amz-SignedHeaders'.",
    )


FULLWIDTH_ONE = "\uff11"


@pytest.mark.parametrize("expires", ["0", "604801", "-5", "soon", FULLWIDTH_ONE])
def test_presigned_invalid_expires_is_rejected(expires: str) -> None:
    request = presigned_get()
    raw_query = request.raw_query.replace("X-Amz-Expires=900", f"X-Amz-Expires={expires}")

    with pytest.raises(PresignedExpiresInvalidError) as raised:
        verify(replace(request, raw_query=raw_query), lookup, SIGNED_AT)

    assert raised.value.message == (
        f"X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '{expires}'."
    )


def test_presigned_other_algorithm_is_unsupported() -> None:
    request = presigned_get()
    raw_query = request.raw_query.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")

    with pytest.raises(UnsupportedAlgorithmError):
        verify(replace(request, raw_query=raw_query), lookup, SIGNED_AT)


def test_presigned_signature_cannot_be_replaced_later() -> None:
    request = presigned_get()
    raw_query = request.raw_query + "&X-Amz-Signature=" + "0" * 64

    assert verify(replace(request, raw_query=raw_query), lookup, SIGNED_AT).presigned is True
