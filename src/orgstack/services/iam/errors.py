"""The errors of AWS IAM that orgstack raises, one class per error shape of the service model.

Class names are the model's shape names; `query_code` is the code IAM sends on the wire. Raise
sites pass AWS's message for the case, because IAM's messages name the entity.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError


class NoSuchEntityException(AwsError):
    query_code = "NoSuchEntity"


class EntityAlreadyExistsException(AwsError):
    query_code = "EntityAlreadyExists"


class MalformedPolicyDocumentException(AwsError):
    query_code = "MalformedPolicyDocument"
    default_message = "Syntax errors in policy."


class LimitExceededException(AwsError):
    query_code = "LimitExceeded"


class DeleteConflictException(AwsError):
    query_code = "DeleteConflict"


class InvalidInputException(AwsError):
    query_code = "InvalidInput"


class UnmodifiableEntityException(AwsError):
    query_code = "UnmodifiableEntity"


class PolicyNotAttachableException(AwsError):
    query_code = "PolicyNotAttachable"


class AccessDenied(AwsError):
    """The error IAM returns when a caller changes a resource it does not own (an AWS policy)."""

    status = 403
