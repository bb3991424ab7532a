"""Sign-in settings of an Identity Center instance, kept in `sso_instances.settings_json`.

`portal_session_seconds` is shared with sso-oidc, which sizes access tokens by it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.identity_center import Instance

EVERY_SIGN_IN = "every-sign-in"
CONTEXT_AWARE = "context-aware"
NEVER = "never"
MFA_MODES = (EVERY_SIGN_IN, CONTEXT_AWARE, NEVER)

REQUIRE_REGISTRATION = "require-registration"
BLOCK = "block"
ALLOW = "allow"
NO_DEVICE_BEHAVIOURS = (REQUIRE_REGISTRATION, BLOCK, ALLOW)

# IAM Identity Center's portal session: 8 hours by default, 15 minutes to 90 days.
DEFAULT_SESSION_SECONDS = 8 * 3600
MIN_SESSION_SECONDS = 15 * 60
MAX_SESSION_SECONDS = 90 * 86400


@dataclass(frozen=True)
class SignInSettings:
    mfa_mode: str = EVERY_SIGN_IN
    no_mfa_device: str = REQUIRE_REGISTRATION
    session_seconds: int = DEFAULT_SESSION_SECONDS


def of(instance: Instance) -> SignInSettings:
    """Return the instance's settings, with AWS's defaults for the ones never set."""
    stored = instance.settings
    mode = stored.get("mfa_mode")
    behaviour = stored.get("no_mfa_device")
    seconds = stored.get("portal_session_seconds")
    return SignInSettings(
        mfa_mode=mode if mode in MFA_MODES else EVERY_SIGN_IN,
        no_mfa_device=behaviour if behaviour in NO_DEVICE_BEHAVIOURS else REQUIRE_REGISTRATION,
        session_seconds=_clamp(seconds) if isinstance(seconds, int) else DEFAULT_SESSION_SECONDS,
    )


def _clamp(seconds: int) -> int:
    return max(MIN_SESSION_SECONDS, min(MAX_SESSION_SECONDS, seconds))


def update(
    connection: Connection,
    instance: Instance,
    mfa_mode: str | None,
    no_mfa_device: str | None,
    session_seconds: int | None,
) -> SignInSettings:
    """Store the given settings (None leaves one unchanged) and return the result.

    Raises ValueError for a mode, behaviour or duration outside the allowed values.
    """
    changed: dict[str, Any] = dict(instance.settings)
    if mfa_mode is not None:
        if mfa_mode not in MFA_MODES:
            raise ValueError(
                f"MFA mode `{mfa_mode}` is invalid: use one of {', '.join(MFA_MODES)}."
            )
        changed["mfa_mode"] = mfa_mode
    if no_mfa_device is not None:
        if no_mfa_device not in NO_DEVICE_BEHAVIOURS:
            allowed = ", ".join(NO_DEVICE_BEHAVIOURS)
            raise ValueError(f"behaviour `{no_mfa_device}` is invalid: use one of {allowed}.")
        changed["no_mfa_device"] = no_mfa_device
    if session_seconds is not None:
        if not MIN_SESSION_SECONDS <= session_seconds <= MAX_SESSION_SECONDS:
            raise ValueError(
                f"session duration `{session_seconds}` seconds is out of range: give 15 minutes "
                "to 90 days."
            )
        changed["portal_session_seconds"] = session_seconds

    updated = dataclasses.replace(instance, settings=changed)
    identity_center.save_instance(connection, updated)
    return of(updated)
