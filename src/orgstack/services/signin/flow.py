"""The sign-in steps of the access portal: username, password, new password, then MFA.

Each step reads the pre-authentication session's state, checks the rate limits first, records a
failure before returning it, and writes the CloudTrail events of the step. The security order is:
limit per IP, limit per user, verify, then count the failure or clear the user's counter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from orgstack.identity_center import Instance
from orgstack.services.identitystore import user_store
from orgstack.services.signin import (
    credential_store,
    events,
    mfa_store,
    passwords,
    portal_access,
    rate_limits,
    session_store,
    settings,
    totp,
    webauthn_mfa,
)
from orgstack.services.signin.context import StepContext, enabled_user, user_name_of
from orgstack.services.signin.session_store import PortalSession
from orgstack.services.signin.webauthn_mfa import RelyingParty

log = logging.getLogger("orgstack.signin")

# Steps a pre-authentication session can be at; the web pages map each to a form.
USERNAME = "username"
PASSWORD = "password"  # noqa: S105 (a step name, not a secret)
NEW_PASSWORD = "new_password"  # noqa: S105 (a step name, not a secret)
MFA = "mfa"
REGISTER_MFA = "register_mfa"
DONE = "done"

PRE_AUTH_LIFETIME = dt.timedelta(minutes=15)
WRONG_CREDENTIALS = "Incorrect username or password."
WRONG_CODE = "The MFA code is incorrect or was already used. Enter the next code from your app."
WRONG_SECURITY_KEY = (
    "The security key or passkey could not be verified. Try again, or use another MFA device."
)
TOO_MANY = "Too many failed attempts. Try again in {minutes} minutes."
MFA_BLOCKED = (
    "Your administrator requires an MFA device, and you have none. Ask your administrator to "
    "register one for you."
)


@dataclass(frozen=True)
class StepResult:
    """The outcome of a step: the next step, an error message, and the new session after sign-in."""

    step: str
    error: str | None = None
    signed_in_session_id: str | None = None


def start_session(context: StepContext, instance: Instance, next_path: str) -> str:
    """Create a pre-authentication session for the sign-in form; return its id."""
    session_id = session_store.new_session_id()
    session = PortalSession(
        session_hash=session_store.hash_value(session_id),
        identity_store_id=instance.identity_store_id,
        user_id=None,
        state={"step": USERNAME, "next": next_path, "workflow": secrets.token_hex(16)},
        created_at=context.now,
        last_seen_at=context.now,
        expires_at=context.now + PRE_AUTH_LIFETIME,
    )
    session_store.purge_expired(context.connection, context.now)
    session_store.insert(context.connection, context.box, session_id, session)
    return session_id


def pending(context: StepContext, session_id: str | None) -> PortalSession | None:
    """Return the unexpired pre-authentication session of the cookie's id, or None."""
    if not session_id:
        return None
    session = session_store.find(context.connection, session_id)
    if session is None or session.user_id is not None or session.expires_at is None:
        return None
    return session if context.now < session.expires_at else None


def redirect_after(context: StepContext, session: PortalSession, next_path: str) -> None:
    """Change where the browser goes once signed in (the last page that asked for sign-in)."""
    session.state["next"] = next_path
    session_store.save_state(context.connection, session, context.now)


def persist(context: StepContext, session: PortalSession, result: StepResult) -> None:
    """Save the state of a session that is still signing in (a finished one was replaced)."""
    if result.signed_in_session_id is None:
        session_store.save_state(context.connection, session, context.now)


def submit_user_name(
    context: StepContext, instance: Instance, session: PortalSession, user_name: str
) -> StepResult:
    """Remember the user name and ask for the password.

    An unknown name also leads to the password step, so the form does not reveal which user
    names exist.
    """
    user = user_store.find_by_user_name(context.connection, instance.identity_store_id, user_name)
    session.state.update(
        {
            "step": PASSWORD,
            "user_name": user_name,
            "pending_user_id": user.user_id if user else None,
        }
    )
    _challenge(context, instance, session, events.PASSWORD)
    return StepResult(PASSWORD)


def submit_password(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    password: str,
    known_device: bool,
) -> StepResult:
    """Check the password; then ask for a new one, for MFA, or finish signing in.

    `known_device` is true when the browser passed MFA for this user before, which lets the
    context-aware MFA mode skip the code.
    """
    user_id = session.state.get("pending_user_id")
    blocked = _blocked(context, instance, _limit_key(instance, session))
    if blocked is not None:
        return StepResult(PASSWORD, blocked)

    user = enabled_user(context.connection, instance.identity_store_id, user_id)
    credential = (
        credential_store.find(context.connection, instance.identity_store_id, user.user_id)
        if user
        else None
    )
    hashed = credential.password_hash if credential else None
    # Verify first even for an unknown user, so that every failure costs one argon2 check.
    matches = passwords.verify(hashed, password)
    if user is None or not matches:
        _fail(context, instance, session, events.PASSWORD)
        return StepResult(PASSWORD, WRONG_CREDENTIALS)

    _verified(context, instance, session, events.PASSWORD)
    if credential is not None and credential.must_change_password:
        session.state["step"] = NEW_PASSWORD
        return StepResult(NEW_PASSWORD)
    return _after_password(context, instance, session, known_device)


def submit_new_password(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    new_password: str,
    confirmation: str,
) -> StepResult:
    """Replace the one-time password, then continue with MFA."""
    if session.state.get("step") != NEW_PASSWORD:
        return StepResult(str(session.state.get("step", USERNAME)))
    problem = new_password_problem(session, new_password, confirmation)
    if problem is not None:
        return StepResult(NEW_PASSWORD, problem)

    user_id = str(session.state["pending_user_id"])
    credential_store.save(
        context.connection,
        instance.identity_store_id,
        user_id,
        passwords.hash_password(new_password),
        must_change=False,
        now=context.now,
    )
    return _after_password(context, instance, session, known_device=False)


def new_password_problem(
    session: PortalSession, new_password: str, confirmation: str
) -> str | None:
    if new_password != confirmation:
        return "The new passwords do not match."
    problems = passwords.problems_with(new_password, str(session.state.get("user_name", "")))
    return " ".join(problems) if problems else None


def _after_password(
    context: StepContext, instance: Instance, session: PortalSession, known_device: bool
) -> StepResult:
    configured = settings.of(instance)
    user_id = str(session.state["pending_user_id"])
    devices = mfa_store.devices_of(context.connection, instance.identity_store_id, user_id)
    session.state["factors"] = [events.PASSWORD]

    skip_mfa = configured.mfa_mode == settings.NEVER or (
        configured.mfa_mode == settings.CONTEXT_AWARE and known_device and bool(devices)
    )
    if skip_mfa:
        return complete(context, instance, session)
    if devices:
        kinds = sorted({device.kind for device in devices})
        session.state["step"] = MFA
        session.state["mfa_kinds"] = kinds
        # A user with a security key or passkey is asked for it first and may switch to a code.
        method = mfa_store.WEBAUTHN if mfa_store.WEBAUTHN in kinds else mfa_store.TOTP
        session.state["mfa_method"] = method
        _challenge(context, instance, session, _credential_type(method))
        return StepResult(MFA)
    if configured.no_mfa_device == settings.ALLOW:
        return complete(context, instance, session)
    if configured.no_mfa_device == settings.BLOCK:
        session.state["step"] = USERNAME
        return StepResult(USERNAME, MFA_BLOCKED)

    session.state["step"] = REGISTER_MFA
    session.state["pending_secret"] = context.box.encrypt(totp.new_secret())
    return StepResult(REGISTER_MFA)


def submit_mfa_code(
    context: StepContext, instance: Instance, session: PortalSession, code: str
) -> StepResult:
    """Check a TOTP code against the user's devices; finish signing in when one accepts it."""
    if session.state.get("step") != MFA:
        return StepResult(str(session.state.get("step", USERNAME)))
    user_id = str(session.state["pending_user_id"])
    blocked = _blocked(context, instance, _user_key(instance, user_id))
    if blocked is not None:
        return StepResult(MFA, blocked)

    devices = mfa_store.devices_of(context.connection, instance.identity_store_id, user_id)
    if (
        totp.verify_with_devices(context.connection, context.box, devices, code, context.now)
        is None
    ):
        _fail(context, instance, session, events.TOTP)
        return StepResult(MFA, WRONG_CODE)

    _verified(context, instance, session, events.TOTP)
    session.state["factors"] = [events.PASSWORD, events.TOTP]
    return complete(context, instance, session)


def choose_mfa_method(
    context: StepContext, instance: Instance, session: PortalSession, method: str
) -> StepResult:
    """Switch the MFA step to another kind of device that the user has registered."""
    if session.state.get("step") != MFA:
        return StepResult(str(session.state.get("step", USERNAME)))
    if method not in session.state.get("mfa_kinds", []):
        return StepResult(MFA)
    if method != session.state.get("mfa_method"):
        session.state["mfa_method"] = method
        _challenge(context, instance, session, _credential_type(method))
    return StepResult(MFA)


def submit_webauthn_assertion(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    relying_party: RelyingParty,
    response_json: str,
) -> StepResult:
    """Check a security key's or passkey's assertion; finish signing in when it passes."""
    if session.state.get("step") != MFA:
        return StepResult(str(session.state.get("step", USERNAME)))
    user_id = str(session.state["pending_user_id"])
    blocked = _blocked(context, instance, _user_key(instance, user_id))
    if blocked is not None:
        return StepResult(MFA, blocked)

    devices = mfa_store.devices_of(context.connection, instance.identity_store_id, user_id)
    device = webauthn_mfa.verify_assertion(context, session, relying_party, devices, response_json)
    if device is None:
        _fail(context, instance, session, events.WEBAUTHN)
        return StepResult(MFA, WRONG_SECURITY_KEY)

    _verified(context, instance, session, events.WEBAUTHN)
    session.state["factors"] = [events.PASSWORD, events.WEBAUTHN]
    return complete(context, instance, session)


def submit_webauthn_registration(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    relying_party: RelyingParty,
    response_json: str,
    name: str,
) -> StepResult:
    """Store the security key or passkey created during sign-in, then sign in."""
    if session.state.get("step") != REGISTER_MFA:
        return StepResult(str(session.state.get("step", USERNAME)))
    user_id = str(session.state["pending_user_id"])
    blocked = _blocked(context, instance, _user_key(instance, user_id))
    if blocked is not None:
        return StepResult(REGISTER_MFA, blocked)

    created = webauthn_mfa.verify_registration(context, session, relying_party, response_json)
    device_id = (
        mfa_store.insert_webauthn(
            context.connection,
            instance.identity_store_id,
            user_id,
            name.strip()[:128] or "Security key",
            created.credential_id,
            created.sign_count,
            created.credential_json,
            context.now,
        )
        if created is not None
        else None
    )
    if device_id is None:
        _fail(context, instance, session, events.WEBAUTHN)
        return StepResult(REGISTER_MFA, WRONG_SECURITY_KEY)

    session.state.pop("pending_secret", None)
    _verified(context, instance, session, events.WEBAUTHN)
    session.state["factors"] = [events.PASSWORD, events.WEBAUTHN]
    return complete(context, instance, session)


def prepare_webauthn(
    context: StepContext, instance: Instance, session: PortalSession, relying_party: RelyingParty
) -> str | None:
    """Return the WebAuthn options that the current step's page offers, or None.

    A challenge lives in the session until it is used or expires, so a reloaded page keeps it
    and a page shown after a failed attempt gets a new one.
    """
    step = session.state.get("step")
    user_id = session.state.get("pending_user_id")
    if not user_id or step not in (MFA, REGISTER_MFA):
        return None
    devices = mfa_store.devices_of(context.connection, instance.identity_store_id, str(user_id))
    if step == REGISTER_MFA:
        user_name = str(session.state.get("user_name", ""))
        return webauthn_mfa.registration_options(
            context, session, relying_party, str(user_id), user_name, devices
        )
    if session.state.get("mfa_method") != mfa_store.WEBAUTHN:
        return None
    return webauthn_mfa.authentication_options(context, session, relying_party, devices)


def submit_registration(
    context: StepContext, instance: Instance, session: PortalSession, code: str, name: str
) -> StepResult:
    """Confirm the authenticator app shown during sign-in with its first code, then sign in."""
    if session.state.get("step") != REGISTER_MFA:
        return StepResult(str(session.state.get("step", USERNAME)))
    user_id = str(session.state["pending_user_id"])
    blocked = _blocked(context, instance, _user_key(instance, user_id))
    if blocked is not None:
        return StepResult(REGISTER_MFA, blocked)

    secret = context.box.decrypt(str(session.state["pending_secret"]))
    step = totp.matching_step(secret, code, context.now)
    if step is None:
        _fail(context, instance, session, events.TOTP)
        return StepResult(REGISTER_MFA, WRONG_CODE)

    mfa_store.insert_totp(
        context.connection,
        instance.identity_store_id,
        user_id,
        name.strip() or "Authenticator app",
        str(session.state["pending_secret"]),
        step,
        context.now,
    )
    session.state.pop("pending_secret", None)
    _verified(context, instance, session, events.TOTP)
    session.state["factors"] = [events.PASSWORD, events.TOTP]
    return complete(context, instance, session)


def complete(context: StepContext, instance: Instance, session: PortalSession) -> StepResult:
    """Replace the pre-authentication session with a new signed-in one (a new session id)."""
    user_id = str(session.state["pending_user_id"])
    user = enabled_user(context.connection, instance.identity_store_id, user_id)
    if user is None:
        return StepResult(USERNAME, WRONG_CREDENTIALS)

    configured = settings.of(instance)
    session_id = session_store.new_session_id()
    signed_in = dataclasses.replace(
        session,
        session_hash=session_store.hash_value(session_id),
        user_id=user_id,
        state={
            "step": DONE,
            "next": session.state.get("next", ""),
            "factors": session.state.get("factors", []),
            "authenticated_at": context.now.isoformat(),
        },
        created_at=context.now,
        last_seen_at=context.now,
        expires_at=context.now + dt.timedelta(seconds=configured.session_seconds),
    )
    portal_access.attach_token(context, instance, signed_in)
    session_store.remove(context.connection, session.session_hash)
    session_store.insert(context.connection, context.box, session_id, signed_in)
    rate_limits.clear(context.connection, rate_limits.USER_SIGN_IN, _user_key(instance, user_id))

    actor = context.actor(instance, user_id, user_name_of(user))
    factors = ",".join(signed_in.state["factors"])
    workflow = str(session.state.get("workflow", ""))
    context.record(
        events.signin_step(
            "UserAuthentication", actor, context.now, workflow, events.SUCCESS, factors,
            {"LoginTo": instance.start_url or ""},
        )
    )  # fmt: skip
    context.record(events.record(events.SSO_SOURCE, "Authenticate", actor, context.now))
    return StepResult(DONE, signed_in_session_id=session_id)


def _credential_type(method: str) -> str:
    return events.WEBAUTHN if method == mfa_store.WEBAUTHN else events.TOTP


def _user_key(instance: Instance, user_id: str) -> str:
    return f"{instance.identity_store_id}:{user_id}"


def _limit_key(instance: Instance, session: PortalSession) -> str | None:
    """Return the per-user failure bucket key of the name the session signs in with.

    An unknown name gets a bucket too, keyed by a hash of its normalized form, so that it locks
    after as many failures as a real user and the lockout does not reveal which names exist.
    The hash keeps the key short and free of characters that a database column cannot store.
    """
    user_id = session.state.get("pending_user_id")
    if user_id:
        return _user_key(instance, str(user_id))
    user_name = session.state.get("user_name")
    if not user_name:
        return None
    digest = hashlib.sha256(user_store.normalize(str(user_name)).encode()).hexdigest()
    return f"{instance.identity_store_id}:name-{digest}"


def _blocked(context: StepContext, instance: Instance, user_key: str | None) -> str | None:
    """Return the lockout message when this address or this user failed too often."""
    message = TOO_MANY.format(minutes=max(1, rate_limits.retry_after(context.now) // 60))
    if _limited(context, user_key):
        log.warning(
            "portal sign-in rejected by rate limit store_id=%s user_key=%s source_ip=%s",
            instance.identity_store_id,
            user_key,
            context.source_ip,
        )
        return message
    return None


def _limited(context: StepContext, user_key: str | None) -> bool:
    if rate_limits.is_blocked(
        context.connection, rate_limits.IP_SIGN_IN, context.source_ip, context.now
    ):
        return True
    return user_key is not None and rate_limits.is_blocked(
        context.connection, rate_limits.USER_SIGN_IN, user_key, context.now
    )


def _fail(
    context: StepContext, instance: Instance, session: PortalSession, credential_type: str
) -> None:
    rate_limits.record_failure(
        context.connection, rate_limits.IP_SIGN_IN, context.source_ip, context.now
    )
    user_id = session.state.get("pending_user_id")
    log.info(
        "portal sign-in failed credential_type=%s store_id=%s user_id=%s source_ip=%s",
        credential_type,
        instance.identity_store_id,
        user_id,
        context.source_ip,
    )
    user_key = _limit_key(instance, session)
    if user_key is not None:
        rate_limits.record_failure(
            context.connection, rate_limits.USER_SIGN_IN, user_key, context.now
        )
    _verification(context, instance, session, credential_type, events.FAILURE)


def _verified(
    context: StepContext, instance: Instance, session: PortalSession, credential_type: str
) -> None:
    _verification(context, instance, session, credential_type, events.SUCCESS)


def _verification(
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    credential_type: str,
    outcome: str,
) -> None:
    actor = context.actor(
        instance, session.state.get("pending_user_id"), str(session.state.get("user_name", ""))
    )
    workflow = str(session.state.get("workflow", ""))
    context.record(
        events.signin_step(
            "CredentialVerification", actor, context.now, workflow, outcome, credential_type
        )
    )


def _challenge(
    context: StepContext, instance: Instance, session: PortalSession, credential_type: str
) -> None:
    actor = context.actor(
        instance, session.state.get("pending_user_id"), str(session.state.get("user_name", ""))
    )
    workflow = str(session.state.get("workflow", ""))
    context.record(
        events.signin_step(
            "CredentialChallenge", actor, context.now, workflow, events.SUCCESS, credential_type
        )
    )
