"""Tag rules that IAM applies to roles and policies alike."""

from __future__ import annotations

from typing import Any

from orgstack.services.iam.errors import InvalidInputException, LimitExceededException

# IAM allows 50 tags on one role or policy.
MAX_TAGS = 50


def from_params(tags: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    """Return a request's `Tags` as (key, value) pairs, rejecting keys repeated in any case."""
    pairs = [(str(tag["Key"]), str(tag["Value"])) for tag in tags or []]
    keys = [key.lower() for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise InvalidInputException(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )
    return pairs


def check_count(existing: list[tuple[str, str]], added: list[tuple[str, str]]) -> None:
    """Raise LimitExceeded when adding `added` would leave more than MAX_TAGS tags."""
    keys = {key.lower() for key, _ in existing} | {key.lower() for key, _ in added}
    if len(keys) > MAX_TAGS:
        # NOTE: the wording of IAM's message for this quota is not confirmed against AWS.
        raise LimitExceededException("The number of tags has reached the maximum limit.")


def to_reply(tags: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]
