"""Who is calling, and how a `Principal` or `NotPrincipal` element names the caller.

A same-account resource-based policy grants in a way that depends on which ARN it names.
Naming the caller's own ARN (an IAM user, an assumed-role session, a federated user session)
grants directly. Naming the role behind a session, or the IAM user behind a federated session,
adds to the identity-based permissions, which the boundary and session policy still limit.
Naming the account delegates to the account's identity-based policies. Sources: IAM User Guide,
"Policy evaluation for requests within a single account", "Session policies" and "Permissions
boundaries".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import lru_cache

from orgstack.policy.model import PrincipalBlock

_IAM_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<rest>.+)$"
)
_ACCOUNT_ID = re.compile(r"^\d{12}$")
SERVICE_LINKED_PATH = "/aws-service-role/"


class CallerType(StrEnum):
    """The kind of identity that signed the request."""

    ROOT = "root"
    USER = "user"
    ROLE = "role"
    ASSUMED_ROLE = "assumed-role"
    FEDERATED_USER = "federated-user"
    SERVICE = "service"
    OTHER = "other"


class PrincipalMatch(IntEnum):
    """The closeness with which a principal element names the caller (larger is closer)."""

    NONE = 0
    ACCOUNT = 1
    PARENT = 2
    EXACT = 3


@dataclass(frozen=True)
class Caller:
    """The requesting principal.

    `parent_arn` is the role behind an assumed-role session, or the IAM user behind a federated
    user session; it is None for other callers.
    """

    arn: str
    account: str | None
    caller_type: CallerType
    partition: str
    name: str | None
    parent_arn: str | None

    @property
    def is_service_linked_role(self) -> bool:
        """Whether the caller is a service-linked role or a session of one (path check)."""
        candidates = (self.arn, self.parent_arn or "")
        return any(SERVICE_LINKED_PATH in arn and (":role/" in arn) for arn in candidates)


def read_caller(
    principal_arn: str, principal_account: str | None, context: Mapping[str, tuple[str, ...]]
) -> Caller:
    """Describe the caller from its ARN, using `aws:PrincipalArn` for a session's role ARN."""
    principal_arn_values = context.get("aws:principalarn", ())
    context_parent = principal_arn_values[0] if len(principal_arn_values) == 1 else None
    return _read_caller(principal_arn, principal_account, context_parent)


@lru_cache(maxsize=4096)
def _read_caller(
    principal_arn: str, principal_account: str | None, context_parent: str | None
) -> Caller:
    match = _IAM_ARN.match(principal_arn)
    if match is None:
        caller_type = (
            CallerType.SERVICE if principal_arn.endswith(".amazonaws.com") else (CallerType.OTHER)
        )
        return Caller(principal_arn, principal_account, caller_type, "aws", None, None)

    partition, rest = match["partition"], match["rest"]
    account: str = principal_account or match["account"]

    if rest == "root":
        return Caller(principal_arn, account, CallerType.ROOT, partition, None, None)
    kind, _, path_and_name = rest.partition("/")
    name = path_and_name.rsplit("/", 1)[-1]
    if kind == "user":
        return Caller(principal_arn, account, CallerType.USER, partition, name, None)
    if kind == "role":
        return Caller(principal_arn, account, CallerType.ROLE, partition, name, None)
    if kind == "assumed-role":
        role_name = path_and_name.split("/", 1)[0]
        parent = context_parent or f"arn:{partition}:iam::{account}:role/{role_name}"
        return Caller(principal_arn, account, CallerType.ASSUMED_ROLE, partition, role_name, parent)
    if kind == "federated-user":
        user_arn = context_parent if context_parent != principal_arn else None
        return Caller(principal_arn, account, CallerType.FEDERATED_USER, partition, name, user_arn)
    return Caller(principal_arn, account, CallerType.OTHER, partition, name, None)


def _same_entity(listed: str, actual: str) -> bool:
    """Compare two IAM ARNs, ignoring the path of users and roles (names are unique per account)."""
    if listed == actual:
        return True
    first, second = _IAM_ARN.match(listed), _IAM_ARN.match(actual)
    if first is None or second is None or first["account"] != second["account"]:
        return False
    kind_a, _, rest_a = first["rest"].partition("/")
    kind_b, _, rest_b = second["rest"].partition("/")
    if kind_a != kind_b or kind_a not in ("user", "role"):
        return False
    return rest_a.rsplit("/", 1)[-1] == rest_b.rsplit("/", 1)[-1]


def _names_account(identifier: str, caller: Caller) -> bool:
    if caller.account is None:
        return False
    if _ACCOUNT_ID.match(identifier):
        return identifier == caller.account
    return identifier == f"arn:{caller.partition}:iam::{caller.account}:root"


def match_principal(block: PrincipalBlock, caller: Caller) -> PrincipalMatch:
    """Return how specifically `block` names `caller` (NONE when it does not).

    NOTE: `"*"` is treated as naming the caller itself, so a same-account grant to `"*"`
    is not limited by a permissions boundary or session policy. The AWS documentation does not
    spell this case out.
    """
    if block.wildcard:
        return PrincipalMatch.EXACT
    best = PrincipalMatch.NONE
    for identifier in block.values.get("AWS", ()):
        best = max(best, _match_aws_identifier(identifier, caller))
    if caller.caller_type is CallerType.SERVICE and caller.arn in block.values.get("Service", ()):
        best = PrincipalMatch.EXACT
    if caller.arn in block.values.get("Federated", ()):
        best = PrincipalMatch.EXACT
    return best


def _match_aws_identifier(identifier: str, caller: Caller) -> PrincipalMatch:
    if identifier == "*":
        return PrincipalMatch.EXACT
    if _names_account(identifier, caller):
        # The root user itself is the account: naming the account names it exactly.
        if caller.caller_type is CallerType.ROOT:
            return PrincipalMatch.EXACT
        return PrincipalMatch.ACCOUNT
    if _same_entity(identifier, caller.arn):
        return PrincipalMatch.EXACT
    if caller.parent_arn is not None and _same_entity(identifier, caller.parent_arn):
        return PrincipalMatch.PARENT
    return PrincipalMatch.NONE


def excluded_by_not_principal(block: PrincipalBlock, caller: Caller, has_boundary: bool) -> bool:
    """Return whether a NotPrincipal element exempts the caller from its statement.

    AWS may check the account, then the role, then the session, so the exemption holds only
    when the caller's account and the caller itself (or, for a session, its role) are both
    listed (IAM User Guide, "NotPrincipal"). A caller with a permissions boundary is never
    exempt from a NotPrincipal statement (IAM User Guide, "Permissions boundaries").
    """
    if has_boundary:
        return False
    if block.wildcard:
        return True
    identifiers = block.values.get("AWS", ())
    if caller.caller_type is CallerType.SERVICE:
        return caller.arn in block.values.get("Service", ())
    account_listed = any(_names_account(identifier, caller) for identifier in identifiers)
    if caller.caller_type is CallerType.ROOT:
        return account_listed
    self_listed = any(
        _same_entity(identifier, caller.arn)
        or (caller.parent_arn is not None and _same_entity(identifier, caller.parent_arn))
        for identifier in identifiers
    )
    return account_listed and self_listed
