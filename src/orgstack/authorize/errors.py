"""The error of a request that IAM authorization denies.

AWS sends the same denial under two codes: the JSON protocols (Organizations, CloudTrail, Identity
Center) send `AccessDeniedException` with status 400, and the query protocols (STS, IAM) send
`AccessDenied` with status 403.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError

QUERY_SERVICES = frozenset({"sts", "iam"})
# orgstack's own response header that carries the encoded authorization message of a denial. AWS
# puts that message in the error text of some services (EC2), but Organizations, STS and IAM send a
# fixed text, so the message travels beside it.
ENCODED_MESSAGE_HEADER = "x-orgstack-encoded-authorization-message"


class AccessDeniedException(AwsError):
    query_code = "AccessDenied"
    default_message = "Access denied"
    # The denial's details for `sts:DecodeAuthorizationMessage`, sent in a response header.
    encoded_message: str | None = None

    def http_status(self, service: str) -> int:
        return 403 if service in QUERY_SERVICES else 400
