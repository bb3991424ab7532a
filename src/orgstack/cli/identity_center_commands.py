"""`orgstack identity-center enable`: create the organization instance of IAM Identity Center.

AWS enables the organization instance from the management account's console, not through an API
call, so orgstack offers it as a command. It writes to the store directly and works while the
server runs.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Connection, select

from orgstack import identity_center
from orgstack.cli.commands import CommandError
from orgstack.cli.main import settings_from
from orgstack.clock import Clock
from orgstack.server.runtime import open_store
from orgstack.store.schema import organizations


def enable(args: argparse.Namespace) -> int:
    """Enable the organization instance and print its ARN, identity store id and start URL."""
    settings = settings_from(args)
    database, _box = open_store(settings)
    database.upgrade()
    try:
        with database.transaction() as connection:
            account_id = args.account or _only_management_account(connection)
            instance = identity_center.enable_organization_instance(
                connection, account_id, settings.base_url, Clock().now()
            )
    except identity_center.IdentityCenterError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()

    sys.stdout.write(f"instance_arn: {instance.instance_arn}\n")
    sys.stdout.write(f"identity_store_id: {instance.identity_store_id}\n")
    sys.stdout.write(f"start_url: {instance.start_url}\n")
    return 0


def _only_management_account(connection: Connection) -> str:
    rows = connection.execute(select(organizations.c.management_account_id)).all()
    if not rows:
        raise CommandError(
            "the store has no organization: create one first with "
            "`aws organizations create-organization`, using the management account's keys."
        )
    if len(rows) > 1:
        raise CommandError(
            f"the store has {len(rows)} organizations: pass the management account with "
            "`--account`."
        )
    return str(rows[0].management_account_id)
