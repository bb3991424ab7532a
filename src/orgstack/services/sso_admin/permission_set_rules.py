"""The input rules of permission sets that botocore's model does not state: session duration,
inline policy and the number of managed policies."""

from __future__ import annotations

import re

from orgstack.policy import FindingType, PolicyKind, validate
from orgstack.protocol.errors import ValidationException
from orgstack.services.iam import documents
from orgstack.services.sso_admin.errors import ServiceQuotaExceededException

DEFAULT_SESSION_DURATION = "PT1H"
MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 12 * 3600
DEFAULT_POLICY_PATH = "/"
# AWS managed and customer managed policies count together, because all of them are attached to
# the one IAM role of each account.
# NOTE: 20 is IAM's maximum of managed policies per role; the default quota of Identity Center was
# not checked against its documentation.
MAX_MANAGED_POLICIES = 20
# The Identity Center quotas page gives 10,240 characters (not counting whitespace) as the maximum
# inline policy of a permission set.
MAX_INLINE_POLICY_SIZE = 10240

# NOTE: AWS does not document these messages, except the start of the malformed-policy one
# ("Invalid PermissionsPolicy Document"); the others state the documented rule.
SESSION_DURATION_MESSAGE = "The session duration must be between 1 hour and 12 hours."
INVALID_POLICY_MESSAGE = "Invalid PermissionsPolicy Document"
INLINE_POLICY_QUOTA_MESSAGE = (
    "The inline policy exceeds the quota of 10240 characters that are not whitespace."
)
MANAGED_POLICY_QUOTA_MESSAGE = (
    "The number of managed policies attached to the permission set exceeds the quota of 20."
)

# An ISO 8601 duration as the model's pattern allows it: years, months, days or weeks, hours,
# minutes and seconds.
_DURATION = re.compile(
    r"P(?=\d|T\d)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)(?P<unit>[DW]))?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


def session_seconds(duration: str) -> float | None:
    """Return the length of an ISO 8601 duration in seconds.

    None when the duration has no fixed length (years or months) or is negative.
    """
    match = _DURATION.fullmatch(duration)
    if match is None or match["years"] or match["months"]:
        return None
    days = int(match["days"] or 0) * (7 if match["unit"] == "W" else 1)
    return (
        days * 86400
        + int(match["hours"] or 0) * 3600
        + int(match["minutes"] or 0) * 60
        + float(match["seconds"] or 0)
    )


def check_session_duration(duration: str) -> str:
    """Return `duration` if it lasts 1 to 12 hours; raise ValidationException if not."""
    seconds = session_seconds(duration)
    if seconds is None or not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        raise ValidationException(SESSION_DURATION_MESSAGE)
    return duration


def check_inline_policy(document: str) -> str:
    """Return `document` if the policy engine accepts it as an identity policy within quota."""
    errors = [
        finding
        for finding in validate(document, PolicyKind.IDENTITY)
        if finding.finding_type is FindingType.ERROR
    ]
    if errors:
        raise ValidationException(INVALID_POLICY_MESSAGE)
    if documents.size(document) > MAX_INLINE_POLICY_SIZE:
        raise ServiceQuotaExceededException(INLINE_POLICY_QUOTA_MESSAGE)
    return document


def check_managed_policy_count(attached: int) -> None:
    """Raise ServiceQuotaExceededException when one more policy would pass the quota."""
    if attached + 1 > MAX_MANAGED_POLICIES:
        raise ServiceQuotaExceededException(MANAGED_POLICY_QUOTA_MESSAGE)
