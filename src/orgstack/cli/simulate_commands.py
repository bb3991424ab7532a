"""`orgstack simulate`: evaluate one request against the live organization in the store.

It reads the store directly, so it works while the server runs, and exits with 0 when the request
would be allowed, 1 when it would be denied, and 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from orgstack.cli.commands import CommandError
from orgstack.cli.main import settings_from
from orgstack.policy.request import ContextValue
from orgstack.server.runtime import open_store
from orgstack.simulation import live, report

EXIT_ALLOWED = 0
EXIT_DENIED = 1


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the `simulate` command; `store_options` adds --data-dir and --database-url."""
    simulate = commands.add_parser(
        "simulate",
        help="evaluate a request against the live organization and roles (works while the "
        "server runs)",
        description="Evaluate one request as the principal against the SCPs of its account's "
        "tree path, the RCPs of the resource's account, and the role's identity policies and "
        "permissions boundary, as stored now. Prints the decision with each layer, the deciding "
        "statements, missing context keys and AWS's denial message. Exits with 0 for an allow, "
        "1 for a deny and 2 for a usage error.",
    )
    store_options(simulate)
    simulate.add_argument(
        "--principal",
        required=True,
        help="arn:aws:iam::<account>:root, arn:aws:iam::<account>:role/<path><name> or "
        "arn:aws:sts::<account>:assumed-role/<role>/<session>",
    )
    simulate.add_argument("--action", required=True, help="IAM action, e.g. s3:GetObject")
    simulate.add_argument(
        "--resource", default="*", help="resource ARN (default: *, for actions without one)"
    )
    simulate.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a condition key and value; repeat a key for a multivalued key "
        "(replaces the value orgstack would set)",
    )
    simulate.add_argument(
        "--session-policy",
        type=Path,
        help="JSON file with a session policy (default: no session policy)",
    )
    simulate.add_argument("--json", action="store_true", help="print the result as JSON")


def parse_context(pairs: list[str]) -> dict[str, ContextValue]:
    """Read `KEY=VALUE` pairs; a key given more than once becomes a multivalued key."""
    values: dict[str, list[str]] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise CommandError(f"the context entry `{pair}` is not valid: use KEY=VALUE")
        values.setdefault(key, []).append(value)
    return {key: items[0] if len(items) == 1 else items for key, items in values.items()}


def run(args: argparse.Namespace) -> int:
    """Run the simulation, print the explanation (or JSON), and return the exit code."""
    context = parse_context(args.context)
    session_policy = _read_session_policy(args.session_policy)

    database, _box = open_store(settings_from(args))
    database.upgrade()
    try:
        with database.transaction(write=False) as connection:
            simulation = live.simulate(
                connection,
                args.principal,
                args.action,
                args.resource,
                context,
                session_policy,
            )
    except live.SimulationInputError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()

    if args.json:
        sys.stdout.write(json.dumps(report.as_json(simulation), indent=2) + "\n")
    else:
        sys.stdout.write(report.text(simulation) + "\n")
    return EXIT_ALLOWED if simulation.result.allowed else EXIT_DENIED


def _read_session_policy(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read the session policy `{path}`: {error.strerror}") from None
