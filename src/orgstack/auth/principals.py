"""The principal a request acts as, after authentication."""

from __future__ import annotations

from dataclasses import dataclass, field

ROOT = "Root"
IAM_USER = "IAMUser"
ASSUMED_ROLE = "AssumedRole"
# A user of an IAM Identity Center identity store, calling the access portal with a bearer token.
IDENTITY_CENTER_USER = "IdentityCenterUser"


@dataclass(frozen=True)
class SessionDetails:
    """What a temporary credential carries: its role, session name, tags and limits."""

    role_arn: str
    role_name: str
    role_id: str
    session_name: str
    session_tags: dict[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    session_policy: str | None = None
    # Managed policies passed as `PolicyArns`, read at each request like the inline session policy.
    session_policy_arns: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_authenticated: bool = False
    issued_at: str | None = None


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, in the terms CloudTrail's `userIdentity` uses."""

    account_id: str
    arn: str
    principal_id: str
    type: str
    access_key_id: str | None
    session: SessionDetails | None = None
    # For an Identity Center user: the identity store and the id of the bearer token used.
    identity_store_arn: str | None = None
    credential_id: str | None = None

    @property
    def is_root(self) -> bool:
        return self.type == ROOT

    @property
    def username(self) -> str | None:
        """Return the name CloudTrail and `aws:username` use: the IAM user's name, else None."""
        if self.type == IAM_USER:
            return self.arn.rsplit("/", 1)[-1]
        return None
