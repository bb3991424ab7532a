"""The errors of AWS STS, one class per error code.

Query-protocol codes differ from the model's shape names for some errors (`MalformedPolicyDocument`
for `MalformedPolicyDocumentException`); `query_code` carries the code sent on the wire. A denied
call uses `orgstack.authorize.errors.AccessDeniedException`, sent as `AccessDenied`.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError


class MalformedPolicyDocumentException(AwsError):
    query_code = "MalformedPolicyDocument"
    status = 400
    default_message = "Syntax errors in policy."


class PackedPolicyTooLargeException(AwsError):
    query_code = "PackedPolicyTooLarge"
    status = 400
    default_message = "Packed policy consumes more than 100% of the allotted size."


class InvalidAuthorizationMessageException(AwsError):
    status = 400
    default_message = (
        "The error returned if the message passed to DecodeAuthorizationMessage was invalid. This "
        "can happen if the token contains invalid characters, such as line breaks, or if the "
        "message has expired."
    )


class InvalidParameterValue(AwsError):
    """The query protocols' code for a parameter value that passes the model but not STS's rules."""

    status = 400
