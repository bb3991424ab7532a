"""Grammar rules that depend on the policy kind, and checks of element values.

Sources: IAM User Guide ("IAM JSON policy element reference", "Policy validation check
reference"), AWS Organizations User Guide ("SCP syntax", "RCP syntax"). Since September 2025 an
SCP may use the full IAM language except Principal and NotPrincipal, so the older restricted form
is a subset of what is accepted here.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re

from orgstack.policy.findings import FindingType
from orgstack.policy.grammar import Collector
from orgstack.policy.model import Effect, Policy, PolicyKind, Statement
from orgstack.policy.operators import Family, UnknownOperatorError, read_operator
from orgstack.policy.timeparse import parse_date
from orgstack.policy.variables import VariableSyntaxError, tokenize

# Services whose actions resource control policies apply to (AWS Organizations User Guide,
# "Resource control policies", list of supported services).
RCP_SERVICES = frozenset(
    {
        "s3",
        "sts",
        "kms",
        "sqs",
        "secretsmanager",
        "ecr",
        "aoss",
        "cognito-idp",
        "logs",
        "dynamodb",
    }
)

# Kinds whose statements are attached to a resource and so name a principal.
PRINCIPAL_REQUIRED = frozenset({PolicyKind.RESOURCE, PolicyKind.TRUST})
PRINCIPAL_FORBIDDEN = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP}
)
# IAM itself stores these kinds and rejects a Sid that is not alphanumeric.
ALPHANUMERIC_SID = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION, PolicyKind.TRUST}
)

_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")
_CONDITION_KEY = re.compile(r"^[A-Za-z0-9*?_.-]+:[^\s]+$|^[A-Za-z0-9_.-]+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SID = re.compile(r"^[A-Za-z0-9]*$")

Where = tuple[int, str | None]


def check_policy(policy: Policy, out: Collector) -> None:
    """Add every kind-specific and value finding for an already read policy."""
    _check_sids(policy, out)
    for statement in policy.statements:
        where = (statement.index, statement.sid)
        base = ("Statement", statement.index)
        _check_principal_rules(policy.kind, statement, base, where, out)
        _check_resource_rules(policy.kind, statement, base, where, out)
        _check_actions(statement, base, where, out)
        _check_resources(policy, statement, base, where, out)
        _check_conditions(policy, statement, base, where, out)
        if policy.kind is PolicyKind.RCP:
            _check_rcp(statement, base, where, out)
        _check_security(policy.kind, statement, base, where, out)


def _check_sids(policy: Policy, out: Collector) -> None:
    seen: set[str] = set()
    for statement in policy.statements:
        sid = statement.sid
        if sid is None:
            continue
        where = (statement.index, sid)
        path = ("Statement", statement.index, "Sid")
        if sid in seen:
            out.error(
                "UNIQUE_SIDS_REQUIRED",
                f"The Sid `{sid}` is used by more than one statement. Give each a unique Sid.",
                path,
                where,
            )
        seen.add(sid)
        if policy.kind in ALPHANUMERIC_SID and not _SID.match(sid):
            out.error(
                "INVALID_SID",
                f"The Sid `{sid}` must contain only letters and digits.",
                path,
                where,
            )


def _check_principal_rules(
    kind: PolicyKind, statement: Statement, base: tuple[str, int], where: Where, out: Collector
) -> None:
    has_principal = statement.principal is not None
    element = "NotPrincipal" if statement.not_principal else "Principal"
    if kind in PRINCIPAL_REQUIRED and not has_principal:
        out.error(
            "MISSING_PRINCIPAL",
            f"A {kind.lower()} policy statement must name a Principal or NotPrincipal.",
            base,
            where,
        )
    if kind in PRINCIPAL_FORBIDDEN and has_principal:
        code = "SCP_SYNTAX_ERROR_PRINCIPAL" if kind is PolicyKind.SCP else "UNSUPPORTED_PRINCIPAL"
        out.error(
            code,
            f"A {_kind_label(kind)} cannot contain {element}. Remove it; the policy applies to "
            "the principals it is attached to.",
            (*base, element),
            where,
        )
    if has_principal and kind in PRINCIPAL_REQUIRED:
        _check_principal_values(statement, (*base, element), where, out)


def _check_principal_values(
    statement: Statement, path: tuple[str | int, ...], where: Where, out: Collector
) -> None:
    block = statement.principal
    if block is None:
        return
    for principal_type, identifiers in block.values.items():
        for position, identifier in enumerate(identifiers):
            at = (*path, principal_type, position)
            if identifier == "*" and principal_type == "AWS":
                continue
            if "*" in identifier or "?" in identifier:
                out.error(
                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    f'`{identifier}` uses a wildcard inside a principal. Use "*" alone or a '
                    "condition on aws:PrincipalArn.",
                    at,
                    where,
                )
            elif principal_type == "AWS" and not (
                _ACCOUNT_ID.match(identifier) or identifier.startswith("arn:")
            ):
                out.error(
                    "INVALID_PRINCIPAL_FORMAT",
                    f"`{identifier}` is not an account ID or ARN.",
                    at,
                    where,
                )


def _check_resource_rules(
    kind: PolicyKind, statement: Statement, base: tuple[str, int], where: Where, out: Collector
) -> None:
    if kind is PolicyKind.TRUST:
        if statement.resources is not None:
            element = "NotResource" if statement.not_resource else "Resource"
            out.error(
                "UNSUPPORTED_RESOURCE_IN_TRUST_POLICY",
                f"A role trust policy cannot contain {element}; the role itself is the resource.",
                (*base, element),
                where,
            )
        return
    if statement.resources is None:
        out.error(
            "MISSING_RESOURCE",
            "The statement has neither Resource nor NotResource. Add one of them.",
            base,
            where,
        )


def _check_actions(
    statement: Statement, base: tuple[str, int], where: Where, out: Collector
) -> None:
    element = "NotAction" if statement.not_action else "Action"
    for position, action in enumerate(statement.actions):
        if action == "*" or _ACTION.match(action):
            continue
        out.error(
            "INVALID_ACTION",
            f"`{action}` is not an action. Write it as service:ActionName, for example "
            "s3:GetObject.",
            (*base, element, position),
            where,
        )


def _check_resources(
    policy: Policy, statement: Statement, base: tuple[str, int], where: Where, out: Collector
) -> None:
    if statement.resources is None:
        return
    element = "NotResource" if statement.not_resource else "Resource"
    for position, resource in enumerate(statement.resources):
        at = (*base, element, position)
        if not _check_variables(policy, resource, at, where, out) or resource == "*":
            continue
        if not resource.startswith("arn:"):
            out.error(
                "INVALID_ARN_PREFIX",
                f'`{resource}` must be "*" or an ARN that starts with arn:.',
                at,
                where,
            )
        elif resource.count(":") < 5 and not resource.endswith("*"):
            out.error(
                "MISSING_ARN_FIELD",
                f"`{resource}` has fewer than the six ARN fields "
                "arn:partition:service:region:account:resource.",
                at,
                where,
            )


def _check_variables(
    policy: Policy, text: str, at: tuple[str | int, ...], where: Where, out: Collector
) -> bool:
    """Check policy variable syntax in one value; return False when it is broken."""
    if "${" not in text:
        return True
    if not policy.variables_enabled:
        out.add(
            FindingType.WARNING,
            "VARIABLE_UNSUPPORTED_IN_VERSION",
            f"`{text}` contains a policy variable, but variables work only with Version "
            "2012-10-17, so it is compared as literal text.",
            at,
            where,
        )
        return True
    try:
        tokenize(text, variables=True, wildcards=True)
    except VariableSyntaxError as exc:
        out.error(exc.issue_code, str(exc), at, where)
        return False
    return True


def _check_conditions(
    policy: Policy, statement: Statement, base: tuple[str, int], where: Where, out: Collector
) -> None:
    seen_keys: dict[tuple[str, str], str] = {}
    for clause in statement.conditions:
        at = (*base, "Condition", clause.operator, clause.key)
        try:
            operator = read_operator(clause.operator)
        except UnknownOperatorError as exc:
            code = (
                "NULL_WITH_IF_EXISTS"
                if clause.operator.startswith("NullIfExists")
                else ("INVALID_CONDITION_OPERATOR")
            )
            out.error(code, str(exc), (*base, "Condition", clause.operator), where)
            continue

        folded = (clause.operator, clause.key.lower())
        if folded in seen_keys and seen_keys[folded] != clause.key:
            out.error(
                "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                f"`{clause.key}` and `{seen_keys[folded]}` are the same key (key names ignore "
                "case). Merge their values.",
                at,
                where,
            )
        seen_keys[folded] = clause.key
        if not _CONDITION_KEY.match(clause.key):
            out.error(
                "INVALID_CONDITION_KEY_FORMAT",
                f"`{clause.key}` is not a condition key. Write it as prefix:name, for example "
                "aws:SourceIp.",
                at,
                where,
            )
        for value in clause.values:
            if not _check_variables(policy, value, at, where, out) or "${" in value:
                continue
            problem = value_problem(operator.base.family, value)
            if problem:
                out.error("DATA_TYPE_MISMATCH", f"`{value}` {problem}.", at, where)
        if operator.base.family is Family.BOOL and len(clause.values) > 1:
            out.add(
                FindingType.WARNING,
                "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                f"`{clause.key}` lists several Boolean values, so the condition matches either. "
                "Keep one value.",
                at,
                where,
            )


def value_problem(family: Family, value: str) -> str | None:
    """Describe why `value` cannot be compared by an operator of `family`, or return None."""
    if family in (Family.BOOL, Family.NULL) and value.lower() not in ("true", "false"):
        return "is not true or false"
    if family is Family.NUMERIC:
        try:
            float(value)
        except ValueError:
            return "is not a number"
    if family is Family.DATE and parse_date(value) is None:
        return "is not an ISO 8601 date or epoch seconds"
    if family is Family.IP:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return "is not an IPv4 or IPv6 address or CIDR block"
    if family is Family.BINARY:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return "is not base64-encoded"
    return None


def _check_rcp(statement: Statement, base: tuple[str, int], where: Where, out: Collector) -> None:
    if statement.not_principal:
        out.error(
            "RCP_NOT_PRINCIPAL_NOT_SUPPORTED",
            'A resource control policy cannot contain NotPrincipal. Use Principal "*" with a '
            "condition on aws:PrincipalArn.",
            (*base, "NotPrincipal"),
            where,
        )
    elif statement.principal is not None and not _is_star_principal(statement):
        out.error(
            "RCP_PRINCIPAL_MUST_BE_WILDCARD",
            'The Principal of a resource control policy must be "*".',
            (*base, "Principal"),
            where,
        )
    if statement.effect is Effect.ALLOW and not is_rcp_full_access(statement):
        out.error(
            "RCP_ALLOW_NOT_SUPPORTED",
            "Resource control policies support only Deny statements; the one Allow statement "
            'is the AWS managed RCPFullAWSAccess (Principal, Action and Resource "*").',
            (*base, "Effect"),
            where,
        )
    element = "NotAction" if statement.not_action else "Action"
    for position, action in enumerate(statement.actions):
        service = action.split(":", 1)[0].lower()
        if action == "*" or service in RCP_SERVICES:
            continue
        out.error(
            "RCP_UNSUPPORTED_SERVICE",
            f"`{action}` belongs to a service that resource control policies do not support. "
            f"Supported services: {', '.join(sorted(RCP_SERVICES))}.",
            (*base, element, position),
            where,
        )


def _is_star_principal(statement: Statement) -> bool:
    block = statement.principal
    return block is not None and block.wildcard and set(block.values) <= {"AWS"}


def is_rcp_full_access(statement: Statement) -> bool:
    """Return whether a statement is the allow-all statement of RCPFullAWSAccess."""
    return (
        statement.effect is Effect.ALLOW
        and _is_star_principal(statement)
        and not statement.not_action
        and statement.actions == ("*",)
        and not statement.not_resource
        and statement.resources == ("*",)
        and not statement.conditions
    )


def _check_security(
    kind: PolicyKind, statement: Statement, base: tuple[str, int], where: Where, out: Collector
) -> None:
    if statement.effect is not Effect.ALLOW:
        return
    if statement.not_principal:
        out.add(
            FindingType.SECURITY_WARNING,
            "ALLOW_WITH_NOT_PRINCIPAL",
            "Allow with NotPrincipal grants access to every principal that is not listed. "
            "Name the allowed principals in Principal instead.",
            (*base, "NotPrincipal"),
            where,
        )
    # Only an explicit iam:PassRole is flagged: "*" and iam:* grants are broad by design.
    passes_role = (
        kind is PolicyKind.IDENTITY
        and not statement.not_action
        and any(action.lower() in ("iam:passrole", "iam:pass*") for action in statement.actions)
    )
    if passes_role and not statement.not_resource and statement.resources == ("*",):
        out.add(
            FindingType.SECURITY_WARNING,
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            "The statement allows iam:PassRole on every role. Limit Resource to the role ARNs "
            "that may be passed.",
            (*base, "Resource"),
            where,
        )


def _kind_label(kind: PolicyKind) -> str:
    labels = {
        PolicyKind.IDENTITY: "identity-based policy",
        PolicyKind.PERMISSIONS_BOUNDARY: "permissions boundary",
        PolicyKind.SESSION: "session policy",
        PolicyKind.SCP: "service control policy",
    }
    return labels.get(kind, kind.lower())
