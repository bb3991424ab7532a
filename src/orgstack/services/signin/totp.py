"""TOTP authenticator apps (RFC 6238): secrets, the enrolment QR code and code checks.

Codes have 6 digits and a 30-second step. A code is accepted for the current step and one step
either side, and each step is accepted at most once per device.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import io

import pyotp
import qrcode  # type: ignore[import-untyped]  # qrcode ships no type hints
import qrcode.image.svg  # type: ignore[import-untyped]
from sqlalchemy import Connection

from orgstack.secrets_at_rest import SecretBox
from orgstack.services.signin import mfa_store
from orgstack.services.signin.mfa_store import Device

MAX_DEVICES = 2
STEP_SECONDS = 30
DIGITS = 6
# RFC 6238 section 5.2 recommends accepting at most one step of clock drift either way.
ALLOWED_DRIFT_STEPS = 1
ISSUER = "AWS IAM Identity Center"


def new_secret() -> str:
    """Return a new base32 secret of 160 bits, the HMAC-SHA1 key size RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, user_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user_name, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """Return the QR code of `uri` as a `data:` URI of an SVG image, for an inline <img>."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """Return the time step whose code equals `code`, within the allowed drift, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    generator = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = generator.timecode(now)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if hmac.compare_digest(generator.generate_otp(step), code):
            return step
    return None


def verify_with_devices(
    connection: Connection, box: SecretBox, devices: list[Device], code: str, now: dt.datetime
) -> Device | None:
    """Return the device that accepts `code` and mark its step used; None when none accepts it.

    A code whose step the device already accepted is rejected, so a code observed in transit or
    over a shoulder cannot be replayed.
    """
    for device in devices:
        if device.kind != mfa_store.TOTP or device.secret_encrypted is None:
            continue
        step = matching_step(box.decrypt(device.secret_encrypted), code, now)
        if step is None:
            continue
        if mfa_store.claim_time_step(connection, device.device_id, step):
            return device
    return None
