"""Create the IAM managed policy, policy version and role tag tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:15:26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iam_policies",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name_normalized", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("default_version_id", sa.String(length=16), nullable=False),
        sa.Column("next_version_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "name_normalized", name=op.f("pk_iam_policies")),
        sa.UniqueConstraint("policy_id", name=op.f("uq_iam_policies_policy_id")),
    )
    with op.batch_alter_table("iam_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iam_policies_arn"), ["arn"], unique=False)

    op.create_table(
        "iam_role_tags",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("role_name_normalized", sa.String(length=64), nullable=False),
        sa.Column("key_normalized", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "role_name_normalized", "key_normalized", name=op.f("pk_iam_role_tags")
        ),
    )
    op.create_table(
        "iam_policy_tags",
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("key_normalized", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["iam_policies.policy_id"],
            name=op.f("fk_iam_policy_tags_policy_id_iam_policies"),
        ),
        sa.PrimaryKeyConstraint("policy_id", "key_normalized", name=op.f("pk_iam_policy_tags")),
    )
    op.create_table(
        "iam_policy_versions",
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("version_id", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["iam_policies.policy_id"],
            name=op.f("fk_iam_policy_versions_policy_id_iam_policies"),
        ),
        sa.PrimaryKeyConstraint("policy_id", "version_id", name=op.f("pk_iam_policy_versions")),
    )
    with op.batch_alter_table("iam_role_attached_policies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_iam_role_attached_policies_policy_arn", ["account_id", "policy_arn"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("iam_role_attached_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_iam_role_attached_policies_policy_arn")

    op.drop_table("iam_policy_versions")
    op.drop_table("iam_policy_tags")
    op.drop_table("iam_role_tags")
    with op.batch_alter_table("iam_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iam_policies_arn"))

    op.drop_table("iam_policies")
