"""Create the Identity Center and portal tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 20:24:12.965150
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_assignments",
        sa.Column("instance_arn", sa.String(length=1224), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("permission_set_arn", sa.String(length=1224), nullable=False),
        sa.Column("principal_type", sa.String(length=8), nullable=False),
        sa.Column("principal_id", sa.String(length=47), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "instance_arn",
            "account_id",
            "permission_set_arn",
            "principal_type",
            "principal_id",
            name=op.f("pk_account_assignments"),
        ),
    )
    with op.batch_alter_table("account_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_account_assignments_principal", ["instance_arn", "principal_id"], unique=False
        )
        batch_op.create_index(
            "ix_account_assignments_set", ["permission_set_arn", "account_id"], unique=False
        )

    op.create_table(
        "identitystore_groups",
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=47), nullable=False),
        sa.Column("display_name", sa.String(length=1024), nullable=False),
        sa.Column("display_name_normalized", sa.String(length=1024), nullable=False),
        sa.Column("description", sa.String(length=1024), nullable=True),
        sa.Column("external_ids_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "identity_store_id", "group_id", name=op.f("pk_identitystore_groups")
        ),
        sa.UniqueConstraint(
            "identity_store_id",
            "display_name_normalized",
            name=op.f("uq_identitystore_groups_identity_store_id_display_name_normalized"),
        ),
    )
    op.create_table(
        "identitystore_memberships",
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("membership_id", sa.String(length=47), nullable=False),
        sa.Column("group_id", sa.String(length=47), nullable=False),
        sa.Column("member_user_id", sa.String(length=47), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "identity_store_id", "membership_id", name=op.f("pk_identitystore_memberships")
        ),
        sa.UniqueConstraint(
            "identity_store_id",
            "group_id",
            "member_user_id",
            name=op.f("uq_identitystore_memberships_identity_store_id_group_id_member_user_id"),
        ),
    )
    with op.batch_alter_table("identitystore_memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identitystore_memberships_user",
            ["identity_store_id", "member_user_id"],
            unique=False,
        )

    op.create_table(
        "identitystore_users",
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=47), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("user_name_normalized", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=1024), nullable=True),
        sa.Column("attributes_json", sa.Text(), nullable=False),
        sa.Column("external_ids_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "identity_store_id", "user_id", name=op.f("pk_identitystore_users")
        ),
        sa.UniqueConstraint(
            "identity_store_id",
            "user_name_normalized",
            name=op.f("uq_identitystore_users_identity_store_id_user_name_normalized"),
        ),
    )
    op.create_table(
        "mfa_devices",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=47), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("last_time_step", sa.Integer(), nullable=True),
        sa.Column("credential_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_mfa_devices")),
    )
    with op.batch_alter_table("mfa_devices", schema=None) as batch_op:
        batch_op.create_index("ix_mfa_devices_user", ["identity_store_id", "user_id"], unique=False)

    op.create_table(
        "oidc_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("client_name", sa.String(length=255), nullable=False),
        sa.Column("client_type", sa.String(length=16), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oidc_clients")),
    )
    op.create_table(
        "oidc_grants",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("identity_store_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=47), nullable=True),
        sa.Column("user_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_oidc_grants")),
    )
    with op.batch_alter_table("oidc_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_grants_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oidc_grants_user_code"), ["user_code"], unique=False)

    op.create_table(
        "permission_set_provisioning",
        sa.Column("permission_set_arn", sa.String(length=1224), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("role_name", sa.String(length=64), nullable=False),
        sa.Column("provisioned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "permission_set_arn", "account_id", name=op.f("pk_permission_set_provisioning")
        ),
    )
    op.create_table(
        "permission_sets",
        sa.Column("permission_set_arn", sa.String(length=1224), nullable=False),
        sa.Column("instance_arn", sa.String(length=1224), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=700), nullable=True),
        sa.Column("session_duration", sa.String(length=100), nullable=False),
        sa.Column("relay_state", sa.String(length=240), nullable=True),
        sa.Column("inline_policy", sa.Text(), nullable=True),
        sa.Column("permissions_boundary_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("permission_set_arn", name=op.f("pk_permission_sets")),
        sa.UniqueConstraint(
            "instance_arn", "name", name=op.f("uq_permission_sets_instance_arn_name")
        ),
    )
    with op.batch_alter_table("permission_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permission_sets_instance_arn"), ["instance_arn"], unique=False
        )

    op.create_table(
        "portal_credentials",
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=47), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("identity_store_id", "user_id", name=op.f("pk_portal_credentials")),
    )
    op.create_table(
        "portal_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=47), nullable=True),
        sa.Column("state_json", sa.Text(), nullable=False),
        sa.Column("csrf_token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_portal_sessions")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portal_sessions_user", ["identity_store_id", "user_id"], unique=False
        )

    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(length=256), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_limits")),
    )
    op.create_table(
        "sso_instances",
        sa.Column("instance_arn", sa.String(length=1224), nullable=False),
        sa.Column("identity_store_id", sa.String(length=64), nullable=False),
        sa.Column("owner_account_id", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance_arn", name=op.f("pk_sso_instances")),
        sa.UniqueConstraint("identity_store_id", name=op.f("uq_sso_instances_identity_store_id")),
    )
    with op.batch_alter_table("sso_instances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sso_instances_owner_account_id"), ["owner_account_id"], unique=False
        )

    op.create_table(
        "sso_request_statuses",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("instance_arn", sa.String(length=1224), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_sso_request_statuses")),
    )
    with op.batch_alter_table("sso_request_statuses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sso_request_statuses_instance_arn"), ["instance_arn"], unique=False
        )

    op.create_table(
        "sso_resources",
        sa.Column("resource_arn", sa.String(length=1224), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("instance_arn", sa.String(length=1224), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("resource_arn", "kind", name=op.f("pk_sso_resources")),
    )
    with op.batch_alter_table("sso_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sso_resources_instance_arn"), ["instance_arn"], unique=False
        )

    op.create_table(
        "permission_set_customer_policies",
        sa.Column("permission_set_arn", sa.String(length=1224), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission_set_arn"],
            ["permission_sets.permission_set_arn"],
            name=op.f("fk_permission_set_customer_policies_permission_set_arn_permission_sets"),
        ),
        sa.PrimaryKeyConstraint(
            "permission_set_arn", "name", "path", name=op.f("pk_permission_set_customer_policies")
        ),
    )
    op.create_table(
        "permission_set_managed_policies",
        sa.Column("permission_set_arn", sa.String(length=1224), nullable=False),
        sa.Column("policy_arn", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission_set_arn"],
            ["permission_sets.permission_set_arn"],
            name=op.f("fk_permission_set_managed_policies_permission_set_arn_permission_sets"),
        ),
        sa.PrimaryKeyConstraint(
            "permission_set_arn", "policy_arn", name=op.f("pk_permission_set_managed_policies")
        ),
    )


def downgrade() -> None:
    op.drop_table("permission_set_managed_policies")
    op.drop_table("permission_set_customer_policies")
    with op.batch_alter_table("sso_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_resources_instance_arn"))

    op.drop_table("sso_resources")
    with op.batch_alter_table("sso_request_statuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_request_statuses_instance_arn"))

    op.drop_table("sso_request_statuses")
    with op.batch_alter_table("sso_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_instances_owner_account_id"))

    op.drop_table("sso_instances")
    op.drop_table("rate_limits")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_sessions_user")

    op.drop_table("portal_sessions")
    op.drop_table("portal_credentials")
    with op.batch_alter_table("permission_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permission_sets_instance_arn"))

    op.drop_table("permission_sets")
    op.drop_table("permission_set_provisioning")
    with op.batch_alter_table("oidc_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_grants_user_code"))
        batch_op.drop_index(batch_op.f("ix_oidc_grants_client_id"))

    op.drop_table("oidc_grants")
    op.drop_table("oidc_clients")
    with op.batch_alter_table("mfa_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_mfa_devices_user")

    op.drop_table("mfa_devices")
    op.drop_table("identitystore_users")
    with op.batch_alter_table("identitystore_memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_identitystore_memberships_user")

    op.drop_table("identitystore_memberships")
    op.drop_table("identitystore_groups")
    with op.batch_alter_table("account_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_account_assignments_set")
        batch_op.drop_index("ix_account_assignments_principal")

    op.drop_table("account_assignments")
