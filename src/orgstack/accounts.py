"""AWS accounts outside any organization: the first account of a new store, and accounts that
operators create so that an organization can invite them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from orgstack import ids
from orgstack.auth.credentials import create_root_key
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.schema import accounts

log = logging.getLogger("orgstack.accounts")

ACTIVE = "ACTIVE"
DEFAULT_MANAGEMENT_NAME = "Management"
DEFAULT_MANAGEMENT_EMAIL = "management@example.com"


class DuplicateAccountEmailError(Exception):
    """Another account already uses this email address."""


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    name: str
    email: str
    access_key_id: str
    secret_access_key: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_in_use(connection: Connection, email: str) -> bool:
    found = connection.execute(
        select(accounts.c.id).where(accounts.c.email_normalized == normalize_email(email))
    ).first()
    return found is not None


def new_account_id(connection: Connection) -> str:
    """Return a random account id that no stored account has."""
    while True:
        candidate = ids.account_id()
        taken = connection.execute(select(accounts.c.id).where(accounts.c.id == candidate)).first()
        if taken is None:
            return candidate


def insert_account_row(
    connection: Connection, account_id: str, name: str, email: str, now: dt.datetime
) -> None:
    connection.execute(
        insert(accounts).values(
            id=account_id,
            name=name,
            email=email,
            email_normalized=normalize_email(email),
            status=ACTIVE,
            state=ACTIVE,
            created_at=now,
        )
    )


def create_standalone_account(
    connection: Connection,
    box: SecretBox,
    now: dt.datetime,
    name: str,
    email: str,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> NewAccount:
    """Create an account that belongs to no organization, with a root access key."""
    if email_in_use(connection, email):
        raise DuplicateAccountEmailError(f"An account with email `{email}` already exists.")
    account_id = new_account_id(connection)
    insert_account_row(connection, account_id, name, email, now)
    key_id, secret = create_root_key(
        connection, box, account_id, now, access_key_id, secret_access_key
    )
    log.info("created standalone account account_id=%s access_key_id=%s", account_id, key_id)
    return NewAccount(account_id, name, email, key_id, secret)


def account_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(accounts)).scalar_one())


def first_account_id(connection: Connection) -> str | None:
    """Return the oldest account, the one created when the store was new."""
    row = connection.execute(
        select(accounts.c.id).order_by(accounts.c.created_at, accounts.c.id).limit(1)
    ).first()
    return None if row is None else str(row.id)
