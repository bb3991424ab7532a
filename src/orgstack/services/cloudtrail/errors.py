"""The errors of AWS CloudTrail's LookupEvents, one class per error code of the service model.

AWS documents no message text for these errors, so each default message is the error shape's
documentation in botocore's model (cloudtrail 2013-11-01).
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError


class InvalidLookupAttributesException(AwsError):
    default_message = "Occurs when a lookup attribute is specified that is not valid."


class InvalidTimeRangeException(AwsError):
    default_message = (
        "Occurs if the timestamp values are not valid. Either the start time occurs after the end "
        "time, or the time range is outside the range of possible values."
    )


class InvalidMaxResultsException(AwsError):
    default_message = "This exception is thrown if the limit specified is not valid."


class InvalidNextTokenException(AwsError):
    default_message = (
        "A token that is not valid, or a token that was previously used in a request with "
        "different parameters. This exception is thrown if the token is not valid."
    )


class InvalidEventCategoryException(AwsError):
    default_message = (
        "Occurs if an event category that is not valid is specified as a value of EventCategory."
    )
