"""Customer managed applications as OAuth clients of CreateTokenWithIAM and `/authorize`.

The `clientId` of CreateTokenWithIAM is an application ARN, and the application's sso-admin
settings decide what it may do. Its grants (PutApplicationGrant) name the grant types it may use.
Its access scopes (PutApplicationAccessScope) name the scopes it may request. Its assignment
configuration sets whether a user must be assigned to it. The actor policy of its IAM
authentication method names who may call CreateTokenWithIAM for it.

Tokens and codes of an application are stored in `oidc_grants` under a client id of at most 64
characters, the ARN's resource part (`ssoins-…/apl-…`). It contains a `/`, which a registered
client's id (URL-safe base64) never does, so the two kinds of client cannot collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.services.identitystore import membership_store
from orgstack.services.sso_admin import application_store
from orgstack.services.sso_admin.application_configuration import DEFAULT_ASSIGNMENT_REQUIRED

APPLICATION_ARN_PREFIX = "arn:aws:sso::"
APPLICATION_MARKER = ":application/"
# The scopes that IAM Identity Center grants every application besides its access scopes (SSO OIDC
# API reference, CreateTokenWithIAM, `scope`).
DEFAULT_SCOPES = ("openid", "aws", "sts:identity_context")
ENABLED = "ENABLED"


@dataclass(frozen=True)
class ApplicationClient:
    """An application with the settings that token issuance reads."""

    arn: str
    name: str
    instance: Instance
    status: str
    grants: dict[str, dict[str, Any]]
    access_scopes: dict[str, list[str]]
    assignment_required: bool

    @property
    def client_id(self) -> str:
        return client_id_of(self.arn)

    def allows(self, grant_type: str) -> bool:
        return grant_type in self.grants

    def grant(self, grant_type: str) -> dict[str, Any]:
        """Return the settings of a grant the application has (`{}` for those without any)."""
        return self.grants.get(grant_type) or {}

    @property
    def available_scopes(self) -> tuple[str, ...]:
        """Return the scopes a token of this application may carry, defaults first."""
        return tuple(dict.fromkeys([*DEFAULT_SCOPES, *self.access_scopes]))


def is_application_arn(value: str) -> bool:
    return value.startswith(APPLICATION_ARN_PREFIX) and APPLICATION_MARKER in value


def client_id_of(application_arn: str) -> str:
    """Return the stored client id of an application: its ARN after `application/`."""
    return application_arn.split(APPLICATION_MARKER, 1)[1]


def find(connection: Connection, application_arn: str) -> ApplicationClient | None:
    """Return the application with its grants and scopes, or None if it or its instance is gone."""
    if not is_application_arn(application_arn):
        return None
    found = application_store.find(connection, application_store.APPLICATION, application_arn)
    if found is None:
        return None
    instance = identity_center.find_by_arn(connection, found.instance_arn)
    if instance is None:
        return None

    grants = {
        item.record["GrantType"]: _grant_settings(item.record)
        for item in application_store.under(connection, application_store.GRANT, found.key)
    }
    scopes = {
        item.record["Scope"]: list(item.record.get("AuthorizedTargets") or [])
        for item in application_store.under(connection, application_store.ACCESS_SCOPE, found.key)
    }
    return ApplicationClient(
        arn=found.key,
        name=str(found.record.get("Name") or ""),
        instance=instance,
        status=str(found.record.get("Status") or ENABLED),
        grants=grants,
        access_scopes=scopes,
        assignment_required=bool(
            found.record.get("AssignmentRequired", DEFAULT_ASSIGNMENT_REQUIRED)
        ),
    )


def _grant_settings(record: dict[str, Any]) -> dict[str, Any]:
    # The Grant union has one member, named after the grant type (AuthorizationCode, JwtBearer…).
    members = list((record.get("Grant") or {}).values())
    return dict(members[0] or {}) if members else {}


def actor_policy(connection: Connection, application_arn: str) -> str | None:
    """Return the actor policy of the application's IAM authentication method as JSON, or None."""
    if not is_application_arn(application_arn):
        return None
    key = f"{application_arn}/authentication-method/IAM"
    found = application_store.find(connection, application_store.AUTHENTICATION_METHOD, key)
    if found is None:
        return None
    policy = (found.record.get("AuthenticationMethod") or {}).get("Iam", {}).get("ActorPolicy")
    return orjson.dumps(policy).decode() if isinstance(policy, dict) else None


def is_assigned(connection: Connection, application: ApplicationClient, user_id: str) -> bool:
    """Tell whether the user may use the application: directly, through a group, or freely.

    An application that does not require assignments admits every user of its instance.
    """
    if not application.assignment_required:
        return True
    assignments = application_store.under(connection, application_store.ASSIGNMENT, application.arn)
    if any(
        item.record["PrincipalType"] == "USER" and item.record["PrincipalId"] == user_id
        for item in assignments
    ):
        return True
    group_ids = [
        item.record["PrincipalId"]
        for item in assignments
        if item.record["PrincipalType"] == "GROUP"
    ]
    if not group_ids:
        return False
    store_id = application.instance.identity_store_id
    return bool(membership_store.groups_joined(connection, store_id, user_id, group_ids))
