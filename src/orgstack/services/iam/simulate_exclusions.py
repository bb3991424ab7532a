"""`PolicyExclusionList` of SimulatePrincipalPolicy: policies left out of a simulation.

Each entry names policies by type (`inline`, `aws-managed`, `user-managed`,
`permission-boundary`, `scp`, `rcp`), by managed policy ARN, or by inline policy name and the
entity it is attached to. ARNs accept at most one `*` and any number of `?`. IAM documents the
same wildcards for entity names, but the service model's pattern for `AttachmentName` allows
none, so such requests fail validation before they get here. Entries that match nothing are
ignored, as IAM ignores them, and so are RCP entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from orgstack.services.iam.errors import InvalidInputException

_MANAGED_ARN = re.compile(r"arn:aws:iam::(?:aws|\d{12}):policy/(?P<name>.+)")
_AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
_ROLE = "role"


@dataclass
class Exclusions:
    """The policy types, managed policy ARN patterns and inline policies to leave out."""

    types: set[str] = field(default_factory=set)
    arn_patterns: list[re.Pattern[str]] = field(default_factory=list)
    # (policy name, entity name pattern) of inline policies attached to roles.
    inline: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)

    def excludes_role_policy(self, reference: str, role_name: str) -> bool:
        """Return whether the role policy `reference` (inline name or managed ARN) is excluded."""
        if not reference.startswith("arn:"):
            return "inline" in self.types or any(
                name == reference and pattern.fullmatch(role_name) is not None
                for name, pattern in self.inline
            )
        managed_type = (
            "aws-managed" if reference.startswith(_AWS_MANAGED_PREFIX) else "user-managed"
        )
        if managed_type in self.types:
            return True
        return any(pattern.fullmatch(reference) is not None for pattern in self.arn_patterns)

    @property
    def boundary(self) -> bool:
        return "permission-boundary" in self.types

    @property
    def scps(self) -> bool:
        return "scp" in self.types


def read_exclusions(params: dict[str, Any]) -> Exclusions:
    """Read `PolicyExclusionList`; raise InvalidInput for an entry that is not well formed."""
    exclusions = Exclusions()
    for entry in params.get("PolicyExclusionList") or []:
        given = [
            name for name in ("PolicyType", "PolicyArn", "InlinePolicyIdentifier") if name in entry
        ]
        if len(given) != 1:
            raise InvalidInputException(
                "A PolicyExclusionList entry is not valid: give exactly one of PolicyType, "
                "PolicyArn or InlinePolicyIdentifier."
            )
        if "PolicyType" in entry:
            exclusions.types.add(str(entry["PolicyType"]))
        elif "PolicyArn" in entry:
            exclusions.arn_patterns.append(_arn_pattern(str(entry["PolicyArn"])))
        else:
            _add_inline(exclusions, entry["InlinePolicyIdentifier"])
    return exclusions


def _arn_pattern(arn: str) -> re.Pattern[str]:
    match = _MANAGED_ARN.fullmatch(arn)
    if match is None or arn.count("*") > 1 or "*" in arn[: match.start("name")]:
        raise InvalidInputException(
            f"The PolicyArn `{arn}` in PolicyExclusionList is not valid: use a managed policy "
            "ARN with at most one * in the policy name."
        )
    return wildcard_pattern(arn)


def _add_inline(exclusions: Exclusions, identifier: dict[str, Any]) -> None:
    entity = str(identifier["AttachmentName"])
    if entity.count("*") > 1:
        raise InvalidInputException(
            f"The AttachmentName `{entity}` in PolicyExclusionList is not valid: use at most one *."
        )
    # orgstack stores no users or groups, so only role attachments can match.
    if identifier["AttachmentType"] == _ROLE:
        exclusions.inline.append((str(identifier["PolicyName"]), wildcard_pattern(entity)))


def wildcard_pattern(text: str) -> re.Pattern[str]:
    """Compile `text` with `*` for any characters and `?` for one; everything else is literal."""
    escaped = re.escape(text).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(escaped, re.DOTALL)
