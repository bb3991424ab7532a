"""Self-service sign-in changes of a signed-in portal user: re-authentication, a new password,
and registering or removing MFA devices (authenticator apps, security keys and passkeys).

Changing a password or an MFA device needs a re-authentication (password, and a TOTP code or a
security key's assertion when the user has a device) within the last five minutes, so that an
unattended browser is not enough.
"""

from __future__ import annotations

import datetime as dt

from orgstack.identity_center import Instance
from orgstack.services.signin import (
    credential_store,
    events,
    flow,
    mfa_store,
    passwords,
    portal_access,
    rate_limits,
    session_store,
    totp,
    webauthn_mfa,
)
from orgstack.services.signin.context import StepContext, enabled_user, user_name_of
from orgstack.services.signin.session_store import PortalSession
from orgstack.services.signin.webauthn_mfa import RelyingParty

REAUTH_VALIDITY = dt.timedelta(minutes=5)
# Signed-in sessions end after this long without a request, and at `expires_at` regardless.
IDLE_TIMEOUT = dt.timedelta(hours=1)
TOO_MANY_DEVICES = f"You already have {totp.MAX_DEVICES} authenticator apps. Remove one first."
ALREADY_REGISTERED = "This security key or passkey is already registered. Use another one."
TOO_MANY_SECURITY_KEYS = (
    f"You already have {webauthn_mfa.MAX_DEVICES} security keys or passkeys, the maximum. "
    "Remove one before you register another."
)


def signed_in(context: StepContext, session_id: str | None) -> PortalSession | None:
    """Return the signed-in session of the cookie's id, or None when it is missing or ended.

    A session ends when revoked, at its absolute expiry, or after the idle timeout. A live
    session's last-seen time moves forward.
    """
    if not session_id:
        return None
    session = session_store.find(context.connection, session_id)
    if session is None or session.user_id is None or session.revoked_at is not None:
        return None
    if session.expires_at is None or context.now >= session.expires_at:
        return None
    if session.last_seen_at is None or context.now - session.last_seen_at >= IDLE_TIMEOUT:
        return None
    if enabled_user(context.connection, session.identity_store_id, session.user_id) is None:
        return None
    session_store.touch(context.connection, session, context.now)
    return session


def recently_authenticated(context: StepContext, session: PortalSession) -> bool:
    moment = session.state.get("reauth_at") or session.state.get("authenticated_at")
    if not isinstance(moment, str):
        return False
    return context.now - dt.datetime.fromisoformat(moment) < REAUTH_VALIDITY


def reauthenticate(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    relying_party: RelyingParty,
    password: str,
    code: str,
    webauthn_response: str,
) -> str | None:
    """Check the password, and a TOTP code or a security key's assertion for a user with an MFA
    device. Returns None on success, or else the message to show."""
    user_id = str(session.user_id)
    user_key = f"{instance.identity_store_id}:{user_id}"
    if rate_limits.is_blocked(
        context.connection, rate_limits.IP_SIGN_IN, context.source_ip, context.now
    ) or rate_limits.is_blocked(
        context.connection, rate_limits.USER_SIGN_IN, user_key, context.now
    ):
        return flow.TOO_MANY.format(minutes=max(1, rate_limits.retry_after(context.now) // 60))

    credential = credential_store.find(context.connection, instance.identity_store_id, user_id)
    devices = mfa_store.devices_of(context.connection, instance.identity_store_id, user_id)
    password_ok = passwords.verify(credential.password_hash if credential else None, password)
    # The second factor is checked only after the password, so a wrong password spends neither
    # a TOTP time step nor the WebAuthn challenge.
    second_ok = not devices or (
        password_ok
        and _second_factor_ok(context, session, relying_party, devices, code, webauthn_response)
    )
    if not (password_ok and second_ok):
        rate_limits.record_failure(
            context.connection, rate_limits.IP_SIGN_IN, context.source_ip, context.now
        )
        rate_limits.record_failure(
            context.connection, rate_limits.USER_SIGN_IN, user_key, context.now
        )
        if not password_ok:
            return flow.WRONG_CREDENTIALS
        return flow.WRONG_SECURITY_KEY if webauthn_response else flow.WRONG_CODE

    session.state["reauth_at"] = context.now.isoformat()
    session_store.save_state(context.connection, session, context.now)
    return None


def _second_factor_ok(
    context: StepContext,
    session: PortalSession,
    relying_party: RelyingParty,
    devices: list[mfa_store.Device],
    code: str,
    webauthn_response: str,
) -> bool:
    if webauthn_response:
        device = webauthn_mfa.verify_assertion(
            context, session, relying_party, devices, webauthn_response
        )
        return device is not None
    accepted = totp.verify_with_devices(context.connection, context.box, devices, code, context.now)
    return accepted is not None


def reauthentication_options(
    context: StepContext, session: PortalSession, relying_party: RelyingParty
) -> str | None:
    """Return the WebAuthn options of the re-authentication page, or None without a key."""
    devices = mfa_store.devices_of(
        context.connection, session.identity_store_id, str(session.user_id)
    )
    if not webauthn_mfa.webauthn_devices(devices):
        return None
    return webauthn_mfa.authentication_options(context, session, relying_party, devices)


def change_password(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    new_password: str,
    confirmation: str,
) -> str | None:
    """Set a new password and end the user's other sessions; return the problem or None."""
    user = enabled_user(context.connection, instance.identity_store_id, session.user_id)
    if user is None:
        return flow.WRONG_CREDENTIALS
    if new_password != confirmation:
        return "The new passwords do not match."
    problems = passwords.problems_with(new_password, user_name_of(user))
    if problems:
        return " ".join(problems)

    credential_store.save(
        context.connection,
        instance.identity_store_id,
        user.user_id,
        passwords.hash_password(new_password),
        must_change=False,
        now=context.now,
    )
    _end_other_sessions(context, session)
    _record(context, instance, session, user_name_of(user), "UpdatePassword")
    return None


def begin_registration(context: StepContext, session: PortalSession) -> str:
    """Create a new authenticator app's secret, kept encrypted in the session until confirmed."""
    secret = totp.new_secret()
    session.state["pending_secret"] = context.box.encrypt(secret)
    session_store.save_state(context.connection, session, context.now)
    return secret


def pending_secret(context: StepContext, session: PortalSession) -> str | None:
    encrypted = session.state.get("pending_secret")
    return context.box.decrypt(encrypted) if isinstance(encrypted, str) else None


def confirm_registration(
    context: StepContext, instance: Instance, session: PortalSession, code: str, name: str
) -> str | None:
    """Store the pending authenticator app once a code from it matches; None on success."""
    user_id = str(session.user_id)
    devices = mfa_store.devices_of(context.connection, instance.identity_store_id, user_id)
    if sum(device.kind == mfa_store.TOTP for device in devices) >= totp.MAX_DEVICES:
        return TOO_MANY_DEVICES
    encrypted = session.state.get("pending_secret")
    if not isinstance(encrypted, str):
        return "Start the registration again."
    step = totp.matching_step(context.box.decrypt(encrypted), code, context.now)
    if step is None:
        return flow.WRONG_CODE

    mfa_store.insert_totp(
        context.connection,
        instance.identity_store_id,
        user_id,
        name.strip()[:128] or "Authenticator app",
        encrypted,
        step,
        context.now,
    )
    session.state.pop("pending_secret", None)
    session_store.save_state(context.connection, session, context.now)
    _record(context, instance, session, "", "CreateMfaDeviceForUser")
    return None


def security_key_limit_reached(context: StepContext, session: PortalSession) -> bool:
    devices = mfa_store.devices_of(
        context.connection, session.identity_store_id, str(session.user_id)
    )
    return len(webauthn_mfa.webauthn_devices(devices)) >= webauthn_mfa.MAX_DEVICES


def security_key_options(
    context: StepContext, session: PortalSession, relying_party: RelyingParty
) -> str | None:
    """Return the options of a new security key's registration; None at the limit."""
    if security_key_limit_reached(context, session):
        return None
    user_id = str(session.user_id)
    user = enabled_user(context.connection, session.identity_store_id, user_id)
    devices = mfa_store.devices_of(context.connection, session.identity_store_id, user_id)
    user_name = user_name_of(user) if user else user_id
    return webauthn_mfa.registration_options(
        context, session, relying_party, user_id, user_name, devices
    )


def register_security_key(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    relying_party: RelyingParty,
    response_json: str,
    name: str,
) -> str | None:
    """Verify and store a new security key or passkey; return None on success or the problem.

    The limit is checked before the response, so a seventh key is rejected whatever it sends.
    """
    if security_key_limit_reached(context, session):
        return TOO_MANY_SECURITY_KEYS
    created = webauthn_mfa.verify_registration(context, session, relying_party, response_json)
    if created is None:
        return flow.WRONG_SECURITY_KEY
    device_id = mfa_store.insert_webauthn(
        context.connection,
        instance.identity_store_id,
        str(session.user_id),
        name.strip()[:128] or "Security key",
        created.credential_id,
        created.sign_count,
        created.credential_json,
        context.now,
    )
    if device_id is None:
        return ALREADY_REGISTERED
    _record(context, instance, session, "", "CreateMfaDeviceForUser")
    return None


def remove_device(
    context: StepContext, instance: Instance, session: PortalSession, device_id: str
) -> bool:
    removed = mfa_store.remove(
        context.connection, instance.identity_store_id, str(session.user_id), device_id
    )
    if removed:
        _record(context, instance, session, "", "DeleteMfaDeviceForUser")
    return removed


def sign_out(context: StepContext, instance: Instance, session: PortalSession) -> None:
    """End the browser session and the portal token issued with it."""
    portal_access.revoke_token(context, session)
    session_store.remove(context.connection, session.session_hash)
    _record(context, instance, session, "", "Logout", events.SSO_SOURCE)


def _end_other_sessions(context: StepContext, session: PortalSession) -> None:
    session_store.revoke_user_sessions(
        context.connection,
        session.identity_store_id,
        str(session.user_id),
        context.now,
        keep_hash=session.session_hash,
    )


def _record(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    user_name: str,
    event_name: str,
    source: str = events.DIRECTORY_SOURCE,
) -> None:
    if not user_name:
        user = enabled_user(context.connection, instance.identity_store_id, session.user_id)
        user_name = user_name_of(user) if user else ""
    actor = context.actor(instance, session.user_id, user_name)
    context.record(events.record(source, event_name, actor, context.now))
