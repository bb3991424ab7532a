"""Rows of `mfa_devices`: portal users' TOTP authenticator apps and WebAuthn authenticators."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from orgstack.store.schema_identity import mfa_devices

TOTP = "TOTP"
WEBAUTHN = "WEBAUTHN"


@dataclass(frozen=True)
class Device:
    device_id: str
    identity_store_id: str
    user_id: str
    kind: str
    name: str
    secret_encrypted: str | None
    last_time_step: int | None
    created_at: dt.datetime
    credential_id: str | None = None
    sign_count: int | None = None
    credential_json: str | None = None


def devices_of(connection: Connection, store_id: str, user_id: str) -> list[Device]:
    """Return the user's devices, oldest first."""
    table = mfa_devices
    rows = connection.execute(
        select(table)
        .where(table.c.identity_store_id == store_id, table.c.user_id == user_id)
        .order_by(table.c.created_at, table.c.device_id)
    )
    return [
        Device(
            device_id=row.device_id,
            identity_store_id=row.identity_store_id,
            user_id=row.user_id,
            kind=row.kind,
            name=row.name,
            secret_encrypted=row.secret_encrypted,
            last_time_step=row.last_time_step,
            created_at=row.created_at,
            credential_id=row.credential_id,
            sign_count=row.sign_count,
            credential_json=row.credential_json,
        )
        for row in rows
    ]


def insert_totp(
    connection: Connection,
    store_id: str,
    user_id: str,
    name: str,
    secret_encrypted: str,
    accepted_step: int,
    now: dt.datetime,
) -> str:
    """Store a confirmed authenticator app; the step of its confirming code counts as used."""
    device_id = "mfa-" + secrets.token_hex(12)
    connection.execute(
        mfa_devices.insert().values(
            device_id=device_id,
            identity_store_id=store_id,
            user_id=user_id,
            kind=TOTP,
            name=name,
            secret_encrypted=secret_encrypted,
            last_time_step=accepted_step,
            credential_json=None,
            created_at=now,
        )
    )
    return device_id


def insert_webauthn(
    connection: Connection,
    store_id: str,
    user_id: str,
    name: str,
    credential_id: str,
    sign_count: int,
    credential_json: str,
    now: dt.datetime,
) -> str | None:
    """Store a verified WebAuthn credential; return None when its id is already registered.

    The insert runs in a savepoint, so a concurrent registration of the same credential id that
    wins the unique index leaves the surrounding transaction usable.
    """
    if credential_registered(connection, credential_id):
        return None
    device_id = "mfa-" + secrets.token_hex(12)
    try:
        with connection.begin_nested():
            connection.execute(
                mfa_devices.insert().values(
                    device_id=device_id,
                    identity_store_id=store_id,
                    user_id=user_id,
                    kind=WEBAUTHN,
                    name=name,
                    secret_encrypted=None,
                    last_time_step=None,
                    credential_json=credential_json,
                    credential_id=credential_id,
                    sign_count=sign_count,
                    created_at=now,
                )
            )
    except IntegrityError:
        return None
    return device_id


def credential_registered(connection: Connection, credential_id: str) -> bool:
    """Tell whether any user of any identity store registered this WebAuthn credential id."""
    row = connection.execute(
        select(mfa_devices.c.device_id).where(mfa_devices.c.credential_id == credential_id)
    ).first()
    return row is not None


def claim_sign_count(connection: Connection, device_id: str, previous: int, new: int) -> bool:
    """Replace the device's signature counter `previous` with `new` in one UPDATE.

    Two requests that verified assertions against the same stored counter cannot both succeed.
    Returns whether this call made the change.
    """
    table = mfa_devices
    result = connection.execute(
        update(table)
        .where(table.c.device_id == device_id, table.c.sign_count == previous)
        .values(sign_count=new)
    )
    return result.rowcount == 1


def claim_time_step(connection: Connection, device_id: str, step: int) -> bool:
    """Record `step` as the device's last accepted step unless it is not newer.

    The check and the write are one UPDATE, so that two replicas racing with the same code
    cannot both succeed. Returns whether this call claimed the step.
    """
    table = mfa_devices
    result = connection.execute(
        update(table)
        .where(
            table.c.device_id == device_id,
            (table.c.last_time_step.is_(None)) | (table.c.last_time_step < step),
        )
        .values(last_time_step=step)
    )
    return result.rowcount == 1


def remove(connection: Connection, store_id: str, user_id: str, device_id: str) -> bool:
    table = mfa_devices
    result = connection.execute(
        delete(table).where(
            table.c.device_id == device_id,
            table.c.identity_store_id == store_id,
            table.c.user_id == user_id,
        )
    )
    return result.rowcount == 1
