"""Index accounts by organization and id, the order ListAccounts pages in

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_organization_id_id", ["organization_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_organization_id_id")
