"""WebAuthn security keys and passkeys as MFA devices: the registration and assertion ceremonies.

The `webauthn` package builds the options and verifies the responses (CBOR, attestation and
signature checks). This module keeps the server-side part. A session stores one challenge at a
time in its state, and a challenge can be used once and expires. The relying party ID and origin
come from the portal's public base URL. The stored signature counter must grow when the
authenticator keeps one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import webauthn
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from orgstack.json_depth import MAX_NESTING_DEPTH, exceeds_nesting_depth
from orgstack.services.signin import mfa_store, session_store
from orgstack.services.signin.context import StepContext
from orgstack.services.signin.mfa_store import Device
from orgstack.services.signin.session_store import PortalSession

log = logging.getLogger("orgstack.signin")

# IAM Identity Center allows up to 6 FIDO2/WebAuthn authenticators per user.
MAX_DEVICES = 6
CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
RP_NAME = "AWS access portal"
REGISTER = "register"
AUTHENTICATE = "authenticate"
STATE_KEY = "webauthn"
DEFAULT_PORTS = {"http": 80, "https": 443}
# The parse errors of malformed input that the package does not wrap in WebAuthnException:
# bad base64 (binascii.Error is a ValueError), bad CBOR (CBORDecodeError is a ValueError) and JSON
# values of the wrong type.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True)
class RelyingParty:
    """The relying party ID (a host name) and the exact origin that browsers must report."""

    rp_id: str
    origin: str

    @classmethod
    def of_base_url(cls, base_url: str) -> RelyingParty:
        """Derive both from the portal's public base URL, leaving out a scheme's default port."""
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower()
        origin_host = f"[{host}]" if ":" in host else host
        port = parts.port
        suffix = f":{port}" if port is not None and port != DEFAULT_PORTS.get(parts.scheme) else ""
        return cls(rp_id=host, origin=f"{parts.scheme}://{origin_host}{suffix}")

    @property
    def usable(self) -> bool:
        """Tell whether browsers accept the ID: a host name, never an IP address."""
        try:
            ipaddress.ip_address(self.rp_id)
        except ValueError:
            return bool(self.rp_id)
        return False


@dataclass(frozen=True)
class NewCredential:
    """A verified registration, ready to store as a device."""

    credential_id: str
    sign_count: int
    credential_json: str


def user_handle(store_id: str, user_id: str) -> bytes:
    """Return the WebAuthn user handle: opaque and stable, so it reveals no user name."""
    return hashlib.sha256(f"{store_id}:{user_id}".encode()).digest()


def webauthn_devices(devices: list[Device]) -> list[Device]:
    return [device for device in devices if device.kind == mfa_store.WEBAUTHN]


def registration_options(
    context: StepContext,
    session: PortalSession,
    relying_party: RelyingParty,
    user_id: str,
    user_name: str,
    devices: list[Device],
) -> str:
    """Return the JSON options of `navigator.credentials.create`, reusing a live challenge."""
    live = _live_options(context, session, REGISTER)
    if live is not None:
        return live
    options = webauthn.generate_registration_options(
        rp_id=relying_party.rp_id,
        rp_name=RP_NAME,
        user_name=user_name,
        user_id=user_handle(session.identity_store_id, user_id),
        user_display_name=user_name,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        attestation=AttestationConveyancePreference.NONE,
        # Sign-in names the user before MFA, so the credential need not be discoverable, and a
        # security key keeps its few resident-key slots. Platform authenticators that always
        # create passkeys are accepted all the same.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(webauthn_devices(devices)),
    )
    options_json = webauthn.options_to_json(options)
    return _remember(context, session, REGISTER, options.challenge, options_json)


def authentication_options(
    context: StepContext,
    session: PortalSession,
    relying_party: RelyingParty,
    devices: list[Device],
) -> str:
    """Return the JSON options of `navigator.credentials.get`, reusing a live challenge."""
    live = _live_options(context, session, AUTHENTICATE)
    if live is not None:
        return live
    options = webauthn.generate_authentication_options(
        rp_id=relying_party.rp_id,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=_descriptors(webauthn_devices(devices)),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return _remember(
        context, session, AUTHENTICATE, options.challenge, webauthn.options_to_json(options)
    )


def verify_registration(
    context: StepContext,
    session: PortalSession,
    relying_party: RelyingParty,
    response_json: str,
) -> NewCredential | None:
    """Check an attestation response against the session's registration challenge.

    The challenge is taken first, so it is spent whether or not the response passes. Returns
    None for a missing, expired or reused challenge and for any response that fails a check.
    """
    challenge = _take_challenge(context, session, REGISTER)
    if challenge is None:
        return None
    if _too_deep(response_json, session, "registration"):
        return None
    try:
        verified = webauthn.verify_registration_response(
            credential=response_json,
            expected_challenge=challenge,
            expected_rp_id=relying_party.rp_id,
            expected_origin=relying_party.origin,
            require_user_verification=False,
        )
    except MALFORMED as failure:
        log.info("WebAuthn registration rejected user_id=%s: %s", _user_of(session), failure)
        return None

    details = {
        "public_key": bytes_to_base64url(verified.credential_public_key),
        "transports": _transports_of(response_json),
        "aaguid": verified.aaguid,
        "device_type": verified.credential_device_type.value,
        "backed_up": verified.credential_backed_up,
        "user_verified": verified.user_verified,
    }
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        sign_count=verified.sign_count,
        credential_json=orjson.dumps(details).decode(),
    )


def verify_assertion(
    context: StepContext,
    session: PortalSession,
    relying_party: RelyingParty,
    devices: list[Device],
    response_json: str,
) -> Device | None:
    """Return the user's device that signed the session's challenge, or None.

    The package checks the challenge, origin, RP ID hash, user presence and signature, and that
    the counter grew when either value is non-zero. The new counter is then claimed with a
    conditional UPDATE, so two requests with the same assertion cannot both pass.
    """
    challenge = _take_challenge(context, session, AUTHENTICATE)
    if challenge is None:
        return None
    if _too_deep(response_json, session, "assertion"):
        return None
    try:
        credential = parse_authentication_credential_json(response_json)
    except MALFORMED as failure:
        log.info("WebAuthn assertion rejected user_id=%s: %s", _user_of(session), failure)
        return None
    credential_id = bytes_to_base64url(credential.raw_id)
    device = next(
        (item for item in webauthn_devices(devices) if item.credential_id == credential_id), None
    )
    if device is None or device.credential_json is None:
        log.info(
            "WebAuthn assertion rejected user_id=%s: the credential is not the user's",
            _user_of(session),
        )
        return None

    previous = device.sign_count or 0
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=relying_party.rp_id,
            expected_origin=relying_party.origin,
            credential_public_key=webauthn.base64url_to_bytes(
                json.loads(device.credential_json)["public_key"]
            ),
            credential_current_sign_count=previous,
            require_user_verification=False,
        )
    except MALFORMED as failure:
        log.info("WebAuthn assertion rejected device_id=%s: %s", device.device_id, failure)
        return None
    if not mfa_store.claim_sign_count(
        context.connection, device.device_id, previous, verified.new_sign_count
    ):
        log.info("WebAuthn assertion rejected device_id=%s: counter changed", device.device_id)
        return None
    return dataclasses.replace(device, sign_count=verified.new_sign_count)


def device_kind_label(device: Device) -> str:
    """Name the device's kind as the MFA devices page shows it."""
    if device.kind != mfa_store.WEBAUTHN:
        return "Authenticator app"
    transports = json.loads(device.credential_json or "{}").get("transports") or []
    return "Built-in authenticator" if "internal" in transports else "Security key"


def _user_of(session: PortalSession) -> object:
    """Return the signed-in user, or during sign-in the user that the user name named."""
    return session.user_id or session.state.get("pending_user_id")


def _descriptors(devices: list[Device]) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for device in devices:
        if device.credential_id is None:
            continue
        transports = json.loads(device.credential_json or "{}").get("transports") or []
        known = [AuthenticatorTransport(item) for item in transports if _is_transport(item)]
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=webauthn.base64url_to_bytes(device.credential_id), transports=known or None
            )
        )
    return descriptors


def _too_deep(response_json: str, session: PortalSession, ceremony: str) -> bool:
    """Return True, and log the rejection, when the browser's response nests JSON too deeply.

    The package decodes the response with Python's json module, which raises RecursionError on
    about a thousand nested arrays instead of an error that MALFORMED catches.
    """
    if not exceeds_nesting_depth(response_json):
        return False
    log.info(
        "WebAuthn %s rejected user_id=%s: the response nests JSON more than %d levels deep",
        ceremony,
        _user_of(session),
        MAX_NESTING_DEPTH,
    )
    return True


def _is_transport(value: object) -> bool:
    return value in {item.value for item in AuthenticatorTransport}


def _transports_of(response_json: str) -> list[str]:
    """Return the transports the browser reported, which later assertions pass back as hints."""
    try:
        parsed: Any = json.loads(response_json)
        reported = parsed["response"].get("transports") or []
    except MALFORMED:
        return []
    return [item for item in reported if isinstance(item, str) and _is_transport(item)]


def _remember(
    context: StepContext, session: PortalSession, purpose: str, challenge: bytes, options: str
) -> str:
    session.state[STATE_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "expires_at": (context.now + CHALLENGE_LIFETIME).isoformat(),
        "options": options,
    }
    session_store.save_state(context.connection, session, context.now)
    return options


def _live_options(context: StepContext, session: PortalSession, purpose: str) -> str | None:
    stored = session.state.get(STATE_KEY)
    if not isinstance(stored, dict) or stored.get("purpose") != purpose:
        return None
    if context.now >= dt.datetime.fromisoformat(str(stored["expires_at"])):
        return None
    return str(stored["options"])


def _take_challenge(context: StepContext, session: PortalSession, purpose: str) -> bytes | None:
    stored = session_store.take_state_value(context.connection, session, STATE_KEY, context.now)
    if not isinstance(stored, dict) or stored.get("purpose") != purpose:
        log.info(
            "WebAuthn response rejected user_id=%s: no %s challenge in the session",
            _user_of(session),
            purpose,
        )
        return None
    if context.now >= dt.datetime.fromisoformat(str(stored["expires_at"])):
        log.info(
            "WebAuthn response rejected user_id=%s: the %s challenge expired",
            _user_of(session),
            purpose,
        )
        return None
    return webauthn.base64url_to_bytes(str(stored["challenge"]))
