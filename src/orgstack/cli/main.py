"""The `orgstack` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from orgstack.config import (
    DEFAULT_HOST,
    DEFAULT_MAX_ACCOUNTS,
    DEFAULT_PORT,
    Settings,
    default_data_dir,
    env_flag,
)
from orgstack.store.db import sqlite_url


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="directory for the SQLite file and the master key "
        "(default: $ORGSTACK_DATA_DIR, else ~/.local/share/orgstack)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ORGSTACK_DATABASE_URL"),
        help="SQLAlchemy URL of the store, e.g. postgresql+psycopg://user@host/db "
        "(default: $ORGSTACK_DATABASE_URL, else orgstack.db in the data directory)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    data_dir = Path(args.data_dir).expanduser()
    return Settings(
        host=getattr(args, "host", DEFAULT_HOST),
        port=getattr(args, "port", DEFAULT_PORT),
        data_dir=data_dir,
        database_url=args.database_url or sqlite_url(data_dir),
        demo=getattr(args, "demo", False),
        master_key=os.environ.get("ORGSTACK_MASTER_KEY") or None,
        root_access_key_id=os.environ.get("ORGSTACK_ROOT_ACCESS_KEY_ID") or None,
        root_secret_access_key=os.environ.get("ORGSTACK_ROOT_SECRET_ACCESS_KEY") or None,
        max_accounts=getattr(args, "max_accounts", DEFAULT_MAX_ACCOUNTS),
        test_clock=getattr(args, "test_clock", False),
        public_base_url=getattr(args, "public_base_url", None),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orgstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument(
        "--host",
        default=os.environ.get("ORGSTACK_HOST", DEFAULT_HOST),
        help="address to listen on (default: $ORGSTACK_HOST, else 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("ORGSTACK_PORT", DEFAULT_PORT)),
        help="TCP port (default: $ORGSTACK_PORT, else 4580)",
    )
    _store_options(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        default=env_flag("ORGSTACK_DEMO"),
        help="load the example organization when the store is empty",
    )
    serve.add_argument(
        "--max-accounts",
        type=int,
        default=int(os.environ.get("ORGSTACK_MAX_ACCOUNTS", DEFAULT_MAX_ACCOUNTS)),
        help="accounts allowed per organization (default: $ORGSTACK_MAX_ACCOUNTS, "
        f"else AWS's default quota of {DEFAULT_MAX_ACCOUNTS})",
    )
    serve.add_argument(
        "--public-base-url",
        default=os.environ.get("ORGSTACK_PUBLIC_BASE_URL"),
        help="URL clients reach the server at, when behind a proxy",
    )
    serve.add_argument(
        "--test-clock",
        action="store_true",
        default=env_flag("ORGSTACK_TEST_CLOCK"),
        help="let tests move the server's clock with POST /_orgstack/clock",
    )
    serve.add_argument(
        "--log-level",
        default=os.environ.get("ORGSTACK_LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="log verbosity",
    )

    credentials = commands.add_parser(
        "credentials", help="print export lines with an account's root access key"
    )
    _store_options(credentials)
    credentials.add_argument("--account", help="account id (default: the first account)")

    accounts = commands.add_parser("accounts", help="manage accounts outside an organization")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True)
    standalone = account_commands.add_parser(
        "create-standalone", help="create an account that belongs to no organization"
    )
    _store_options(standalone)
    standalone.add_argument("--email", required=True, help="root email of the new account")
    standalone.add_argument("--name", required=True, help="name of the new account")

    _audit_parser(commands)
    _policy_parser(commands)
    _identity_center_parser(commands)

    from orgstack.cli import endpoint_rules, simulate_commands

    simulate_commands.add_parser(commands, _store_options)
    endpoint_rules.add_parser(commands)
    return parser


def _identity_center_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    identity_center = commands.add_parser(
        "identity-center", help="manage the IAM Identity Center organization instance"
    )
    center_commands = identity_center.add_subparsers(dest="identity_center_command", required=True)
    from orgstack.cli import signin_commands

    signin_commands.add_parsers(center_commands, _store_options)
    enable = center_commands.add_parser(
        "enable",
        help="enable the organization instance from the management account (works while the "
        "server runs)",
        description="Create the organization instance of IAM Identity Center and its identity "
        "store, and enable trusted access for sso.amazonaws.com. Prints the instance ARN, the "
        "identity store id and the access portal's start URL.",
    )
    _store_options(enable)
    enable.add_argument(
        "--account",
        help="management account id (default: the management account of the only organization)",
    )
    enable.add_argument(
        "--public-base-url",
        default=os.environ.get("ORGSTACK_PUBLIC_BASE_URL"),
        help="URL clients reach the server at; the start URL is this URL with /start "
        "(default: $ORGSTACK_PUBLIC_BASE_URL, else http://127.0.0.1:4580)",
    )


def _policy_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy = commands.add_parser("policy", help="evaluate and validate IAM policies offline")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    evaluate = policy_commands.add_parser(
        "evaluate",
        help="evaluate decision cases and print one JSON object per case",
        description="Read one decision case, or a JSON array of cases (request, identity "
        "policies, boundary, session policy, resource policy, SCP and RCP levels), and print "
        '{"id", "decision", "denied_by", "explanation"} for each, one per line.',
    )
    evaluate.add_argument("file", type=Path, help="JSON file with a case or an array of cases")
    check = policy_commands.add_parser(
        "check",
        help="validate a policy document and list its findings",
        description="Validate a policy document as IAM Access Analyzer would and print each "
        "finding as one JSON object per line. Exits with 1 when a finding is an ERROR.",
    )
    check.add_argument("file", type=Path, help="JSON policy document")
    check.add_argument(
        "--type",
        default="IDENTITY",
        type=str.upper,
        choices=["IDENTITY", "RESOURCE", "TRUST", "PERMISSIONS_BOUNDARY", "SESSION", "SCP", "RCP"],
        help="the kind of policy (default: IDENTITY)",
    )


def _audit_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="read the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    export = audit_commands.add_parser(
        "export",
        help="write audit events as CloudTrail log files (works while the server runs)",
        description="Write the audit events of a time range in CloudTrail's log-file layout: "
        "OUTPUT/AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/"
        "<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json, one file per account, "
        "Region and hour. Files with the same events get the same name, so an export of an "
        "overlapping range writes new files beside the old ones only where the events differ.",
    )
    _store_options(export)
    export.add_argument(
        "--since",
        required=True,
        help="first event time to export, ISO 8601 (e.g. 2026-12-04T20:00:00Z; UTC when no "
        "offset is given)",
    )
    export.add_argument(
        "--until",
        help="export events before this ISO 8601 time (default: now)",
    )
    export.add_argument(
        "--format",
        choices=["jsonl"],
        default="jsonl",
        help="jsonl: each file is one line holding one JSON document, a CloudTrail "
        '{"Records": [...]} object with the events oldest first (the only format)',
    )
    export.add_argument(
        "--output", required=True, type=Path, help="directory to write the AWSLogs tree into"
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from orgstack.cli import (
        audit_commands,
        commands,
        endpoint_rules,
        identity_center_commands,
        policy_commands,
        signin_commands,
        simulate_commands,
    )

    handlers = {
        "serve": commands.serve,
        "credentials": commands.credentials,
        "accounts": commands.accounts,
        "audit": audit_commands.export,
        "policy": policy_commands.run,
        "identity-center": lambda args: signin_commands.run(args, identity_center_commands.enable),
        "simulate": simulate_commands.run,
        "endpoint-rules": endpoint_rules.run,
    }
    try:
        return handlers[args.command](args)
    except commands.CommandError as error:
        print(f"orgstack: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    logging.basicConfig()
    sys.exit(main())
