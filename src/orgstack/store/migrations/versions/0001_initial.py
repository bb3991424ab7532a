"""Create the organizations, IAM role, job and audit tables

Revision ID: 0001
Revises:
Create Date: 2026-12-04 20:02:37.745477
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("principal_type", sa.String(length=32), nullable=False),
        sa.Column("principal_arn", sa.String(length=2048), nullable=False),
        sa.Column("principal_id", sa.String(length=256), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("session_token_encrypted", sa.Text(), nullable=True),
        sa.Column("session_json", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_access_keys")),
    )
    with op.batch_alter_table("access_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_keys_account_id"), ["account_id"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=64), nullable=False),
        sa.Column("email_normalized", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("parent_id", sa.String(length=80), nullable=True),
        sa.Column("joined_method", sa.String(length=16), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email_normalized", name=op.f("uq_accounts_email_normalized")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_source", sa.String(length=128), nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("recipient_account_id", sa.String(length=12), nullable=True),
        sa.Column("username", sa.String(length=256), nullable=True),
        sa.Column("access_key_id", sa.String(length=128), nullable=True),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_key_time", ["access_key_id", "event_time"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_name_time", ["event_name", "event_time"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_source_time", ["event_source", "event_time"], unique=False
        )
        batch_op.create_index("ix_audit_events_time", ["event_time"], unique=False)
        batch_op.create_index(
            "ix_audit_events_username_time", ["username", "event_time"], unique=False
        )

    op.create_table(
        "create_account_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("account_name", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=64), nullable=False),
        sa.Column("role_name", sa.String(length=64), nullable=False),
        sa.Column("iam_user_access_to_billing", sa.String(length=8), nullable=False),
        sa.Column("tags_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("gov_cloud_account_id", sa.String(length=12), nullable=True),
        sa.Column("failure_reason", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_create_account_requests")),
    )
    with op.batch_alter_table("create_account_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_create_account_requests_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "delegated_administrators",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("service_principal", sa.String(length=128), nullable=False),
        sa.Column("delegated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "service_principal", name=op.f("pk_delegated_administrators")
        ),
    )
    op.create_table(
        "handshakes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("arn", sa.String(length=256), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("parties_json", sa.Text(), nullable=False),
        sa.Column("resources_json", sa.Text(), nullable=False),
        sa.Column("target_account_id", sa.String(length=12), nullable=True),
        sa.Column("target_email", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handshakes")),
    )
    with op.batch_alter_table("handshakes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handshakes_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_handshakes_target_account_id"), ["target_account_id"], unique=False
        )

    op.create_table(
        "iam_role_attached_policies",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("role_name_normalized", sa.String(length=64), nullable=False),
        sa.Column("policy_arn", sa.String(length=2048), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id",
            "role_name_normalized",
            "policy_arn",
            name=op.f("pk_iam_role_attached_policies"),
        ),
    )
    op.create_table(
        "iam_role_inline_policies",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("role_name_normalized", sa.String(length=64), nullable=False),
        sa.Column("policy_name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id",
            "role_name_normalized",
            "policy_name",
            name=op.f("pk_iam_role_inline_policies"),
        ),
    )
    op.create_table(
        "iam_roles",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name_normalized", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("assume_role_policy", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("max_session_duration", sa.Integer(), nullable=False),
        sa.Column("permissions_boundary_arn", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "name_normalized", name=op.f("pk_iam_roles")),
        sa.UniqueConstraint("role_id", name=op.f("uq_iam_roles_role_id")),
    )
    op.create_table(
        "jobs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_state_run_at", ["state", "run_at"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("arn", sa.String(length=256), nullable=False),
        sa.Column("feature_set", sa.String(length=32), nullable=False),
        sa.Column("management_account_id", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint(
            "management_account_id", name=op.f("uq_organizations_management_account_id")
        ),
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=140), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("aws_managed", sa.Boolean(), nullable=False),
        sa.Column("arn", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policies_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "resource_policies",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("arn", sa.String(length=256), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_resource_policies")),
    )
    op.create_table(
        "responsibility_transfers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_organization_id", sa.String(length=40), nullable=True),
        sa.Column("target_organization_id", sa.String(length=40), nullable=True),
        sa.Column("handshake_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responsibility_transfers")),
    )
    with op.batch_alter_table("responsibility_transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_responsibility_transfers_source_organization_id"),
            ["source_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_responsibility_transfers_target_organization_id"),
            ["target_organization_id"],
            unique=False,
        )

    op.create_table(
        "service_access",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("service_principal", sa.String(length=128), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id", "service_principal", name=op.f("pk_service_access")
        ),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "tags",
        sa.Column("resource_id", sa.String(length=140), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "key", name=op.f("pk_tags")),
    )
    op.create_table(
        "audit_event_resources",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("resource_type", sa.String(length=128), nullable=False),
        sa.Column("resource_name", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.event_id"],
            name=op.f("fk_audit_event_resources_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "resource_type", "resource_name", name=op.f("pk_audit_event_resources")
        ),
    )
    with op.batch_alter_table("audit_event_resources", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_resources_name", ["resource_name"], unique=False)
        batch_op.create_index("ix_audit_event_resources_type", ["resource_type"], unique=False)

    op.create_table(
        "organizational_units",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("arn", sa.String(length=256), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organizational_units_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizational_units")),
        sa.UniqueConstraint(
            "parent_id", "name", name=op.f("uq_organizational_units_parent_id_name")
        ),
    )
    with op.batch_alter_table("organizational_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organizational_units_parent_id"), ["parent_id"], unique=False
        )

    op.create_table(
        "policy_attachments",
        sa.Column("policy_id", sa.String(length=140), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_policy_attachments_policy_id_policies")
        ),
        sa.PrimaryKeyConstraint("policy_id", "target_id", name=op.f("pk_policy_attachments")),
    )
    with op.batch_alter_table("policy_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_policy_attachments_target", ["target_id"], unique=False)

    op.create_table(
        "roots",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("arn", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_roots_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roots")),
    )
    op.create_table(
        "root_policy_types",
        sa.Column("root_id", sa.String(length=40), nullable=False),
        sa.Column("policy_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["root_id"], ["roots.id"], name=op.f("fk_root_policy_types_root_id_roots")
        ),
        sa.PrimaryKeyConstraint("root_id", "policy_type", name=op.f("pk_root_policy_types")),
    )


def downgrade() -> None:
    op.drop_table("root_policy_types")
    op.drop_table("roots")
    with op.batch_alter_table("policy_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_attachments_target")

    op.drop_table("policy_attachments")
    with op.batch_alter_table("organizational_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizational_units_parent_id"))

    op.drop_table("organizational_units")
    with op.batch_alter_table("audit_event_resources", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_resources_type")
        batch_op.drop_index("ix_audit_event_resources_name")

    op.drop_table("audit_event_resources")
    op.drop_table("tags")
    op.drop_table("settings")
    op.drop_table("service_access")
    with op.batch_alter_table("responsibility_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responsibility_transfers_target_organization_id"))
        batch_op.drop_index(batch_op.f("ix_responsibility_transfers_source_organization_id"))

    op.drop_table("responsibility_transfers")
    op.drop_table("resource_policies")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_organization_id"))

    op.drop_table("policies")
    op.drop_table("organizations")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_state_run_at")

    op.drop_table("jobs")
    op.drop_table("iam_roles")
    op.drop_table("iam_role_inline_policies")
    op.drop_table("iam_role_attached_policies")
    with op.batch_alter_table("handshakes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handshakes_target_account_id"))
        batch_op.drop_index(batch_op.f("ix_handshakes_organization_id"))

    op.drop_table("handshakes")
    op.drop_table("delegated_administrators")
    with op.batch_alter_table("create_account_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_create_account_requests_organization_id"))

    op.drop_table("create_account_requests")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_username_time")
        batch_op.drop_index("ix_audit_events_time")
        batch_op.drop_index("ix_audit_events_source_time")
        batch_op.drop_index("ix_audit_events_name_time")
        batch_op.drop_index("ix_audit_events_key_time")

    op.drop_table("audit_events")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_parent_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_organization_id"))

    op.drop_table("accounts")
    with op.batch_alter_table("access_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_keys_account_id"))

    op.drop_table("access_keys")
