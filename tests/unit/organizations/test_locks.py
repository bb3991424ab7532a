"""The organization row lock: one definition, used by the tree, policy and handshake stores."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from orgstack.services.organizations import handshake_store, locks, policy_store, tree
from orgstack.store.schema import organizations


def test_stores_share_one_lock() -> None:
    assert tree.lock_organization is locks.lock_organization
    assert policy_store.lock_organization is locks.lock_organization
    assert handshake_store.lock_organization is locks.lock_organization


def test_lock_query_locks_on_postgresql_only() -> None:
    statements: list[object] = []

    class Recorder:
        def execute(self, statement: object) -> None:
            statements.append(statement)

    locks.lock_organization(Recorder(), "o-abcdefghij")  # type: ignore[arg-type]
    [statement] = statements
    on_postgresql = str(statement.compile(dialect=postgresql.dialect()))  # type: ignore[attr-defined]
    on_sqlite = str(statement.compile(dialect=sqlite.dialect()))  # type: ignore[attr-defined]

    assert on_postgresql.endswith("FOR UPDATE")
    assert "FOR UPDATE" not in on_sqlite
    assert organizations.name in on_postgresql
