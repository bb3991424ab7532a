"""Measure warm policy decisions: on the documented cases and on a realistic request mix.

Run: `.venv/bin/python -m bench.policy_bench [--rounds N] [--compare [--markdown FILE]]` from the
repository root. Policies are compiled once before timing (the compile cache makes later lookups
of the same content free), so the numbers are the cost of `evaluate` alone. Prints the median and
99th percentile per decision and decisions per second; writes nothing.

`--compare` also runs the same cases through @cloud-copilot/iam-simulate
(`node bench/js/simulate_bench.mjs`, after `npm ci` in bench/js or `scripts/bench`), writes
those cases to bench/results/policy_compare_inputs.json, and prints both engines side by side
with the decisions on which they agree. `--markdown FILE` writes that table to FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.policy_workloads import Workload, build_workloads, permission_set_policy
from orgstack.policy import Layers, PolicyKind, Request, clear_cache, compile_policy, evaluate

ROOT = Path(__file__).parents[1]
JS_BENCH = ROOT / "bench" / "js" / "simulate_bench.mjs"
# The cases handed to the Node benchmark. bench/results/ is not committed.
INPUTS_FILE = ROOT / "bench" / "results" / "policy_compare_inputs.json"

# The target the project states for the engine: median latency of a warm decision, and
# throughput relative to iam-simulate's validated runSimulation.
TARGET_MEDIAN_US = 20.0
TARGET_RATIO = 20.0

# Table labels of the ways bench/js/simulate_bench.mjs passes policies to runSimulation.
MODE_LABELS = {"documents": "raw documents", "prevalidated": "pre-validated policies"}
TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Timing:
    """Warm decision times of one engine on one workload, in microseconds."""

    decisions: int
    median_us: float
    p99_us: float
    cpu_median_us: float
    throughput: float


def measure(name: str, workload: list[tuple[Request, Layers]], rounds: int) -> Timing:
    """Print and return wall-clock latency per decision and CPU time per decision.

    The CPU time (thread time per pass over the workload, divided by its size) is the steadier
    number on a shared machine, where other processes preempt the benchmark.
    """
    for request, layers in workload:  # warm the per-service statement index
        evaluate(request, layers)
    samples: list[float] = []
    cpu_per_decision: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        cpu_start = time.thread_time_ns()
        for request, layers in workload:
            begin = time.perf_counter_ns()
            evaluate(request, layers)
            samples.append((time.perf_counter_ns() - begin) / 1000)
        cpu_per_decision.append((time.thread_time_ns() - cpu_start) / 1000 / len(workload))
    elapsed = time.perf_counter() - started
    samples.sort()
    timing = Timing(
        decisions=len(samples),
        median_us=statistics.median(samples),
        p99_us=samples[int(len(samples) * 0.99)],
        cpu_median_us=statistics.median(cpu_per_decision),
        throughput=len(samples) / elapsed,
    )
    print(
        f"{name:<18} decisions={timing.decisions:>7}  median={timing.median_us:6.1f} µs  "
        f"p99={timing.p99_us:6.1f} µs  cpu median={timing.cpu_median_us:6.1f} µs  "
        f"throughput={timing.throughput:>9,.0f} decisions/s"
    )
    return timing


def measure_cold_compile() -> None:
    document = permission_set_policy()
    rounds = 200
    begin = time.perf_counter()
    for _ in range(rounds):
        clear_cache()
        compile_policy(document, PolicyKind.IDENTITY)
    per = (time.perf_counter() - begin) / rounds * 1e6
    size = len(document["Statement"])
    print(f"{'cold compile':<18} permission set of {size} statements: {per:,.0f} µs")


def run_iam_simulate(workloads: list[Workload], rounds_scale: float) -> dict[str, Any]:
    """Time the workloads' cases in iam-simulate and return the report bench/js prints.

    Writes the cases to INPUTS_FILE first, so that the Node run can be repeated by hand. Each
    workload gets `rounds_scale` times the passes orgstack made over it, at least one.
    """
    if not (JS_BENCH.parent / "node_modules").is_dir():
        raise SystemExit(
            "bench/js/node_modules is missing: run scripts/bench, or `npm ci` in bench/js, first."
        )
    payload = {
        "workloads": [
            {
                "name": workload.name,
                "rounds": max(1, round(workload.rounds * rounds_scale)),
                "inputs": workload.cases,
            }
            for workload in workloads
        ]
    }
    INPUTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    INPUTS_FILE.write_text(json.dumps(payload), encoding="utf-8")

    command = ["node", str(JS_BENCH.relative_to(ROOT)), str(INPUTS_FILE.relative_to(ROOT))]
    try:
        # The Node script prints its summary on stderr, which shows through as progress.
        completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    except FileNotFoundError:
        raise SystemExit("node was not found: install Node.js 18 or newer.") from None
    except subprocess.CalledProcessError as error:
        message = f"`{shlex.join(command)}` failed with exit status {error.returncode}."
        raise SystemExit(message) from None
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


@dataclass(frozen=True)
class ComparisonRow:
    """One workload with one way of passing policies to iam-simulate, beside orgstack's timing."""

    workload: str
    mode: str
    orgstack: Timing
    iam_simulate: Timing | None
    compared: int
    agreed: int
    # Case ID, orgstack's decision and iam-simulate's, for each case where the two differ.
    disagreements: list[tuple[str, str, str]]
    # Case ID and iam-simulate's reason, for each case it could not evaluate.
    skipped: list[tuple[str, str]]


def _orgstack_decisions(workload: Workload) -> dict[str, str]:
    return {
        str(case["id"]): str(evaluate(request, layers).decision)
        for case, (request, layers) in zip(workload.cases, workload.inputs, strict=True)
    }


def comparison_rows(
    workloads: list[Workload], timings: list[Timing], report: dict[str, Any]
) -> list[ComparisonRow]:
    """Pair orgstack's timing and decisions with iam-simulate's, per workload and mode."""
    by_name = {entry["name"]: entry for entry in report["workloads"]}
    rows: list[ComparisonRow] = []
    for workload, timing in zip(workloads, timings, strict=True):
        ours = _orgstack_decisions(workload)
        for mode, result in by_name[workload.name]["modes"].items():
            theirs: dict[str, str] = result["decisions"]
            disagreements = [
                (case_id, ours[case_id], decision)
                for case_id, decision in theirs.items()
                if ours[case_id] != decision
            ]
            rows.append(
                ComparisonRow(
                    workload=workload.name,
                    mode=mode,
                    orgstack=timing,
                    iam_simulate=Timing(**result["timing"]) if result["timing"] else None,
                    compared=len(theirs),
                    agreed=len(theirs) - len(disagreements),
                    disagreements=disagreements,
                    skipped=[(entry["id"], entry["reason"]) for entry in result["skipped"]],
                )
            )
    return rows


def _machine() -> str:
    """Describe the CPUs this process may run on: the count `nproc` prints, and the model."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = f", {line.split(':', 1)[1].strip()}"
                break
    # sched_getaffinity, which nproc reads too, exists on Linux only.
    if hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count() or 0
    return f"{count} CPUs (nproc){model}"


def _table_row(row: ComparisonRow) -> str:
    ours = row.orgstack
    cells = [
        row.workload,
        MODE_LABELS.get(row.mode, row.mode),
        f"{ours.median_us:.1f}",
        f"{ours.p99_us:.1f}",
        f"{ours.throughput:,.0f}",
    ]
    theirs = row.iam_simulate
    if theirs is None:
        cells += ["n/a"] * 5
    else:
        cells += [
            f"{theirs.median_us:.1f}",
            f"{theirs.p99_us:,.1f}",
            f"{theirs.throughput:,.0f}",
            f"{ours.throughput / theirs.throughput:.1f}{TIMES}",
            f"{theirs.median_us / ours.median_us:.1f}{TIMES}",
        ]
    cells.append(f"{row.agreed}/{row.compared}")
    return "| " + " | ".join(cells) + " |"


def _target_line(rows: list[ComparisonRow]) -> str:
    medians = {row.workload: row.orgstack.median_us for row in rows}
    median_met = all(value < TARGET_MEDIAN_US for value in medians.values())
    median_text = ", ".join(f"{name} {value:.1f} µs" for name, value in medians.items())

    ratios = [
        (row.orgstack.throughput / row.iam_simulate.throughput, row)
        for row in rows
        if row.iam_simulate is not None
    ]
    if not ratios:
        return "iam-simulate evaluated no input, so the project target could not be checked."
    lowest, lowest_row = min(ratios, key=lambda pair: pair[0])
    lowest_mode = MODE_LABELS.get(lowest_row.mode, lowest_row.mode)
    lowest_median = min(
        row.iam_simulate.median_us / row.orgstack.median_us
        for row in rows
        if row.iam_simulate is not None
    )

    return (
        f"Project target: a warm orgstack decision under {TARGET_MEDIAN_US:.0f} µs median and at "
        f"least {TARGET_RATIO:.0f}{TIMES} the throughput of iam-simulate's validated "
        f"`runSimulation`. The median target is {'met' if median_met else 'missed'}: "
        f"{median_text}. The throughput target is "
        f"{'met' if lowest >= TARGET_RATIO else 'missed'}: the lowest ratio is "
        f"{lowest:.1f}{TIMES}, on the {lowest_row.workload} with {lowest_mode}. By median "
        f"latency the lowest ratio is {lowest_median:.1f}{TIMES}."
    )


def _cpu_table(rows: list[ComparisonRow]) -> list[str]:
    lines = [
        "| workload | iam-simulate policies | orgstack CPU µs | iam-simulate CPU µs | CPU ratio |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row.iam_simulate is None:
            continue
        ours, theirs = row.orgstack.cpu_median_us, row.iam_simulate.cpu_median_us
        lines.append(
            f"| {row.workload} | {MODE_LABELS.get(row.mode, row.mode)} | {ours:.1f} "
            f"| {theirs:.1f} | {theirs / ours:.1f}{TIMES} |"
        )
    return lines


def _exceptions(rows: list[ComparisonRow]) -> list[str]:
    """List the inputs the engines decided differently and those iam-simulate skipped."""
    lines: list[str] = []
    differences = sorted({item for row in rows for item in row.disagreements})
    if differences:
        lines += ["", "Decisions that differ (orgstack, iam-simulate):", ""]
        lines += [f"- {case_id}: {ours}, {theirs}" for case_id, ours, theirs in differences]
    else:
        lines += ["", "The engines reached the same decision on every input both evaluated."]

    skipped = sorted({item for row in rows for item in row.skipped})
    if skipped:
        lines += [
            "",
            "Inputs iam-simulate rejected, which its columns leave out (orgstack's include them):",
            "",
        ]
        lines += [f"- {case_id}: `{reason}`" for case_id, reason in skipped]
    return lines


def render_comparison(rows: list[ComparisonRow], report: dict[str, Any], command: str) -> str:
    """Return the side-by-side table, how it was measured and where the engines differ."""
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        f"Command: `{command}` on {_machine()}, {date}, 1-minute load average {load:.1f} when "
        f"the run ended. Python {platform.python_version()}, Node {report['node']}, "
        f"{report['engine']}.",
        "",
        "| workload | iam-simulate policies | orgstack median µs | orgstack p99 µs "
        "| orgstack decisions/s | iam-simulate median µs | iam-simulate p99 µs "
        "| iam-simulate decisions/s | throughput ratio | median ratio | decisions agreed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(_table_row(row) for row in rows),
        "",
        "Both engines make one decision at a time on one thread, after warm-up passes. orgstack "
        "times `evaluate` on policies compiled once. iam-simulate times `runSimulation`: with "
        "raw documents it validates and parses every policy on each call, and with "
        "pre-validated policies (built once with `createValidatedPolicy`) it skips validation "
        "but still parses them. The throughput ratio is orgstack's decisions per second over "
        "iam-simulate's, and the median ratio is iam-simulate's median latency over orgstack's. "
        "Long pauses in Node, such as garbage collection, lower iam-simulate's throughput but "
        "leave its median alone.",
        "",
        "CPU time per decision, the median over passes, is steadier than wall-clock time on a "
        "loaded machine. It is thread time for orgstack and the whole Node process's user and "
        "system time for iam-simulate, which includes its garbage collector's helper threads.",
        "",
        *_cpu_table(rows),
        "",
        _target_line(rows),
        *_exceptions(rows),
    ]
    return "\n".join(lines) + "\n"


def command_line() -> str:
    """Return the command that started this run, as it would be typed in the repository root."""
    python = Path(sys.executable)
    if python.is_relative_to(Path.cwd()):
        python = python.relative_to(Path.cwd())
    return shlex.join([str(python), "-m", "bench.policy_bench", *sys.argv[1:]])


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="passes over each workload")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also time @cloud-copilot/iam-simulate on the same inputs and print both side by side",
    )
    parser.add_argument(
        "--js-rounds",
        type=int,
        help="passes over the realistic mix for iam-simulate, and a quarter of that over the "
        "documented cases (default: a tenth of --rounds)",
    )
    parser.add_argument(
        "--markdown", type=Path, help="write the comparison table to this file (needs --compare)"
    )
    args = parser.parse_args()
    if args.markdown and not args.compare:
        parser.error("--markdown writes the comparison table: add --compare")
    return args


def main() -> None:
    args = parse_arguments()

    workloads = build_workloads(args.rounds)
    timings = [measure(workload.name, workload.inputs, workload.rounds) for workload in workloads]
    measure_cold_compile()
    if not args.compare:
        return

    js_rounds = args.js_rounds or max(1, args.rounds // 10)
    sys.stdout.flush()  # the Node benchmark writes to the same terminal
    report = run_iam_simulate(workloads, js_rounds / args.rounds)
    rows = comparison_rows(workloads, timings, report)
    table = render_comparison(rows, report, command_line())
    print()
    print(table, end="")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
