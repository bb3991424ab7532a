"""The principal ARNs that a simulated request may act as."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_ROOT = re.compile(r"arn:aws:iam::(?P<account>\d{12}):root")
# `<path><name>`: the path is `/` or `/segment/…/`, and the name has no `/`.
_ROLE = re.compile(r"arn:aws:iam::(?P<account>\d{12}):role(?P<path>/(?:[^/]+/)*)(?P<name>[^/]+)")
_SESSION = re.compile(
    r"arn:aws:sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/(?P<session>[^/]+)"
)


class PrincipalKind(StrEnum):
    """The kinds of principal a simulation accepts."""

    ROOT = "root"
    ROLE = "role"
    SESSION = "assumed-role"


class PrincipalArnError(ValueError):
    """The principal ARN has none of the accepted forms; the message lists them."""


@dataclass(frozen=True)
class SimulatedPrincipal:
    """A principal read from its ARN.

    `role_name` is the role itself or the role behind a session. `path` is the role path given
    in a role ARN. It is None for the root user and for a session, whose ARN carries no path.
    """

    arn: str
    kind: PrincipalKind
    account_id: str
    role_name: str | None = None
    path: str | None = None
    session_name: str | None = None


def parse_principal(arn: str) -> SimulatedPrincipal:
    """Read `arn` as an account root user, a role, or a role session.

    Raises PrincipalArnError for any other ARN (IAM users, federated users, services).
    """
    root = _ROOT.fullmatch(arn)
    if root is not None:
        return SimulatedPrincipal(arn, PrincipalKind.ROOT, root["account"])

    role = _ROLE.fullmatch(arn)
    if role is not None:
        return SimulatedPrincipal(
            arn, PrincipalKind.ROLE, role["account"], role["name"], path=role["path"]
        )

    session = _SESSION.fullmatch(arn)
    if session is not None:
        return SimulatedPrincipal(
            arn,
            PrincipalKind.SESSION,
            session["account"],
            session["role"],
            session_name=session["session"],
        )

    raise PrincipalArnError(
        f"the principal ARN `{arn}` is not valid: use arn:aws:iam::<account>:root, "
        "arn:aws:iam::<account>:role/<path><name> or "
        "arn:aws:sts::<account>:assumed-role/<role>/<session>"
    )
