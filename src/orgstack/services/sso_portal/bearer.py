"""Verification of the bearer token that access portal calls carry.

The token is an sso-oidc access token. It is valid while it is unexpired and not revoked, its
user still exists and is enabled, and its instance still exists. The caller it stands for is the
Identity Center user, acting in the account that owns the instance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.auth.principals import IDENTITY_CENTER_USER, Principal
from orgstack.identity_center import Instance
from orgstack.services.identitystore import user_store
from orgstack.services.identitystore.user_store import StoredUser
from orgstack.services.sso_oidc import application_clients, tokens
from orgstack.services.sso_oidc.grant_store import Grant
from orgstack.services.sso_portal.errors import UnauthorizedException

DISABLED = "DISABLED"
# A token that CreateTokenWithIAM issued to an application reaches the portal only with this scope.
PORTAL_SCOPE = "sso:account:access"


@dataclass(frozen=True)
class PortalSession:
    """A verified access token with the user and instance it belongs to."""

    grant: Grant
    user: StoredUser
    instance: Instance

    @property
    def user_name(self) -> str:
        return self.user.attributes.user_name or self.user.user_id


def authenticate(connection: Connection, token: str | None, now: dt.datetime) -> PortalSession:
    """Return the session of `token`; raise UnauthorizedException when it is not valid."""
    if not token:
        raise UnauthorizedException()
    grant = tokens.active_access_token(connection, token, now)
    if grant is None or grant.identity_store_id is None or grant.user_id is None:
        raise UnauthorizedException()
    application_arn = grant.record.get("application_arn")
    if isinstance(application_arn, str) and not _application_admits(connection, grant):
        raise UnauthorizedException()
    user = user_store.find(connection, grant.identity_store_id, grant.user_id)
    if user is None or user.attributes.other.get("UserStatus") == DISABLED:
        raise UnauthorizedException()
    instance = identity_center.find_by_store(connection, grant.identity_store_id)
    if instance is None:
        raise UnauthorizedException()
    return PortalSession(grant, user, instance)


def _application_admits(connection: Connection, grant: Grant) -> bool:
    """Tell whether an application's token may call the portal: scoped so, and still enabled."""
    if PORTAL_SCOPE not in grant.record.get("scopes", []):
        return False
    application = application_clients.find(connection, str(grant.record["application_arn"]))
    return application is not None and application.status == application_clients.ENABLED


def principal(session: PortalSession) -> Principal:
    """Return the caller that the audit trail records for a portal call."""
    return Principal(
        account_id=session.instance.owner_account_id,
        arn=f"arn:aws:identitystore:::user/{session.user.user_id}",
        principal_id=session.user.user_id,
        type=IDENTITY_CENTER_USER,
        access_key_id=None,
        identity_store_arn=session.instance.identity_store_arn,
        credential_id=str(session.grant.record.get("credential_id") or ""),
    )
