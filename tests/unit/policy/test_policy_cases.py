"""Every documented decision case, run through the engine and the reference evaluator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reference import reference_decision

from orgstack.policy import denial_message, evaluate_case, explain

CASES_FILE = Path(__file__).parents[2] / "data" / "policy_cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))


def test_cases_file_holds_all_documented_cases() -> None:
    assert len(CASES) == 37
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_engine_decides_case(case: dict[str, Any]) -> None:
    result = evaluate_case(case)

    assert str(result.decision) == case["expected"], explain(result)
    denied_by = str(result.denied_by) if result.denied_by is not None else None
    assert denied_by == case["expected_denied_by"], explain(result)
    assert result.errors == ()


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_reference_decides_case(case: dict[str, Any]) -> None:
    assert reference_decision(case) == (case["expected"], case["expected_denied_by"])


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_denial_message_names_layer(case: dict[str, Any]) -> None:
    result = evaluate_case(case)
    message = denial_message(result)

    if case["expected"] == "Allow":
        assert message is None
        return
    assert message is not None
    assert message.startswith(f"User: {case['request']['principal_arn']} is not authorized")
    if case["expected"] == "ExplicitDeny":
        assert " with an explicit deny in a" in message
    else:
        assert f"allows the {case['request']['action']} action" in message
