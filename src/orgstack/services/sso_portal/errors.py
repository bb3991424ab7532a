"""The errors of the access portal API, one class per error code (botocore `sso` 2019-06-10).

"Session token not found or invalid" and "No access" are the texts AWS returns, as the AWS CLI
prints them. `ForbiddenException` is not in botocore's model, but it is the error AWS returns from
GetRoleCredentials for a role the user is not assigned (HTTP 403); botocore raises it as a plain
ClientError with that code.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError


class UnauthorizedException(AwsError):
    status = 401
    default_message = "Session token not found or invalid"


class ForbiddenException(AwsError):
    status = 403
    default_message = "No access"


class ResourceNotFoundException(AwsError):
    status = 404


class InvalidRequestException(AwsError):
    status = 400


class TooManyRequestsException(AwsError):
    status = 429
