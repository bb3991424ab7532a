"""Role lookup by ARN for AssumeRole, with the trust and permission policies of the role."""

from __future__ import annotations

import re

from sqlalchemy import Connection

from orgstack.authorize.store import RoleFacts, load_role

# `arn:aws:iam::<account>:role<path><name>`, the path being `/` or `/segment/…/`.
ROLE_ARN = re.compile(
    r"^arn:aws:iam::(?P<account>\d{12}):role(?P<path>/(?:[\x21-\x7e]+/)?)(?P<name>[\w+=,.@-]{1,64})$"
)


def find_role(connection: Connection, role_arn: str) -> RoleFacts | None:
    """Return the role that `role_arn` names, or None when the ARN names no existing role.

    Role names are unique per account without regard to case, but the path in the ARN must be the
    role's path.
    """
    match = ROLE_ARN.match(role_arn)
    if match is None:
        return None
    role = load_role(connection, match["account"], match["name"])
    if role is None or role.path != match["path"]:
        return None
    return role
