"""Implementations of the `orgstack` commands."""

from __future__ import annotations

import argparse
import logging
import sys

from orgstack import accounts as account_store
from orgstack.auth.credentials import root_keys
from orgstack.cli.main import settings_from
from orgstack.server.runtime import open_store
from orgstack.store.db import sqlite_url


class CommandError(Exception):
    """A command failed for a reason the user can fix. The message states how."""


def serve(args: argparse.Namespace) -> int:
    from orgstack.server.serve import run

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    return run(settings_from(args))


def _export_lines(access_key_id: str, secret_access_key: str) -> str:
    return (
        f"export AWS_ACCESS_KEY_ID={access_key_id}\n"
        f"export AWS_SECRET_ACCESS_KEY={secret_access_key}\n"
    )


def credentials(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store_file = settings.data_dir / "orgstack.db"
    if settings.database_url == sqlite_url(settings.data_dir) and not store_file.exists():
        # A mistyped --data-dir must not leave a new, empty store behind.
        raise CommandError(
            f"no orgstack store in `{settings.data_dir}`: give the server's --data-dir "
            "(and --database-url, if it uses one)."
        )
    database, box = open_store(settings)
    database.upgrade()
    with database.transaction(write=False) as connection:
        account_id = args.account or account_store.first_account_id(connection)
        if account_id is None:
            raise CommandError("the store has no account yet: start `orgstack serve` once first.")
        keys = root_keys(connection, box, account_id)
    if not keys:
        raise CommandError(f"account `{account_id}` has no root access key in this store.")
    key_id, secret = keys[0]
    sys.stdout.write(_export_lines(key_id, secret))
    return 0


def accounts(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    database, box = open_store(settings)
    database.upgrade()
    from orgstack.clock import Clock

    try:
        with database.transaction() as connection:
            created = account_store.create_standalone_account(
                connection, box, Clock().now(), args.name, args.email
            )
    except account_store.AccountInputError as error:
        raise CommandError(str(error)) from None
    sys.stdout.write(f"# account {created.account_id} ({created.name}, {created.email})\n")
    sys.stdout.write(_export_lines(created.access_key_id, created.secret_access_key))
    return 0
