"""Tables of the orgstack store (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Times are stored as timezone-aware UTC datetimes. JSON documents that the code only reads whole
(handshake parties, audit records) are stored as text, so both databases treat them alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on both databases.

    SQLite keeps no zone, so values are converted to UTC on the way in and marked UTC on the
    way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("orgstack stores only timezone-aware datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _utc(name: str, nullable: bool = False) -> Column[dt.datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


settings = Table(
    "settings",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
)

# Every AWS account that orgstack knows, inside an organization or standalone.
accounts = Table(
    "accounts",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("email", String(64), nullable=False),
    # Emails are unique across every account, compared without case.
    Column("email_normalized", String(64), nullable=False, unique=True),
    Column("status", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("organization_id", String(40), nullable=True, index=True),
    Column("parent_id", String(80), nullable=True, index=True),
    Column("joined_method", String(16), nullable=True),
    _utc("joined_at", nullable=True),
    _utc("created_at"),
    _utc("status_changed_at", nullable=True),
    # ListAccounts and ListTargetsForPolicy page through an organization's accounts by id.
    Index("ix_accounts_organization_id_id", "organization_id", "id"),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key_id", String(128), primary_key=True),
    Column("account_id", String(12), nullable=False, index=True),
    # The principal the key signs as: the account root, an IAM user or a role session.
    Column("principal_type", String(32), nullable=False),
    Column("principal_arn", String(2048), nullable=False),
    Column("principal_id", String(256), nullable=False),
    Column("secret_encrypted", Text, nullable=False),
    # Temporary credentials only: the session token (encrypted like the secret) and its session.
    Column("session_token_encrypted", Text, nullable=True),
    Column("session_json", Text, nullable=True),
    _utc("expires_at", nullable=True),
    Column("status", String(16), nullable=False),
    _utc("created_at"),
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("arn", String(256), nullable=False),
    Column("feature_set", String(32), nullable=False),
    Column("management_account_id", String(12), nullable=False, unique=True),
    _utc("created_at"),
)

roots = Table(
    "roots",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", String(40), ForeignKey("organizations.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("arn", String(256), nullable=False),
)

root_policy_types = Table(
    "root_policy_types",
    metadata,
    Column("root_id", String(40), ForeignKey("roots.id"), primary_key=True),
    Column("policy_type", String(64), primary_key=True),
    Column("status", String(32), nullable=False),
)

organizational_units = Table(
    "organizational_units",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("organization_id", String(40), ForeignKey("organizations.id"), nullable=False),
    Column("parent_id", String(80), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("arn", String(256), nullable=False),
    # 1 for an OU directly under the root.
    Column("depth", Integer, nullable=False),
    _utc("created_at"),
    UniqueConstraint("parent_id", "name"),
)

policies = Table(
    "policies",
    metadata,
    Column("id", String(140), primary_key=True),
    # NULL for AWS managed policies, which every organization shares.
    Column("organization_id", String(40), nullable=True, index=True),
    Column("name", String(128), nullable=False),
    Column("description", String(512), nullable=False),
    Column("type", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("aws_managed", Boolean, nullable=False),
    Column("arn", String(256), nullable=False),
    _utc("created_at"),
    _utc("updated_at"),
)

policy_attachments = Table(
    "policy_attachments",
    metadata,
    Column("policy_id", String(140), ForeignKey("policies.id"), primary_key=True),
    Column("target_id", String(80), primary_key=True),
    Column("target_type", String(32), nullable=False),
    Column("organization_id", String(40), nullable=False),
    # Attachment order decides how management policies at one level merge.
    Column("sequence", BigInteger, nullable=False),
    _utc("attached_at"),
    Index("ix_policy_attachments_target", "target_id"),
)

tags = Table(
    "tags",
    metadata,
    Column("resource_id", String(140), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
)

create_account_requests = Table(
    "create_account_requests",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", String(40), nullable=False, index=True),
    Column("account_name", String(128), nullable=False),
    Column("email", String(64), nullable=False),
    Column("role_name", String(64), nullable=False),
    Column("iam_user_access_to_billing", String(8), nullable=False),
    Column("tags_json", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("account_id", String(12), nullable=True),
    Column("gov_cloud_account_id", String(12), nullable=True),
    Column("failure_reason", String(64), nullable=True),
    _utc("requested_at"),
    _utc("completed_at", nullable=True),
)

# Durable background work (account creation, later assignment provisioning). On PostgreSQL several
# servers share this table and claim rows with SELECT ... FOR UPDATE SKIP LOCKED.
jobs = Table(
    "jobs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("kind", String(64), nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("state", String(16), nullable=False),
    _utc("run_at"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("locked_by", String(64), nullable=True),
    _utc("locked_until", nullable=True),
    Column("last_error", Text, nullable=True),
    _utc("created_at"),
    Index("ix_jobs_state_run_at", "state", "run_at"),
)

handshakes = Table(
    "handshakes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", String(40), nullable=False, index=True),
    Column("arn", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("parties_json", Text, nullable=False),
    Column("resources_json", Text, nullable=False),
    # The account the handshake is addressed to, when known (invitations by email may not know it).
    Column("target_account_id", String(12), nullable=True, index=True),
    Column("target_email", String(64), nullable=True),
    _utc("requested_at"),
    _utc("expires_at"),
)

delegated_administrators = Table(
    "delegated_administrators",
    metadata,
    Column("organization_id", String(40), nullable=False),
    Column("account_id", String(12), primary_key=True),
    Column("service_principal", String(128), primary_key=True),
    _utc("delegated_at"),
)

service_access = Table(
    "service_access",
    metadata,
    Column("organization_id", String(40), primary_key=True),
    Column("service_principal", String(128), primary_key=True),
    _utc("enabled_at"),
)

resource_policies = Table(
    "resource_policies",
    metadata,
    Column("organization_id", String(40), primary_key=True),
    Column("id", String(40), nullable=False),
    Column("arn", String(256), nullable=False),
    Column("content", Text, nullable=False),
)

responsibility_transfers = Table(
    "responsibility_transfers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("source_organization_id", String(40), nullable=True, index=True),
    Column("target_organization_id", String(40), nullable=True, index=True),
    Column("handshake_id", String(40), nullable=True),
    Column("status", String(32), nullable=False),
    Column("record_json", Text, nullable=False),
    _utc("created_at"),
)

iam_roles = Table(
    "iam_roles",
    metadata,
    Column("account_id", String(12), primary_key=True),
    # IAM role names are unique per account without regard to case.
    Column("name_normalized", String(64), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("role_id", String(32), nullable=False, unique=True),
    Column("arn", String(2048), nullable=False),
    Column("path", String(512), nullable=False),
    Column("assume_role_policy", Text, nullable=False),
    Column("description", String(1000), nullable=False),
    Column("max_session_duration", Integer, nullable=False),
    Column("permissions_boundary_arn", String(2048), nullable=True),
    _utc("created_at"),
)

iam_role_inline_policies = Table(
    "iam_role_inline_policies",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("role_name_normalized", String(64), primary_key=True),
    Column("policy_name", String(128), primary_key=True),
    Column("document", Text, nullable=False),
)

iam_role_attached_policies = Table(
    "iam_role_attached_policies",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("role_name_normalized", String(64), primary_key=True),
    Column("policy_arn", String(2048), primary_key=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    _utc("event_time"),
    Column("event_source", String(128), nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("recipient_account_id", String(12), nullable=True),
    Column("username", String(256), nullable=True),
    Column("access_key_id", String(128), nullable=True),
    Column("read_only", Boolean, nullable=False),
    Column("request_id", String(64), nullable=True),
    Column("record_json", Text, nullable=False),
    # Event history is kept per Region, as CloudTrail keeps it.
    Column("aws_region", String(32), nullable=True),
    Index("ix_audit_events_time", "event_time"),
    Index(
        "ix_audit_events_account_region_time", "recipient_account_id", "aws_region", "event_time"
    ),
    Index("ix_audit_events_name_time", "event_name", "event_time"),
    Index("ix_audit_events_source_time", "event_source", "event_time"),
    Index("ix_audit_events_username_time", "username", "event_time"),
    Index("ix_audit_events_key_time", "access_key_id", "event_time"),
)

audit_event_resources = Table(
    "audit_event_resources",
    metadata,
    Column("event_id", String(36), ForeignKey("audit_events.event_id"), primary_key=True),
    Column("resource_type", String(128), primary_key=True),
    Column("resource_name", String(2048), primary_key=True),
    Index("ix_audit_event_resources_name", "resource_name"),
    Index("ix_audit_event_resources_type", "resource_type"),
)

# Listing the roles that use a managed policy (ListEntitiesForPolicy, AttachmentCount) goes by ARN.
Index(
    "ix_iam_role_attached_policies_policy_arn",
    iam_role_attached_policies.c.account_id,
    iam_role_attached_policies.c.policy_arn,
)

# IAM tag keys are unique per role without regard to case; `key` keeps the case last written.
iam_role_tags = Table(
    "iam_role_tags",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("role_name_normalized", String(64), primary_key=True),
    Column("key_normalized", String(128), primary_key=True),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
)

# Customer managed policies. AWS managed policies are shipped data, not rows.
iam_policies = Table(
    "iam_policies",
    metadata,
    Column("account_id", String(12), primary_key=True),
    # Policy names are unique per account without regard to case.
    Column("name_normalized", String(128), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("policy_id", String(32), nullable=False, unique=True),
    Column("arn", String(2048), nullable=False, index=True),
    Column("path", String(512), nullable=False),
    Column("description", String(1000), nullable=False),
    Column("default_version_id", String(16), nullable=False),
    # IAM never reuses a version id, so the next number is kept rather than derived.
    Column("next_version_number", Integer, nullable=False),
    _utc("created_at"),
    _utc("updated_at"),
)

iam_policy_versions = Table(
    "iam_policy_versions",
    metadata,
    Column("policy_id", String(32), ForeignKey("iam_policies.policy_id"), primary_key=True),
    Column("version_id", String(16), primary_key=True),
    Column("document", Text, nullable=False),
    _utc("created_at"),
)

iam_policy_tags = Table(
    "iam_policy_tags",
    metadata,
    Column("policy_id", String(32), ForeignKey("iam_policies.policy_id"), primary_key=True),
    Column("key_normalized", String(128), primary_key=True),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
)
