"""A deliberately literal policy evaluator written from the AWS documentation.

It is slow and simple on purpose: no regexes, no compilation, no index. Each rule is written the
way the IAM User Guide states it, so that property tests can check the production engine
against it. It works on plain JSON policy documents and returns (decision, denied_by).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

RCP_SERVICES = {
    "s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "cognito-idp", "logs", "dynamodb",
}  # fmt: skip

# --- wildcards ------------------------------------------------------------------------------


def glob(pattern: str, text: str) -> bool:
    """`*` matches any run of characters and `?` exactly one; everything else is literal."""
    if not pattern:
        return not text
    head = pattern[0]
    if head == "*":
        return any(glob(pattern[1:], text[i:]) for i in range(len(text) + 1))
    if not text:
        return False
    if head == "?" or head == text[0]:
        return glob(pattern[1:], text[1:])
    return False


def arn_glob(pattern: str, text: str, colons_seen: int = 0) -> bool:
    """Match a Resource pattern. Wildcards stay inside one of the first five ARN fields, except
    a `*` that ends its field. In the sixth (resource) field they match anything."""
    if not pattern:
        return not text
    head = pattern[0]
    in_resource_field = colons_seen >= 5
    if head == "*":
        may_cross = in_resource_field or pattern[1:2] in ("", ":")
        for i in range(len(text) + 1):
            if not may_cross and ":" in text[:i]:
                break
            skipped = text[:i].count(":")
            if arn_glob(pattern[1:], text[i:], colons_seen + skipped):
                return True
        return False
    if not text:
        return False
    if head == "?":
        if text[0] == ":" and not in_resource_field:
            return False
        return arn_glob(pattern[1:], text[1:], colons_seen + (text[0] == ":"))
    if head == text[0]:
        return arn_glob(pattern[1:], text[1:], colons_seen + (head == ":"))
    return False


# --- policy variables -----------------------------------------------------------------------


def substitute(text: str, context: dict[str, list[str]], enabled: bool) -> str | None:
    """Replace `${...}`; returns a pattern in which literal `*`/`?` from escapes or values are
    wrapped as `\x00*` so the glob treats them as text. None when a variable has no value."""
    if not enabled:
        return text
    out = ""
    i = 0
    while i < len(text):
        if text.startswith("${", i):
            end = text.index("}", i)
            body = text[i + 2 : end]
            i = end + 1
            if body in ("*", "?", "$"):
                out += "\x00" + body
                continue
            key, default = body, None
            if "," in body:
                key, default = body.split(",", 1)
                key, default = key.strip(), default.strip().strip("'")
            values = context.get(key.lower())
            if values is not None and len(values) == 1:
                value = values[0]
            elif values is None and default is not None:
                value = default
            else:
                return None
            out += "".join("\x00" + c if c in "*?" else c for c in value)
            continue
        out += text[i]
        i += 1
    return out


def literal_glob(pattern: str, text: str, matcher: Any) -> bool:
    """Run `matcher` with escaped characters (`\x00c`) replaced by private placeholders."""
    placeholders = {"*": "\ue000", "?": "\ue001"}
    cleaned = ""
    i = 0
    while i < len(pattern):
        if pattern[i] == "\x00":
            cleaned += placeholders[pattern[i + 1]]
            i += 2
        else:
            cleaned += pattern[i]
            i += 1
    swapped = text.replace("*", "\ue000").replace("?", "\ue001")
    return bool(matcher(cleaned, swapped))


def plain(pattern: str) -> str:
    return pattern.replace("\x00", "")


# --- conditions -----------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_date(value: str) -> float | None:
    try:
        if value.lstrip("-").isdigit():
            return float(value)
        moment = datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except ValueError:
        return None


def compare(base: str, policy_value: str, request_value: str) -> bool:
    """The positive form of `base` applied to one policy value and one request value."""
    if base in ("StringEquals", "StringNotEquals"):
        return plain(policy_value) == request_value
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return plain(policy_value).casefold() == request_value.casefold()
    if base in ("StringLike", "StringNotLike"):
        return literal_glob(policy_value, request_value, glob)
    if base.startswith("Arn"):
        pattern_parts = policy_value.split(":", 5)
        value_parts = request_value.split(":", 5)
        if plain(policy_value) == "*":
            return True
        if len(pattern_parts) != 6 or len(value_parts) != 6:
            return False
        return all(
            literal_glob(p, v, glob) for p, v in zip(pattern_parts, value_parts, strict=True)
        )
    if base.startswith(("Numeric", "Date")):
        family = "Numeric" if base.startswith("Numeric") else "Date"
        convert = (lambda s: float(s)) if family == "Numeric" else to_date
        try:
            left, right = convert(request_value), convert(plain(policy_value))
        except ValueError:
            return False
        if left is None or right is None:
            return False
        test = base.removeprefix(family)
        return {
            "Equals": left == right,
            "NotEquals": left == right,
            "LessThan": left < right,
            "LessThanEquals": left <= right,
            "GreaterThan": left > right,
            "GreaterThanEquals": left >= right,
        }[test]
    if base == "Bool":
        return plain(policy_value).lower() == request_value.lower()
    if base in ("IpAddress", "NotIpAddress"):
        try:
            network = ipaddress.ip_network(plain(policy_value), strict=False)
            address = ipaddress.ip_address(request_value)
        except ValueError:
            return False
        return address.version == network.version and address in network
    raise ValueError(base)


NEGATED = {
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
}  # fmt: skip
KNOWN = NEGATED | {
    "StringEquals", "StringEqualsIgnoreCase", "StringLike", "NumericEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "Bool",
    "IpAddress", "ArnEquals", "ArnLike", "Null",
}  # fmt: skip


def condition_holds(
    operator: str, key: str, values: Any, context: dict[str, list[str]], enabled: bool, deny: bool
) -> bool:
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    base = operator[: -len("IfExists")] if if_exists else operator
    if base not in KNOWN or (base == "Null" and (if_exists or qualifier)):
        return deny  # an unknown operator fails closed
    present = context.get(key.lower()) or []
    policy_values = [text_of(v) for v in as_list(values)]

    if base == "Null":
        wanted_absent = [v.lower() == "true" for v in policy_values]
        return (not present) in wanted_absent
    if not present:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return base in NEGATED

    resolved = [substitute(v, context, enabled) for v in policy_values]
    usable = [v for v in resolved if v is not None]

    def matches(request_value: str) -> bool:
        return any(compare(base, v, request_value) for v in usable)

    def per_value(request_value: str) -> bool:
        return not matches(request_value) if base in NEGATED else matches(request_value)

    if qualifier == "ForAllValues":
        return all(per_value(v) for v in present)
    if qualifier == "ForAnyValue":
        return any(per_value(v) for v in present)
    hit = any(matches(v) for v in present)
    return not hit if base in NEGATED else hit


# --- principals -----------------------------------------------------------------------------


def caller_facts(principal_arn: str, context: dict[str, list[str]]) -> dict[str, Any]:
    parts = principal_arn.split(":", 5)
    account = parts[4]
    rest = parts[5]
    facts: dict[str, Any] = {"arn": principal_arn, "account": account, "root": rest == "root"}
    facts["parent"] = None
    if rest.startswith("assumed-role/"):
        role = rest.split("/")[1]
        given = context.get("aws:principalarn")
        facts["parent"] = given[0] if given else f"arn:aws:iam::{account}:role/{role}"
    facts["service_linked"] = "/aws-service-role/" in principal_arn + str(facts["parent"])
    return facts


def same_entity(a: str, b: str) -> bool:
    if a == b:
        return True
    pa, pb = a.split(":", 5), b.split(":", 5)
    if len(pa) != 6 or len(pb) != 6 or pa[4] != pb[4]:
        return False
    ka, kb = pa[5].split("/")[0], pb[5].split("/")[0]
    return ka == kb and ka in ("user", "role") and pa[5].split("/")[-1] == pb[5].split("/")[-1]


def principal_level(principal: Any, caller: dict[str, Any]) -> int:
    """0 no match, 1 names the account, 2 names the role behind a session, 3 names the caller."""
    if principal == "*":
        return 3
    best = 0
    for entry in as_list(principal.get("AWS", [])):
        if entry == "*":
            best = max(best, 3)
        elif entry in (caller["account"], f"arn:aws:iam::{caller['account']}:root"):
            best = max(best, 3 if caller["root"] else 1)
        elif same_entity(entry, caller["arn"]):
            best = max(best, 3)
        elif caller["parent"] and same_entity(entry, caller["parent"]):
            best = max(best, 2)
    return best


def not_principal_exempts(block: Any, caller: dict[str, Any], has_boundary: bool) -> bool:
    if has_boundary:
        return False
    if block == "*":
        return True
    entries = as_list(block.get("AWS", []))
    account_listed = any(
        e in (caller["account"], f"arn:aws:iam::{caller['account']}:root") for e in entries
    )
    if caller["root"]:
        return account_listed
    self_listed = any(
        same_entity(e, caller["arn"]) or (caller["parent"] and same_entity(e, caller["parent"]))
        for e in entries
    )
    return account_listed and bool(self_listed)


# --- statements and the pipeline ------------------------------------------------------------


def statement_applies(
    statement: dict[str, Any],
    request: dict[str, Any],
    context: dict[str, list[str]],
    enabled: bool,
    principal_layer: bool,
    caller: dict[str, Any],
    has_boundary: bool,
) -> int:
    """Return 0 when the statement does not apply, else the principal level (3 if none)."""
    action = request["action"]
    if "Action" in statement:
        if not any(glob(p.lower(), action.lower()) for p in as_list(statement["Action"])):
            return 0
    elif any(glob(p.lower(), action.lower()) for p in as_list(statement["NotAction"])):
        return 0

    resource = request["resource"]
    key = "Resource" if "Resource" in statement else "NotResource"
    if key in statement:
        hit = False
        for pattern in as_list(statement[key]):
            resolved = substitute(pattern, context, enabled)
            is_star = resolved is not None and plain(resolved) == "*" and "\x00" not in resolved
            if resolved is not None and (is_star or literal_glob(resolved, resource, arn_glob)):
                hit = True
        if hit == (key == "NotResource"):
            return 0

    level = 3
    deny = statement["Effect"] == "Deny"
    if principal_layer:
        if "Principal" in statement:
            level = principal_level(statement["Principal"], caller)
        elif "NotPrincipal" in statement:
            level = (
                0 if not_principal_exempts(statement["NotPrincipal"], caller, has_boundary) else 3
            )
        if level == 0:
            return 0

    for operator, block in (statement.get("Condition") or {}).items():
        for cond_key, values in block.items():
            if not condition_holds(operator, cond_key, values, context, enabled, deny):
                return 0
    return level


def reference_decision(case: dict[str, Any]) -> tuple[str, str | None]:
    """Evaluate a case in the tests/data/policy_cases.json format."""
    request = case["request"]
    context = {k.lower(): [text_of(x) for x in as_list(v)] for k, v in request["context"].items()}
    caller = caller_facts(request["principal_arn"], context)
    resource_account = request.get("resource_account") or caller["account"]
    same_account = resource_account == caller["account"]
    org = case.get("org") or {}
    service_linked = org.get("principal_is_service_linked_role") or caller["service_linked"]
    boundary = case.get("permission_boundary")
    service = request["action"].split(":")[0].lower()

    def hits(policy: dict[str, Any] | None, principal_layer: bool) -> tuple[bool, bool, int]:
        """(any deny applies, any allow applies, best principal level of an allow)."""
        if policy is None:
            return False, False, 0
        enabled = policy.get("Version") == "2012-10-17"
        statements = as_list(policy["Statement"])
        deny = allow = False
        best = 0
        for statement in statements:
            level = statement_applies(
                statement, request, context, enabled, principal_layer, caller, boundary is not None
            )
            if level and statement["Effect"] == "Deny":
                deny = True
            elif level:
                allow = True
                best = max(best, level)
        return deny, allow, best

    scps = case.get("scps")
    if scps is None or org.get("principal_account_is_management") or service_linked:
        scps = []
    rcps = case.get("rcps")
    if (
        rcps is None
        or org.get("resource_account_is_management")
        or service_linked
        or service not in RCP_SERVICES
    ):
        rcps = []

    rcp_results = [[hits(p, True) for p in level] for level in rcps]
    scp_results = [[hits(p, False) for p in level] for level in scps]
    resource = hits(case.get("resource_policy"), True)
    identity = [hits(p, False) for p in case.get("identity_policies") or []]
    boundary_hit = hits(boundary, False)
    session_hit = hits(case.get("session_policy"), False)

    # 1. An explicit deny in any policy, reported in the documented evaluation order.
    ordered = [
        ("rcp", [r for level in rcp_results for r in level]),
        ("scp", [r for level in scp_results for r in level]),
        ("resource", [resource]),
        ("identity", identity),
        ("boundary", [boundary_hit]),
        ("session", [session_hit]),
    ]
    for name, results in ordered:
        if any(r[0] for r in results):
            return "ExplicitDeny", name

    # 2. Every RCP level, then every SCP level, needs an allow.
    if any(not any(r[1] for r in level) for level in rcp_results):
        return "ImplicitDeny", "rcp"
    if any(not any(r[1] for r in level) for level in scp_results):
        return "ImplicitDeny", "scp"

    # 3. Same account: a resource policy naming the caller itself is enough.
    if same_account and resource[1] and resource[2] == 3:
        return "Allow", None

    identity_allows = any(r[1] for r in identity) or caller["root"]
    if same_account and resource[1] and resource[2] >= 2:
        identity_allows = True
    if not identity_allows:
        return "ImplicitDeny", "identity"
    if boundary is not None and not boundary_hit[1]:
        return "ImplicitDeny", "boundary"
    if case.get("session_policy") is not None and not session_hit[1]:
        return "ImplicitDeny", "session"
    # Role trust policies and KMS key policies must allow even within one account.
    required = case.get("resource_policy") is not None and (
        request["action"].lower().startswith("sts:assumerole")
        or (service == "kms" and ":key/" in request["resource"])
    )
    if (not same_account or required) and not resource[1]:
        return "ImplicitDeny", "resource"
    return "Allow", None
