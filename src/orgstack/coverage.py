"""Generation of docs/coverage.md from the operation declarations.

Run `python -m orgstack.coverage docs/coverage.md` after adding or changing an operation; a test
fails while the page is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orgstack.protocol.models import service_model
from orgstack.services import catalog, registry

HEADER = """# API coverage

Generated from orgstack's operation declarations by `python -m orgstack.coverage docs/coverage.md`;
do not edit by hand. Every operation of each served service's botocore model is listed. An operation
marked *not implemented* answers `UnknownOperationException`; parameters listed under *not
honoured* are accepted and validated but do not change the result yet.
"""


def render() -> str:
    registry.load_all()
    sections = [HEADER]
    for service in catalog.SERVED:
        sections.append(_service_section(service))
    return "\n".join(sections)


def _service_section(service: str) -> str:
    model = service_model(service)
    names = sorted(model.operation_names)
    implemented = [name for name in names if registry.find(service, name) is not None]
    lines = [
        f"## {model.metadata.get('serviceFullName', service)} (`{service}`)",
        "",
        f"{len(implemented)} of {len(names)} operations implemented.",
        "",
        "| operation | status | IAM action | read-only | not honoured |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        spec = registry.find(service, name)
        if spec is None:
            lines.append(f"| {name} | not implemented | | | |")
            continue
        ignored = ", ".join(f"`{parameter}`" for parameter in spec.not_honoured)
        read_only = "yes" if spec.read_only else "no"
        lines.append(f"| {name} | implemented | `{spec.action}` | {read_only} | {ignored} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m orgstack.coverage OUTPUT.md\n")
        return 2
    Path(argv[0]).write_text(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
