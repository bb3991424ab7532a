"""The errors of the Identity Store API, one class per error code of botocore's model
(identitystore 2020-06-15).

Messages are the texts AWS returns where they are known from clients' reports ("USER not found.",
"Duplicate UserName", "<attribute>: The attribute <attribute> is required").
NOTE: AWS does not document the other messages, so those state the rule that failed: a reserved
name, an unsupported attribute path or filter, a stale revision, a repeated membership and a
rejected NextToken.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError

USER = "USER"
GROUP = "GROUP"
GROUP_MEMBERSHIP = "GROUP_MEMBERSHIP"
IDENTITY_STORE = "IDENTITY_STORE"

UNIQUENESS_CONSTRAINT_VIOLATION = "UNIQUENESS_CONSTRAINT_VIOLATION"
CONCURRENT_MODIFICATION = "CONCURRENT_MODIFICATION"


class AccessDeniedException(AwsError):
    pass


class ConflictException(AwsError):
    """A uniqueness or revision conflict, with `Reason` naming which."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message, Reason=reason)


class ResourceNotFoundException(AwsError):
    """A user, group, membership or store that does not exist, named by type and id."""

    def __init__(self, resource_type: str, resource_id: str) -> None:
        super().__init__(
            f"{resource_type} not found.", ResourceType=resource_type, ResourceId=resource_id
        )


class ServiceQuotaExceededException(AwsError):
    pass
