"""Helpers behind `orgstack policy evaluate FILE` and `orgstack policy check FILE`.

Both read a file and return plain JSON-ready dicts, so the command layer only prints them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from orgstack.policy import (
    PolicyKind,
    denial_message,
    evaluate_case,
    explain,
    validate,
)


def evaluate_file(path: str | Path) -> list[dict[str, object]]:
    """Evaluate the decision case (or JSON array of cases) in `path`.

    Returns one `{"id", "decision", "denied_by", "message", "explanation"}` per case, in file
    order. Raises `ValueError` when the file is not JSON or a case is malformed (including
    `PolicySyntaxError` for a policy that cannot be read).
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    cases = data if isinstance(data, list) else [data]
    results: list[dict[str, object]] = []
    for position, case in enumerate(cases):
        if not isinstance(case, Mapping):
            raise ValueError(f"case {position} in `{path}` is not a JSON object")
        result = evaluate_case(case)
        results.append(
            {
                "id": case.get("id", f"case-{position}"),
                "decision": str(result.decision),
                "denied_by": str(result.denied_by) if result.denied_by else None,
                "message": denial_message(result),
                "explanation": explain(result),
            }
        )
    return results


def check_file(
    path: str | Path, kind: PolicyKind | str = PolicyKind.IDENTITY
) -> list[dict[str, object]]:
    """Validate the policy document in `path` as a policy of `kind`.

    `kind` accepts a `PolicyKind` or its name in any case (`scp`, `RCP`, `identity`, ...).
    Returns the findings as ValidatePolicyFinding-like dicts; an empty list means no findings.
    Raises `ValueError` for an unknown kind.
    """
    try:
        policy_kind = PolicyKind(kind.upper()) if isinstance(kind, str) else kind
    except ValueError:
        names = ", ".join(k.value for k in PolicyKind)
        raise ValueError(f"unknown policy type `{kind}`; use one of {names}") from None
    text = Path(path).read_text(encoding="utf-8")
    return [finding.to_dict() for finding in validate(text, policy_kind)]
