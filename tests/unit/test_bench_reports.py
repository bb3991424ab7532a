"""The pieces of the benchmarks that turn measurements into docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

import pytest
from bench.orgs_bench import render_markdown
from bench.policy_bench import TIMES, Timing, comparison_rows, render_comparison
from bench.policy_workloads import Workload, build_workloads
from bench.record import MissingSectionError, replace_section

PAGE = """# Benchmarks

Written by hand.

<!-- begin generated: policy -->
old table
<!-- end generated: policy -->

Also by hand.

<!-- begin generated: orgs -->
orgs table
<!-- end generated: orgs -->
"""


def test_replace_section_keeps_text_outside_markers() -> None:
    updated = replace_section(PAGE, "policy", "new table\n\n")

    assert updated == PAGE.replace("old table", "new table")


def test_replace_section_twice_is_stable() -> None:
    once = replace_section(PAGE, "orgs", "| a |\n")

    assert replace_section(once, "orgs", "| a |\n") == once


def test_replace_section_without_markers() -> None:
    with pytest.raises(MissingSectionError) as raised:
        replace_section("# Benchmarks\n", "policy", "table")

    assert str(raised.value) == (
        "section `policy` not found: add the lines `<!-- begin generated: policy -->` and "
        "`<!-- end generated: policy -->` to the page."
    )


def test_replace_section_with_end_marker_first() -> None:
    page = "<!-- end generated: policy -->\n<!-- begin generated: policy -->\n"

    with pytest.raises(MissingSectionError):
        replace_section(page, "policy", "table")


ORGSTACK = Timing(decisions=100, median_us=10.0, p99_us=40.0, cpu_median_us=11.0, throughput=5e4)


def _iam_simulate_report(workloads: list[Workload], throughput: float) -> dict[str, Any]:
    """Build the report bench/js prints, with iam-simulate deciding as each case expects.

    The first documented case gets the opposite decision and the second is skipped.
    """
    entries = []
    for workload in workloads:
        decisions = {case["id"]: case.get("expected", "Allow") for case in workload.cases}
        skipped = []
        if workload.name == "documented cases":
            first, second = workload.cases[0]["id"], workload.cases[1]["id"]
            decisions[first] = "Allow" if decisions[first] != "Allow" else "ImplicitDeny"
            del decisions[second]
            skipped = [{"id": second, "reason": "no.resource.types"}]
        timing = {
            "decisions": 50,
            "median_us": 300.0,
            "p99_us": 9000.0,
            "cpu_median_us": 400.0,
            "throughput": throughput,
        }
        mode = {"timing": timing, "decisions": decisions, "skipped": skipped}
        entries.append({"name": workload.name, "modes": {"documents": mode}})
    return {"engine": "@cloud-copilot/iam-simulate 0.0.0", "node": "v20.0.0", "workloads": entries}


def test_comparison_counts_agreement() -> None:
    workloads = build_workloads(4)
    documented = workloads[0]
    report = _iam_simulate_report(workloads, throughput=1000.0)

    rows = comparison_rows(workloads, [ORGSTACK, ORGSTACK], report)

    row = rows[0]
    assert row.workload == "documented cases"
    assert row.compared == len(documented.cases) - 1
    assert row.agreed == len(documented.cases) - 2
    first = documented.cases[0]
    assert [case_id for case_id, _, _ in row.disagreements] == [first["id"]]
    assert row.disagreements[0][1] == first["expected"]
    assert row.skipped == [(documented.cases[1]["id"], "no.resource.types")]


def test_comparison_table_states_target() -> None:
    workloads = build_workloads(4)
    rows = comparison_rows(workloads, [ORGSTACK, ORGSTACK], _iam_simulate_report(workloads, 1000))

    text = render_comparison(rows, _iam_simulate_report(workloads, 1000), "python -m bench.x")

    assert text.startswith("Command: `python -m bench.x` on ")
    assert "| documented cases | raw documents | 10.0 | 40.0 | 50,000 | 300.0 |" in text
    assert f"| 1,000 | 50.0{TIMES} | 30.0{TIMES} |" in text
    assert "The median target is met: documented cases 10.0 µs, realistic mix 10.0 µs." in text
    assert f"The throughput target is met: the lowest ratio is 50.0{TIMES}" in text
    assert f"- {workloads[0].cases[1]['id']}: `no.resource.types`" in text


def test_comparison_table_reports_missed_target() -> None:
    workloads = build_workloads(4)
    report = _iam_simulate_report(workloads, throughput=5000.0)
    rows = comparison_rows(workloads, [ORGSTACK, ORGSTACK], report)

    text = render_comparison(rows, report, "python -m bench.x")

    assert f"The throughput target is missed: the lowest ratio is 10.0{TIMES}" in text


def test_orgs_table_states_load_averages() -> None:
    report: dict[str, Any] = {
        "command": "python -m bench.orgs_bench",
        "cpu_count": 2,
        "load_average_at_start": [0.5, 0.3, 0.1],
        "load_average_at_end": [2.0, 1.0, 0.5],
        "measurements": [],
    }

    first_line = render_markdown(report).splitlines()[0]

    assert "load averages 0.5, 0.3, 0.1 at the start and 2.0, 1.0, 0.5 at the end" in first_line
