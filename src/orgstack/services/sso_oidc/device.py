"""StartDeviceAuthorization, and the functions the portal's device approval page calls.

The device authorization grant (RFC 8628): the client gets a device code, which it keeps secret
and polls with, and a user code, which the user confirms on the portal's device page after
signing in. Codes expire after 10 minutes and the client polls every second, the values AWS
returns.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection

from orgstack import identity_center
from orgstack.services.identitystore import user_store
from orgstack.services.registry import NONE, Params, RequestContext, Result, operation
from orgstack.services.sso_oidc import clients, grant_store
from orgstack.services.sso_oidc.errors import UnauthorizedClientException
from orgstack.services.sso_oidc.grant_store import APPROVED, DENIED, DEVICE_CODE, PENDING, Grant

EXPIRES_IN_SECONDS = 600
INTERVAL_SECONDS = 1
# RFC 8628 section 3.5: each slow_down error adds 5 seconds to the polling interval.
SLOW_DOWN_STEP_SECONDS = 5
# RFC 8628 section 6.1: consonants only, so that codes spell no words and have no look-alikes
# (no 0/O, 1/I/L confusion because there are no digits or vowels). 20^8 codes, 34.6 bits.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
DEVICE_PAGE_FRAGMENT = "/#/device"


@dataclass(frozen=True)
class DeviceAuthorization:
    """A device authorization as the device approval page shows it and acts on it."""

    user_code: str
    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    start_url: str
    status: str
    expires_at: dt.datetime


@operation("sso-oidc", "StartDeviceAuthorization", read_only=False, auth=NONE)
def start_device_authorization(context: RequestContext, params: Params) -> Result:
    """Create a device code and a user code for the client (SSO OIDC API reference)."""
    now = context.now()
    client = clients.authenticate(context.db, params["clientId"], params["clientSecret"], now)
    if not client.allows(clients.DEVICE_CODE_GRANT):
        raise UnauthorizedClientException(
            "The client is not registered for the device_code grant type."
        )

    device_code = secrets.token_urlsafe(48)
    user_code = _unused_user_code(context.db, now)
    grant_store.insert(
        context.db,
        Grant(
            token_hash=grant_store.hash_secret(device_code),
            kind=DEVICE_CODE,
            client_id=client.client_id,
            identity_store_id=None,
            user_id=None,
            user_code=user_code,
            status=PENDING,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=EXPIRES_IN_SECONDS),
            last_polled_at=None,
            record={
                "start_url": params["startUrl"],
                "scopes": list(client.scopes),
                "interval": INTERVAL_SECONDS,
            },
        ),
    )

    # NOTE: `startUrl` is recorded but not checked against the instances' start URLs, because
    # every instance shares the server's portal; the user's instance is known at approval.
    verification_uri = identity_center.start_url(context.settings.base_url) + DEVICE_PAGE_FRAGMENT
    shown_code = format_user_code(user_code)
    # The audit event leaves out both codes: the device code is the client's secret for polling,
    # and the user code (also in the complete URI) is what a user approves.
    context.audit.response_elements = {
        "verificationUri": verification_uri,
        "expiresIn": EXPIRES_IN_SECONDS,
        "interval": INTERVAL_SECONDS,
    }
    return {
        "deviceCode": device_code,
        "userCode": shown_code,
        "verificationUri": verification_uri,
        "verificationUriComplete": f"{verification_uri}?user_code={shown_code}",
        "expiresIn": EXPIRES_IN_SECONDS,
        "interval": INTERVAL_SECONDS,
    }


def _unused_user_code(connection: Connection, now: dt.datetime) -> str:
    """Return a user code that no unexpired device authorization uses."""
    while True:
        code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        if grant_store.find_device_by_user_code(connection, code, now) is None:
            return code


def normalize_user_code(text: str) -> str:
    """Return the user code as stored: upper case, without dashes or spaces."""
    return "".join(character for character in text.upper() if character not in "- ")


def format_user_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def find_device_authorization(
    connection: Connection, user_code: str, now: dt.datetime
) -> DeviceAuthorization | None:
    """Return the device authorization with this user code, pending, approved or denied.

    The code is compared without regard to case, dashes and spaces. None when no unexpired
    authorization has it. The caller (the portal's device page) limits how often one visitor may
    try codes, because a user code has only about 35 bits.
    """
    grant = grant_store.find_device_by_user_code(connection, normalize_user_code(user_code), now)
    if grant is None:
        return None
    client = clients.find(connection, grant.client_id)
    return DeviceAuthorization(
        user_code=format_user_code(str(grant.user_code)),
        client_id=grant.client_id,
        client_name=client.client_name if client else "",
        scopes=tuple(grant.record.get("scopes") or ()),
        start_url=str(grant.record.get("start_url", "")),
        status=grant.status,
        expires_at=grant.expires_at,
    )


def approve_device_authorization(
    connection: Connection, user_code: str, identity_store_id: str, user_id: str, now: dt.datetime
) -> bool:
    """Let the signed-in user's approval complete the device flow.

    Returns False, changing nothing, when no pending unexpired authorization has the code or the
    user does not exist in the store. The client's next poll then receives the tokens.
    """
    grant = _pending(connection, user_code, now)
    if grant is None or user_store.find(connection, identity_store_id, user_id) is None:
        return False
    if identity_center.find_by_store(connection, identity_store_id) is None:
        return False
    grant_store.set_status(connection, grant.token_hash, APPROVED, identity_store_id, user_id)
    return True


def deny_device_authorization(
    connection: Connection, user_code: str, identity_store_id: str, user_id: str, now: dt.datetime
) -> bool:
    """Record the user's refusal; the client's next poll receives AccessDeniedException.

    Returns False when no pending unexpired authorization has the code.
    """
    grant = _pending(connection, user_code, now)
    if grant is None:
        return False
    grant_store.set_status(connection, grant.token_hash, DENIED, identity_store_id, user_id)
    return True


def _pending(connection: Connection, user_code: str, now: dt.datetime) -> Grant | None:
    grant = grant_store.find_device_by_user_code(connection, normalize_user_code(user_code), now)
    if grant is None or grant.status != PENDING:
        return None
    return grant
