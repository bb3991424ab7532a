"""Helpers behind `orgstack policy evaluate FILE` and `orgstack policy check FILE`.

Both read a file and return plain JSON-ready dicts, so the command layer only prints them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from orgstack.json_depth import MAX_NESTING_DEPTH, exceeds_nesting_depth
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
    text = Path(path).read_text(encoding="utf-8")
    if exceeds_nesting_depth(text):
        # json.loads would raise RecursionError, which the command does not report as bad input.
        raise ValueError(f"JSON arrays and objects nest more than {MAX_NESTING_DEPTH} levels deep")
    data = json.loads(text)
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


def run(args: argparse.Namespace) -> int:
    """Run `orgstack policy evaluate` or `orgstack policy check`; print JSON lines to stdout."""
    from orgstack.cli.commands import CommandError

    try:
        if args.policy_command == "evaluate":
            for row in evaluate_file(args.file):
                fields = {key: row[key] for key in ("id", "decision", "denied_by", "explanation")}
                sys.stdout.write(json.dumps(fields) + "\n")
            return 0
        findings = check_file(args.file, args.type)
    except OSError as error:
        raise CommandError(f"cannot read `{args.file}`: {error.strerror}") from None
    except ValueError as error:
        raise CommandError(f"invalid input in `{args.file}`: {error}") from None
    for finding in findings:
        sys.stdout.write(json.dumps(finding) + "\n")
    has_error = any(finding.get("findingType") == "ERROR" for finding in findings)
    return 1 if has_error else 0
