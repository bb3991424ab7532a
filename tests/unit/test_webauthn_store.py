"""Store parts of WebAuthn sign-in on a real database: challenges taken once, counters claimed
once, credential ids registered once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from orgstack.secrets_at_rest import SecretBox
from orgstack.services.signin import mfa_store, session_store
from orgstack.services.signin.session_store import PortalSession
from orgstack.store.db import Database
from tests.harness import fresh_database_url

MOMENT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
STORE_ID = "d-1234567890"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with fresh_database_url(tmp_path) as url:
        opened = Database(url)
        opened.upgrade()
        try:
            yield opened
        finally:
            opened.dispose()


def new_session(database: Database, state: dict[str, object]) -> str:
    session_id = session_store.new_session_id()
    session = PortalSession(
        session_hash="",
        identity_store_id=STORE_ID,
        user_id="user-1",
        state=state,
        created_at=MOMENT,
        last_seen_at=MOMENT,
        expires_at=MOMENT + dt.timedelta(hours=1),
    )
    box = SecretBox(Fernet.generate_key())
    with database.transaction() as connection:
        session_store.insert(connection, box, session_id, session)
    return session_id


def test_state_value_is_taken_once(database: Database) -> None:
    session_id = new_session(database, {"webauthn": {"challenge": "abc"}, "step": "done"})
    with database.transaction() as connection:
        first = session_store.find(connection, session_id)
        second = session_store.find(connection, session_id)
    assert first is not None
    assert second is not None

    # Both requests read the same state; only the first to write gets the value.
    with database.transaction() as connection:
        taken = session_store.take_state_value(connection, first, "webauthn", MOMENT)
    with database.transaction() as connection:
        late = session_store.take_state_value(connection, second, "webauthn", MOMENT)
    assert taken == {"challenge": "abc"}
    assert late is None

    with database.transaction() as connection:
        stored = session_store.find(connection, session_id)
        again = session_store.take_state_value(connection, first, "webauthn", MOMENT)
    assert stored is not None
    assert stored.state == {"step": "done"}
    assert again is None


def test_sign_count_is_claimed_once(database: Database) -> None:
    with database.transaction() as connection:
        device_id = mfa_store.insert_webauthn(
            connection, STORE_ID, "user-1", "Key", "Y3JlZA", 4, "{}", MOMENT
        )
    assert device_id is not None

    with database.transaction() as connection:
        assert mfa_store.claim_sign_count(connection, device_id, 4, 5)
        assert not mfa_store.claim_sign_count(connection, device_id, 4, 5)
        devices = mfa_store.devices_of(connection, STORE_ID, "user-1")
    assert [device.sign_count for device in devices] == [5]

    # Counters are 32-bit unsigned, beyond a signed 32-bit column.
    with database.transaction() as connection:
        assert mfa_store.claim_sign_count(connection, device_id, 5, 2**32 - 1)
        devices = mfa_store.devices_of(connection, STORE_ID, "user-1")
    assert [device.sign_count for device in devices] == [2**32 - 1]


def test_credential_id_is_registered_once(database: Database) -> None:
    with database.transaction() as connection:
        first = mfa_store.insert_webauthn(
            connection, STORE_ID, "user-1", "Key", "c2FtZQ", 0, "{}", MOMENT
        )
        # Another user of another store cannot register the same credential.
        second = mfa_store.insert_webauthn(
            connection, "d-other", "user-2", "Key", "c2FtZQ", 0, "{}", MOMENT
        )
        assert mfa_store.credential_registered(connection, "c2FtZQ")
        others = mfa_store.devices_of(connection, "d-other", "user-2")
    assert first is not None
    assert second is None
    assert others == []
