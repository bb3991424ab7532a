"""Access and refresh tokens of the access portal: issue, verify, rotate and revoke.

Tokens are opaque random strings, stored only as hashes with the user, the identity store, the
instance and the expiry. An access token lasts the instance's portal session duration (8 hours
unless the instance sets `portal_session_seconds`); a refresh token lasts 90 days. All tokens
issued from one sign-in share a `family` id, so that signing out or replaying a rotated refresh
token ends them together.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.services.sso_oidc import grant_store
from orgstack.services.sso_oidc.grant_store import ACCESS_TOKEN, ACTIVE, REFRESH_TOKEN, Grant

TOKEN_TYPE = "Bearer"  # noqa: S105 (the OAuth token type name)
# The portal session duration of IAM Identity Center: 8 hours by default, 15 minutes to 90 days.
DEFAULT_SESSION_SECONDS = 8 * 3600
MIN_SESSION_SECONDS = 15 * 60
MAX_SESSION_SECONDS = 90 * 86400
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=90)
# Long enough that guessing one is hopeless: 64 random bytes.
TOKEN_BYTES = 64


@dataclass(frozen=True)
class Subject:
    """The signed-in user that tokens are issued to."""

    identity_store_id: str
    user_id: str
    instance_arn: str


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str | None
    family: str
    instance_arn: str = ""
    credential_id: str = ""

    def as_result(self) -> dict[str, object]:
        result: dict[str, object] = {
            "accessToken": self.access_token,
            "tokenType": TOKEN_TYPE,
            "expiresIn": self.expires_in,
        }
        if self.refresh_token is not None:
            result["refreshToken"] = self.refresh_token
        return result


def session_seconds(connection: Connection, instance_arn: str) -> int:
    """Return the instance's portal session duration in seconds, clamped to AWS's range."""
    instance = identity_center.find_by_arn(connection, instance_arn)
    configured = instance.settings.get("portal_session_seconds") if instance else None
    if not isinstance(configured, int):
        return DEFAULT_SESSION_SECONDS
    return max(MIN_SESSION_SECONDS, min(MAX_SESSION_SECONDS, configured))


def issue(
    connection: Connection,
    client_id: str,
    subject: Subject,
    scopes: list[str],
    now: dt.datetime,
    with_refresh: bool,
    family: str | None = None,
    lifetime_seconds: int | None = None,
    details: dict[str, object] | None = None,
) -> IssuedTokens:
    """Store a new access token (and refresh token when `with_refresh`) and return them.

    The access token lasts `lifetime_seconds`, or the instance's portal session duration when
    None. `details` are kept in both tokens' records (the application of CreateTokenWithIAM).
    """
    family = family or secrets.token_hex(16)
    lifetime = lifetime_seconds or session_seconds(connection, subject.instance_arn)
    record: dict[str, object] = {
        **(details or {}),
        "instance_arn": subject.instance_arn,
        "scopes": scopes,
        "family": family,
    }

    access_token = secrets.token_urlsafe(TOKEN_BYTES)
    # CloudTrail names the access token of a portal call by this id (`credentialId`).
    credential_id = str(uuid.uuid4())
    access_record = {**record, "credential_id": credential_id}
    _insert(
        connection, ACCESS_TOKEN, access_token, client_id, subject, access_record, now, lifetime
    )

    refresh_token = None
    if with_refresh:
        refresh_token = secrets.token_urlsafe(TOKEN_BYTES)
        refresh_seconds = int(REFRESH_TOKEN_LIFETIME.total_seconds())
        _insert(
            connection, REFRESH_TOKEN, refresh_token, client_id, subject, record, now,
            refresh_seconds,
        )  # fmt: skip
    return IssuedTokens(
        access_token, lifetime, refresh_token, family, subject.instance_arn, credential_id
    )


def _insert(
    connection: Connection,
    kind: str,
    token: str,
    client_id: str,
    subject: Subject,
    record: dict[str, object],
    now: dt.datetime,
    lifetime_seconds: int,
) -> None:
    grant_store.insert(
        connection,
        Grant(
            token_hash=grant_store.hash_secret(token),
            kind=kind,
            client_id=client_id,
            identity_store_id=subject.identity_store_id,
            user_id=subject.user_id,
            user_code=None,
            status=ACTIVE,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=lifetime_seconds),
            last_polled_at=None,
            record=record,
        ),
    )


def subject_of(grant: Grant) -> Subject:
    return Subject(
        identity_store_id=str(grant.identity_store_id),
        user_id=str(grant.user_id),
        instance_arn=str(grant.record.get("instance_arn", "")),
    )


def active_access_token(connection: Connection, token: str, now: dt.datetime) -> Grant | None:
    """Return the access token's grant when it exists, is not revoked and has not expired."""
    grant = grant_store.find(connection, ACCESS_TOKEN, token)
    if grant is None or grant.status != ACTIVE or grant.is_expired(now):
        return None
    return grant


def revoke_session(connection: Connection, grant: Grant) -> None:
    """End the sign-in session that `grant` belongs to: its access and refresh tokens."""
    family = grant.record.get("family")
    if isinstance(family, str):
        grant_store.revoke_family(connection, grant.client_id, family)
    else:
        grant_store.set_status(connection, grant.token_hash, grant_store.REVOKED)
