"""Parsed form of an IAM policy document: kinds, statements and their elements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class PolicyKind(StrEnum):
    """Where a policy document is used; each kind accepts a slightly different grammar."""

    IDENTITY = "IDENTITY"
    RESOURCE = "RESOURCE"
    TRUST = "TRUST"
    PERMISSIONS_BOUNDARY = "PERMISSIONS_BOUNDARY"
    SESSION = "SESSION"
    SCP = "SCP"
    RCP = "RCP"


class Effect(StrEnum):
    """The `Effect` element of a statement."""

    ALLOW = "Allow"
    DENY = "Deny"


# The two versions of the IAM policy language. Policy variables work only in the newer one.
VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
SUPPORTED_VERSIONS = (VERSION_2012, VERSION_2008)


@dataclass(frozen=True)
class PrincipalBlock:
    """A `Principal` or `NotPrincipal` element.

    `wildcard` is true for `"*"` and for `{"AWS": "*"}`; `values` maps each principal type
    (`AWS`, `Service`, `Federated`, `CanonicalUser`) to the identifiers listed under it.
    """

    wildcard: bool
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ConditionClause:
    """One key of one operator in a `Condition` block, with its values as strings.

    JSON booleans and numbers in the document become `"true"`, `"false"` and decimal text,
    which is how IAM compares them.
    """

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, in document order (`index` counts from 0)."""

    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principal: PrincipalBlock | None
    not_principal: bool
    conditions: tuple[ConditionClause, ...]


@dataclass(frozen=True)
class Policy:
    """A parsed policy document.

    `version` is None when the document has no `Version` element, which IAM reads as
    2008-10-17 (policy variables are then literal text).
    """

    kind: PolicyKind
    version: str | None
    document_id: str | None
    statements: tuple[Statement, ...]

    @property
    def variables_enabled(self) -> bool:
        """Whether `${...}` policy variables are substituted (only under 2012-10-17)."""
        return self.version == VERSION_2012
