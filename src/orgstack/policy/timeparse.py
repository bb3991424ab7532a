"""Reading the date values of Date* condition operators.

IAM accepts ISO 8601 dates and times (with or without a time zone; UTC when none is given) and
epoch seconds. Source: IAM User Guide, "Date condition operators".
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_date(text: str) -> float | None:
    """Return the instant `text` names as epoch seconds, or None when it is not a date."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.lstrip("-").isdigit():
        return float(stripped)
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
