"""Tables of IAM Identity Center: instances, the identity store, permission sets, assignments,
the sign-in and token state of the access portal and its OIDC service.

Tokens, codes and session ids are stored only as SHA-256 hashes, so a copy of the database does not
hand out live credentials; MFA secrets are encrypted with the master key like access-key secrets.
Several replicas share this state through the database (rate-limit counters included).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from orgstack.store.schema import UtcDateTime, metadata

sso_instances = Table(
    "sso_instances",
    metadata,
    Column("instance_arn", String(1224), primary_key=True),
    Column("identity_store_id", String(64), nullable=False, unique=True),
    Column("owner_account_id", String(12), nullable=False, index=True),
    # ORGANIZATION for the organization instance, ACCOUNT for an account instance.
    Column("kind", String(16), nullable=False),
    Column("name", String(255), nullable=True),
    Column("status", String(32), nullable=False),
    # Sign-in settings: MFA mode, behaviour without a device, portal session duration.
    Column("settings_json", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

identitystore_users = Table(
    "identitystore_users",
    metadata,
    Column("identity_store_id", String(64), primary_key=True),
    Column("user_id", String(47), primary_key=True),
    Column("user_name", String(128), nullable=False),
    # User names are unique per identity store without regard to case.
    Column("user_name_normalized", String(128), nullable=False),
    Column("display_name", String(1024), nullable=True),
    # The other attributes of the User shape (Name, Emails, Addresses …) as the API returns them.
    Column("attributes_json", Text, nullable=False),
    Column("external_ids_json", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("identity_store_id", "user_name_normalized"),
)

identitystore_groups = Table(
    "identitystore_groups",
    metadata,
    Column("identity_store_id", String(64), primary_key=True),
    Column("group_id", String(47), primary_key=True),
    Column("display_name", String(1024), nullable=False),
    Column("display_name_normalized", String(1024), nullable=False),
    Column("description", String(1024), nullable=True),
    Column("external_ids_json", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("identity_store_id", "display_name_normalized"),
)

identitystore_memberships = Table(
    "identitystore_memberships",
    metadata,
    Column("identity_store_id", String(64), primary_key=True),
    Column("membership_id", String(47), primary_key=True),
    Column("group_id", String(47), nullable=False),
    Column("member_user_id", String(47), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("identity_store_id", "group_id", "member_user_id"),
    Index("ix_identitystore_memberships_user", "identity_store_id", "member_user_id"),
)

permission_sets = Table(
    "permission_sets",
    metadata,
    Column("permission_set_arn", String(1224), primary_key=True),
    Column("instance_arn", String(1224), nullable=False, index=True),
    Column("name", String(32), nullable=False),
    Column("description", String(700), nullable=True),
    Column("session_duration", String(100), nullable=False),
    Column("relay_state", String(240), nullable=True),
    Column("inline_policy", Text, nullable=True),
    # The boundary as the API takes it: a customer managed policy reference or a managed policy ARN.
    Column("permissions_boundary_json", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # Changes after a provisioning make that account's role OUTDATED until provisioned again.
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("instance_arn", "name"),
)

permission_set_managed_policies = Table(
    "permission_set_managed_policies",
    metadata,
    Column(
        "permission_set_arn",
        String(1224),
        ForeignKey("permission_sets.permission_set_arn"),
        primary_key=True,
    ),
    Column("policy_arn", String(2048), primary_key=True),
)

permission_set_customer_policies = Table(
    "permission_set_customer_policies",
    metadata,
    Column(
        "permission_set_arn",
        String(1224),
        ForeignKey("permission_sets.permission_set_arn"),
        primary_key=True,
    ),
    Column("name", String(128), primary_key=True),
    Column("path", String(512), primary_key=True),
)

permission_set_provisioning = Table(
    "permission_set_provisioning",
    metadata,
    Column("permission_set_arn", String(1224), primary_key=True),
    Column("account_id", String(12), primary_key=True),
    Column("role_name", String(64), nullable=False),
    Column("provisioned_at", UtcDateTime(), nullable=False),
)

account_assignments = Table(
    "account_assignments",
    metadata,
    Column("instance_arn", String(1224), primary_key=True),
    Column("account_id", String(12), primary_key=True),
    Column("permission_set_arn", String(1224), primary_key=True),
    Column("principal_type", String(8), primary_key=True),
    Column("principal_id", String(47), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_account_assignments_principal", "instance_arn", "principal_id"),
    Index("ix_account_assignments_set", "permission_set_arn", "account_id"),
)

# The status records of sso-admin's asynchronous requests (assignment creation and deletion,
# permission set provisioning), which the Describe…Status and List…Status operations return.
sso_request_statuses = Table(
    "sso_request_statuses",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("instance_arn", String(1224), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Resources of sso-admin that are stored and returned whole: applications, application
# assignments and access scopes, trusted token issuers, access control attributes, tags.
sso_resources = Table(
    "sso_resources",
    metadata,
    Column("resource_arn", String(1224), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("instance_arn", String(1224), nullable=False, index=True),
    Column("record_json", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

portal_credentials = Table(
    "portal_credentials",
    metadata,
    Column("identity_store_id", String(64), primary_key=True),
    Column("user_id", String(47), primary_key=True),
    # argon2id hash.
    Column("password_hash", Text, nullable=True),
    # A one-time password from an administrator reset must be changed at the next sign-in.
    Column("must_change_password", Boolean, nullable=False),
    Column("password_set_at", UtcDateTime(), nullable=True),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
)

mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("identity_store_id", String(64), nullable=False),
    Column("user_id", String(47), nullable=False),
    # TOTP or WEBAUTHN.
    Column("kind", String(16), nullable=False),
    Column("name", String(128), nullable=False),
    Column("secret_encrypted", Text, nullable=True),
    # The last TOTP time step accepted, so each code is usable once.
    Column("last_time_step", Integer, nullable=True),
    # WebAuthn: the public key, transports and AAGUID of the credential, as JSON.
    Column("credential_json", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # WebAuthn: the base64url credential id (at most 1023 bytes raw). It is unique across every
    # user, because a relying party must not register one credential to two accounts.
    Column("credential_id", String(1400), nullable=True),
    # WebAuthn: the authenticator's signature counter (32-bit unsigned) from its last assertion.
    Column("sign_count", BigInteger, nullable=True),
    Index("ix_mfa_devices_user", "identity_store_id", "user_id"),
    Index("ix_mfa_devices_credential_id", "credential_id", unique=True),
)

portal_sessions = Table(
    "portal_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("identity_store_id", String(64), nullable=False),
    Column("user_id", String(47), nullable=True),
    # The sign-in steps passed so far: username, password, mfa.
    Column("state_json", Text, nullable=False),
    Column("csrf_token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index("ix_portal_sessions_user", "identity_store_id", "user_id"),
)

oidc_clients = Table(
    "oidc_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("client_name", String(255), nullable=False),
    Column("client_type", String(16), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# Device codes, authorization codes, access tokens and refresh tokens of sso-oidc.
oidc_grants = Table(
    "oidc_grants",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    # DEVICE_CODE, AUTHORIZATION_CODE, ACCESS_TOKEN or REFRESH_TOKEN.
    Column("kind", String(24), nullable=False),
    Column("client_id", String(64), nullable=False, index=True),
    Column("identity_store_id", String(64), nullable=True),
    Column("user_id", String(47), nullable=True),
    # For device codes: the user code (normalised), which the approval page looks up.
    Column("user_code", String(16), nullable=True, index=True),
    Column("status", String(16), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_polled_at", UtcDateTime(), nullable=True),
)

# Fixed-window counters for rate limits and lockouts, shared by every replica.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", String(256), primary_key=True),
    Column("window_start", UtcDateTime(), primary_key=True),
    Column("count", Integer, nullable=False),
)
