"""Store WebAuthn credentials as MFA devices: a unique credential id and the signature counter

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mfa_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_id", sa.String(length=1400), nullable=True))
        batch_op.add_column(sa.Column("sign_count", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_mfa_devices_credential_id", ["credential_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("mfa_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_mfa_devices_credential_id")
        batch_op.drop_column("sign_count")
        batch_op.drop_column("credential_id")
