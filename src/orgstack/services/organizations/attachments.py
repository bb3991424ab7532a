"""AWS managed policies and policy attachments shared by the tree and policy operations."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import Connection, bindparam, insert, select

from orgstack import ids
from orgstack.services.organizations.locks import lock_organization
from orgstack.store.schema import policies, policy_attachments, root_policy_types

SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
ENABLED = "ENABLED"

FULL_AWS_ACCESS_ID = "p-FullAWSAccess"
RCP_FULL_AWS_ACCESS_ID = "p-RCPFullAWSAccess"

FULL_AWS_ACCESS_CONTENT = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
    '      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}'
)
RCP_FULL_AWS_ACCESS_CONTENT = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
    '      "Principal": "*",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}'
)

# The AWS managed policy that is attached to every root, OU and account while its type is enabled.
DEFAULT_POLICY_FOR_TYPE = {
    SERVICE_CONTROL_POLICY: FULL_AWS_ACCESS_ID,
    RESOURCE_CONTROL_POLICY: RCP_FULL_AWS_ACCESS_ID,
}

_MANAGED = (
    (
        FULL_AWS_ACCESS_ID,
        "FullAWSAccess",
        "Allows access to every operation",
        SERVICE_CONTROL_POLICY,
        FULL_AWS_ACCESS_CONTENT,
    ),
    (
        RCP_FULL_AWS_ACCESS_ID,
        "RCPFullAWSAccess",
        "Allows access to every operation",
        RESOURCE_CONTROL_POLICY,
        RCP_FULL_AWS_ACCESS_CONTENT,
    ),
)


def ensure_managed_policies(connection: Connection, now: dt.datetime) -> None:
    """Store the AWS managed policies once; every organization shares them."""
    for policy_id, name, description, policy_type, content in _MANAGED:
        exists = connection.execute(select(policies.c.id).where(policies.c.id == policy_id)).first()
        if exists is not None:
            continue
        connection.execute(
            insert(policies).values(
                id=policy_id,
                organization_id=None,
                name=name,
                description=description,
                type=policy_type,
                content=content,
                aws_managed=True,
                arn=ids.aws_managed_policy_arn(policy_type, policy_id),
                created_at=now,
                updated_at=now,
            )
        )


# Built once, because creating an OU or account and attaching a policy run them.
_ENABLED_TYPES = (
    select(root_policy_types.c.policy_type)
    .where(root_policy_types.c.root_id == bindparam("root_id"))
    .where(root_policy_types.c.status == ENABLED)
)
_INSERT_ATTACHMENT = insert(policy_attachments)


def enabled_policy_types(connection: Connection, root_id: str) -> list[str]:
    rows = connection.execute(_ENABLED_TYPES, {"root_id": root_id}).all()
    return [row.policy_type for row in rows]


def _next_sequence() -> int:
    # Attachment order only needs to increase over time; the wall clock in nanoseconds does that
    # without reading the table (ties, which need two attachments in one nanosecond, fall back
    # to policy id order).
    return time.time_ns()


def attach(
    connection: Connection,
    policy_id: str,
    target_id: str,
    target_type: str,
    organization_id: str,
    now: dt.datetime,
) -> None:
    connection.execute(
        _INSERT_ATTACHMENT,
        {
            "policy_id": policy_id,
            "target_id": target_id,
            "target_type": target_type,
            "organization_id": organization_id,
            "sequence": _next_sequence(),
            "attached_at": now,
        },
    )


def attach_defaults(
    connection: Connection,
    root_id: str,
    target_id: str,
    target_type: str,
    organization_id: str,
    now: dt.datetime,
) -> None:
    """Attach the default managed policy of every enabled type to a new OU or account.

    Takes the organization's row lock first, so that a concurrent EnablePolicyType cannot leave the
    new OU or account without the default policy of the type it enables.
    """
    lock_organization(connection, organization_id)
    for policy_type in enabled_policy_types(connection, root_id):
        default = DEFAULT_POLICY_FOR_TYPE.get(policy_type)
        if default is not None:
            attach(connection, default, target_id, target_type, organization_id, now)
