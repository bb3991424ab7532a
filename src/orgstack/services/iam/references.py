"""Managed policies by ARN: customer managed ones of the caller's account and AWS managed ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from orgstack.services.iam import aws_managed, policy_store
from orgstack.services.iam.errors import InvalidInputException

# `arn:aws:iam::<account or "aws">:policy<path><name>`
_POLICY_ARN_PREFIX = "arn:aws:iam::"


@dataclass(frozen=True)
class ManagedPolicy:
    """A managed policy as IAM describes it, whichever kind it is."""

    arn: str
    name: str
    path: str
    policy_id: str
    default_version_id: str
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime
    aws_managed: bool


def check_policy_arn(arn: str) -> None:
    """Raise InvalidInput unless `arn` has the form of an IAM policy ARN."""
    parts = arn.split(":", 5)
    valid = (
        arn.startswith(_POLICY_ARN_PREFIX)
        and len(parts) == 6
        and parts[4] != ""
        and parts[5].startswith("policy/")
        and not parts[5].endswith("/")
    )
    if not valid:
        raise InvalidInputException(f"ARN {arn} is not valid.")


def resolve(connection: Connection, account_id: str, arn: str) -> ManagedPolicy | None:
    """Return the managed policy `arn` names if the account can use it, else None.

    An account can use AWS managed policies and its own customer managed policies; another
    account's policy is None, as IAM treats it as not found.
    """
    check_policy_arn(arn)
    shipped = aws_managed.find(arn)
    if shipped is not None:
        return ManagedPolicy(
            arn=shipped.arn,
            name=shipped.name,
            path=shipped.path,
            policy_id=shipped.policy_id,
            default_version_id=shipped.default_version_id,
            description="",
            created_at=shipped.created_at,
            updated_at=shipped.updated_at,
            aws_managed=True,
        )
    stored = policy_store.find_by_arn(connection, account_id, arn)
    if stored is None:
        return None
    return from_row(stored)


def from_row(row: policy_store.PolicyRow) -> ManagedPolicy:
    return ManagedPolicy(
        arn=row.arn,
        name=row.name,
        path=row.path,
        policy_id=row.policy_id,
        default_version_id=row.default_version_id,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        aws_managed=False,
    )


def default_document(connection: Connection, account_id: str, arn: str) -> str | None:
    """Return the document of the default version of the policy `arn`, or None if not found."""
    shipped = aws_managed.find(arn)
    if shipped is not None:
        return shipped.document
    stored = policy_store.find_by_arn(connection, account_id, arn)
    if stored is None:
        return None
    version = policy_store.find_version(connection, stored.policy_id, stored.default_version_id)
    return version.document if version is not None else None
