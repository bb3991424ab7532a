"""CloudTrail records of portal sign-in and portal actions.

Sign-in steps go to `signin.amazonaws.com` (CredentialChallenge, CredentialVerification,
UserAuthentication), each with `AuthWorkflowID` tying the steps of one sign-in together and
`CredentialType` naming the factor. Portal actions go to `sso.amazonaws.com`. Callers write the
record in the same transaction as the change it describes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from orgstack.audit.events import AuditEvent, service_event

SUCCESS = "Success"
FAILURE = "Failure"
PASSWORD = "PASSWORD"  # noqa: S105 (a credential type name, not a secret)
TOTP = "TOTP"
WEBAUTHN = "WEBAUTHN"

SIGNIN_SOURCE = "signin.amazonaws.com"
SSO_SOURCE = "sso.amazonaws.com"
# NOTE: the sources and names of self-service MFA and password changes and of consent decisions
# (ApproveDeviceAuthorization …) are this project's choice; AWS's sign-in guide does not list them.
DIRECTORY_SOURCE = "sso-directory.amazonaws.com"


@dataclass(frozen=True)
class Actor:
    """The user and client address that the record's identity and source fields show."""

    account_id: str
    user_id: str | None
    user_name: str
    source_ip: str
    user_agent: str


def record(
    source: str,
    event_name: str,
    actor: Actor,
    now: dt.datetime,
    outcome: str | None = None,
    additional: dict[str, Any] | None = None,
    resources: list[tuple[str, str]] | None = None,
) -> AuditEvent:
    """Build one event; `outcome` (Success or Failure) goes to `serviceEventDetails`."""
    event = service_event("sso", event_name, actor.account_id, now, {}, resources=resources)
    fields = event.record
    fields["eventSource"] = source
    fields["userIdentity"] = {
        "type": "Unknown",
        "principalId": actor.user_id or "",
        "accountId": actor.account_id,
        "accessKeyId": "",
        "userName": actor.user_name,
    }
    fields["sourceIPAddress"] = actor.source_ip
    fields["userAgent"] = actor.user_agent
    fields["serviceEventDetails"] = {event_name: outcome} if outcome else None
    if additional:
        fields["additionalEventData"] = additional
    return event


def signin_step(
    event_name: str,
    actor: Actor,
    now: dt.datetime,
    workflow_id: str,
    outcome: str,
    credential_type: str,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    additional = {"AuthWorkflowID": workflow_id, "CredentialType": credential_type, **(extra or {})}
    return record(SIGNIN_SOURCE, event_name, actor, now, outcome, additional)
