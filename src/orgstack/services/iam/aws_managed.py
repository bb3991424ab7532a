"""The AWS managed policies orgstack ships, read from `orgstack/data/iam_managed_policies/`.

They belong to no account, every account may attach them, and no API call changes them. Only the
default version of each is shipped (see SOURCE.md beside the data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

import orjson

ARN_PREFIX = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class AwsManagedPolicy:
    """One AWS managed policy: identity, dates and the document of its default version."""

    arn: str
    name: str
    path: str
    policy_id: str
    default_version_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version_created_at: dt.datetime
    document: str


@cache
def all_policies() -> dict[str, AwsManagedPolicy]:
    """Return every shipped AWS managed policy by ARN, in ARN order."""
    data = resources.files("orgstack").joinpath("data/iam_managed_policies/policies.jsonl")
    policies: dict[str, AwsManagedPolicy] = {}
    for line in data.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = orjson.loads(line)
        policy = AwsManagedPolicy(
            arn=record["arn"],
            name=record["name"],
            path=record["path"],
            policy_id=record["policy_id"],
            default_version_id=record["default_version_id"],
            created_at=_timestamp(record["create_date"]),
            updated_at=_timestamp(record["update_date"]),
            version_created_at=_timestamp(record["version_create_date"]),
            document=record["document"],
        )
        policies[policy.arn] = policy
    return dict(sorted(policies.items()))


def find(arn: str) -> AwsManagedPolicy | None:
    return all_policies().get(arn)


def is_aws_arn(arn: str) -> bool:
    return arn.startswith(ARN_PREFIX)


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
