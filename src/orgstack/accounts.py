"""AWS accounts outside any organization: the first account of a new store, and accounts that
operators create so that an organization can invite them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import regex
from sqlalchemy import Connection, func, insert, select

from orgstack import ids
from orgstack.auth.credentials import create_root_key
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.schema import accounts

log = logging.getLogger("orgstack.accounts")

ACTIVE = "ACTIVE"
DEFAULT_MANAGEMENT_NAME = "Management"
DEFAULT_MANAGEMENT_EMAIL = "management@example.com"


class AccountInputError(Exception):
    """An account name or email that AWS would reject. The message names the value and the rule."""


class DuplicateAccountEmailError(AccountInputError):
    """Another account already uses this email address."""


# The constraints of botocore's Organizations model for account names and emails.
ACCOUNT_NAME = regex.compile(r"[\u0020-\u007E]{1,50}")
ACCOUNT_EMAIL = regex.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def check_account_input(name: str, email: str) -> None:
    if ACCOUNT_NAME.fullmatch(name) is None:
        raise AccountInputError(
            f"Invalid account name `{name}`: use 1 to 50 printable ASCII characters."
        )
    if not 6 <= len(email) <= 64 or ACCOUNT_EMAIL.fullmatch(email) is None:
        raise AccountInputError(
            f"Invalid email `{email}`: use an address like name@example.com, 6 to 64 characters."
        )


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
    check_account_input(name, email)
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
