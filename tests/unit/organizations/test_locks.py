"""The organization row lock: one definition, used by the tree, policy and handshake stores."""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.dialects import postgresql

from orgstack.services.organizations import handshake_store, locks, policy_store, tree
from orgstack.store.schema import metadata, organizations


def test_stores_share_one_lock() -> None:
    assert tree.lock_organization is locks.lock_organization
    assert policy_store.lock_organization is locks.lock_organization
    assert handshake_store.lock_organization is locks.lock_organization


def test_lock_statement_locks_row_on_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    compiled = str(locks.LOCK_ORGANIZATION.compile(dialect=dialect))

    assert compiled.endswith("FOR UPDATE")
    assert organizations.name in compiled


def test_lock_runs_no_statement_on_sqlite() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    with engine.begin() as connection:
        locks.lock_organization(connection, "o-abcdefghij")

    assert statements == []
