"""Alembic environment: migrations run on the connection that orgstack hands over."""

from __future__ import annotations

from alembic import context

from orgstack.store import schema_identity  # noqa: F401  (registers its tables)
from orgstack.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("orgstack runs its migrations itself: start `orgstack serve` to upgrade.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most columns in place, so Alembic copies the table instead.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
