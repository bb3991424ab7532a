"""The base of every AWS error that orgstack returns, and the errors shared by all services.

Each AWS error code has one class. A class's name is the error code (the error shape name in
botocore's model), its HTTP status comes from the model unless the class states it, and its default
message is AWS's text. Service packages declare their own classes in their `errors.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from orgstack.protocol.models import error_status


class AwsError(Exception):
    """An error sent to the client in the wire format of the service's protocol.

    `fields` are extra members of the error shape (for example `Reason`), sent beside the message.
    """

    # Class attributes that an instance may override, as the authentication errors do.
    code: str = ""
    status: int | None = None
    default_message: ClassVar[str] = ""
    sender_fault: ClassVar[bool] = True
    # Some query-protocol errors (STS, IAM) use a code that differs from the class name.
    query_code: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = cls.__name__

    def http_status(self, service: str) -> int:
        """Return the status stated on the class, else the model's status for the code, else 400."""
        if self.status is not None:
            return self.status
        return error_status(service, self.code) or 400


class SerializationException(AwsError):
    status = 400
    default_message = "Start of structure or map found where not expected."


class UnknownOperationException(AwsError):
    status = 400
    default_message = ""


class InvalidAction(AwsError):
    """The query protocols' answer to an `Action` the service does not have."""

    status = 400


class ValidationException(AwsError):
    status = 400


class ValidationError(AwsError):
    """The query protocols' (STS, IAM) name for a request that fails its shape."""

    status = 400


class RequestEntityTooLarge(AwsError):
    status = 413
    default_message = "Request body is larger than the maximum accepted size."


class InternalFailure(AwsError):
    status = 500
    sender_fault = False
    default_message = "The request processing has failed because of an unknown error."


class ThrottlingException(AwsError):
    status = 400
    default_message = "Rate exceeded"
