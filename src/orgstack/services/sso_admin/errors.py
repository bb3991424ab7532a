"""The errors of sso-admin, one class per error code of botocore's model (sso-admin 2020-07-20).

AWS does not document the message text of these errors for the instance operations, so each
message here states the rule that failed in the words of the API reference.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError


class AccessDeniedException(AwsError):
    default_message = "You do not have sufficient access to perform this action."


class ConflictException(AwsError):
    pass


class ResourceNotFoundException(AwsError):
    pass


class ServiceQuotaExceededException(AwsError):
    pass
