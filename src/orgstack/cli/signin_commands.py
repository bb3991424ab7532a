"""`orgstack identity-center reset-password | settings | revoke-sessions`: portal sign-in admin.

They write to the store directly and work while the server runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TypeVar

from orgstack.cli.commands import CommandError
from orgstack.clock import Clock
from orgstack.services.signin import settings as signin_settings
from orgstack.services.signin.administration import (
    AdministrationError,
    reset_password,
    revoke_sessions,
)
from orgstack.services.signin.context import StepContext, portal_instance

T = TypeVar("T")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = re.compile(r"(\d+)([smhd])")
StoreOptions = Callable[[argparse.ArgumentParser], None]


def add_parsers(
    center_commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store_options: StoreOptions,
) -> None:
    reset = center_commands.add_parser(
        "reset-password",
        help="give a user a one-time password for the access portal and print it",
        description="Set a one-time password that the user must replace at the next sign-in, "
        "end the user's portal sessions, and print the password.",
    )
    _common(reset, store_options)
    reset.add_argument("--user", required=True, help="user name in the identity store")
    reset.set_defaults(identity_center_handler=reset_password_command)

    settings = center_commands.add_parser(
        "settings",
        help="show or change the access portal's MFA and session settings",
        description="Change the given settings of the instance and print all of them.",
    )
    _common(settings, store_options)
    settings.add_argument(
        "--mfa-mode",
        choices=signin_settings.MFA_MODES,
        help="when to ask for an MFA code (AWS default: every-sign-in)",
    )
    settings.add_argument(
        "--no-mfa-device",
        choices=signin_settings.NO_DEVICE_BEHAVIOURS,
        help="what happens when MFA is required and the user has no device "
        "(AWS default: require-registration)",
    )
    settings.add_argument(
        "--session-duration",
        help="portal session duration such as 8h, 90m or 30d (15 minutes to 90 days; "
        "AWS default: 8h)",
    )
    settings.set_defaults(identity_center_handler=settings_command)

    revoke = center_commands.add_parser(
        "revoke-sessions",
        help="end a user's access portal browser sessions",
    )
    _common(revoke, store_options)
    revoke.add_argument("--user", required=True, help="user name in the identity store")
    revoke.set_defaults(identity_center_handler=revoke_sessions_command)


def _common(parser: argparse.ArgumentParser, store_options: StoreOptions) -> None:
    store_options(parser)
    parser.add_argument(
        "--identity-store-id",
        help="identity store of the instance (default: the organization instance, else the "
        "oldest instance)",
    )


def _in_store(args: argparse.Namespace, work: Callable[[StepContext], T]) -> T:
    from orgstack.cli.main import settings_from
    from orgstack.server.runtime import open_store

    database, box = open_store(settings_from(args))
    database.upgrade()
    try:
        with database.transaction() as connection:
            return work(StepContext(connection, box, Clock().now(), "", "orgstack-cli"))
    except AdministrationError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()


def reset_password_command(args: argparse.Namespace) -> int:
    one_time = _in_store(
        args, lambda context: reset_password(context, args.identity_store_id, args.user)
    )
    sys.stdout.write(f"one_time_password: {one_time}\n")
    return 0


def revoke_sessions_command(args: argparse.Namespace) -> int:
    count = _in_store(
        args, lambda context: revoke_sessions(context, args.identity_store_id, args.user)
    )
    sys.stdout.write(f"revoked_sessions: {count}\n")
    return 0


def parse_duration(text: str) -> int:
    """Return the seconds of a duration such as `8h`, `1h30m` or `30d`."""
    compact = text.strip().lower()
    parts = DURATION_PATTERN.findall(compact)
    if not parts or "".join(number + unit for number, unit in parts) != compact:
        raise CommandError(f"duration `{text}` is invalid: write it like 8h, 90m, 1h30m or 30d.")
    return sum(int(number) * DURATION_UNITS[unit] for number, unit in parts)


def settings_command(args: argparse.Namespace) -> int:
    seconds = parse_duration(args.session_duration) if args.session_duration else None

    def work(context: StepContext) -> signin_settings.SignInSettings:
        instance = portal_instance(context.connection, args.identity_store_id)
        if instance is None:
            raise AdministrationError("no IAM Identity Center instance found: enable one first.")
        if args.mfa_mode is None and args.no_mfa_device is None and seconds is None:
            return signin_settings.of(instance)
        try:
            return signin_settings.update(
                context.connection, instance, args.mfa_mode, args.no_mfa_device, seconds
            )
        except ValueError as error:
            raise AdministrationError(str(error)) from None

    current = _in_store(args, work)
    sys.stdout.write(f"mfa_mode: {current.mfa_mode}\n")
    sys.stdout.write(f"no_mfa_device: {current.no_mfa_device}\n")
    sys.stdout.write(f"session_duration_seconds: {current.session_seconds}\n")
    return 0


def run(args: argparse.Namespace, default: Callable[[argparse.Namespace], int]) -> int:
    """Run the identity-center subcommand the arguments chose (`default` for the others)."""
    handler: Callable[[argparse.Namespace], int] = getattr(args, "identity_center_handler", default)
    return handler(args)
