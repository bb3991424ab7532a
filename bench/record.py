"""Replace one generated section of a Markdown page with a benchmark's Markdown output.

Run: `.venv/bin/python -m bench.record docs/benchmarks.md policy bench/results/policy.md`.
A section is the text between the lines `<!-- begin generated: NAME -->` and
`<!-- end generated: NAME -->`. Text outside the markers is kept as written, so a page can
explain the numbers that scripts/bench regenerates.
"""

from __future__ import annotations

import argparse
from pathlib import Path


class MissingSectionError(ValueError):
    """Raised when a page lacks the begin or end marker of a section."""


def markers(name: str) -> tuple[str, str]:
    """Return the begin and end marker lines of section `name`."""
    return f"<!-- begin generated: {name} -->", f"<!-- end generated: {name} -->"


def replace_section(page: str, name: str, body: str) -> str:
    """Return `page` with the text between the markers of section `name` replaced by `body`."""
    begin, end = markers(name)
    start = page.find(begin)
    stop = page.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        raise MissingSectionError(
            f"section `{name}` not found: add the lines `{begin}` and `{end}` to the page."
        )
    return page[: start + len(begin)] + "\n" + body.strip("\n") + "\n" + page[stop:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the Markdown page to update")
    parser.add_argument("section", help="the section name in the page's markers")
    parser.add_argument("markdown", type=Path, help="the file whose text becomes the section")
    args = parser.parse_args(argv)

    page = args.page.read_text(encoding="utf-8")
    body = args.markdown.read_text(encoding="utf-8")
    try:
        updated = replace_section(page, args.section, body)
    except MissingSectionError as error:
        parser.error(f"{args.page}: {error}")
    args.page.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
