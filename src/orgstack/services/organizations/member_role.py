"""The IAM role that CreateAccount places in a new member account.

AWS names it `OrganizationAccountAccessRole` unless the request gives a RoleName, lets the
management account assume it, and attaches the AWS managed `AdministratorAccess` policy.
"""

from __future__ import annotations

import datetime as dt

import orjson
from sqlalchemy import Connection, insert

from orgstack import ids
from orgstack.store.schema import iam_role_attached_policies, iam_roles

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
ROLE_PATH = "/"
# IAM's default maximum session duration for a role, in seconds.
DEFAULT_MAX_SESSION_SECONDS = 3600


def trust_policy(management_account_id: str) -> str:
    """Return the trust policy that lets the management account assume the role."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ids.account_root_arn(management_account_id)},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return orjson.dumps(document).decode()


def create_access_role(
    connection: Connection,
    account_id: str,
    role_name: str,
    management_account_id: str,
    now: dt.datetime,
) -> str:
    """Store the role in the new account with AdministratorAccess attached and return its ARN."""
    arn = ids.role_arn(account_id, ROLE_PATH, role_name)
    connection.execute(
        insert(iam_roles).values(
            account_id=account_id,
            name_normalized=role_name.lower(),
            name=role_name,
            role_id=ids.unique_id("AROA"),
            arn=arn,
            path=ROLE_PATH,
            assume_role_policy=trust_policy(management_account_id),
            description="",
            max_session_duration=DEFAULT_MAX_SESSION_SECONDS,
            permissions_boundary_arn=None,
            created_at=now,
        )
    )
    connection.execute(
        insert(iam_role_attached_policies).values(
            account_id=account_id,
            role_name_normalized=role_name.lower(),
            policy_arn=ADMINISTRATOR_ACCESS_ARN,
        )
    )
    return arn
