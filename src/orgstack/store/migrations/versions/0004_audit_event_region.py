"""Record each audit event's Region, and index lookups by account, Region and time

CloudTrail keeps Event history per Region, so LookupEvents filters on the Region the caller signed
for; existing events get their Region from their stored record.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:55:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aws_region", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_audit_events_account_region_time",
            ["recipient_account_id", "aws_region", "event_time"],
            unique=False,
        )

    connection = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("event_id", sa.String),
        sa.column("record_json", sa.Text),
        sa.column("aws_region", sa.String),
    )
    rows = connection.execute(sa.select(events.c.event_id, events.c.record_json)).all()
    for event_id, record_json in rows:
        region = json.loads(record_json).get("awsRegion")
        connection.execute(
            events.update().where(events.c.event_id == event_id).values(aws_region=region)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_account_region_time")
        batch_op.drop_column("aws_region")
