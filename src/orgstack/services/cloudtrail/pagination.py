"""LookupEvents' `NextToken`: opaque, stable, and bound to the parameters of the first call.

A token contains the key `(event time, event id)` of the last event of its page and a digest of the
caller's account and lookup parameters, signed with a key derived from the master key. A client can
neither forge a token nor reuse it with other parameters, and every replica that shares the master
key accepts the tokens of the others. Pages are cut by key, so events written between two calls
never repeat or shift a page.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

import orjson

from orgstack.services.cloudtrail.errors import InvalidNextTokenException
from orgstack.services.registry import RequestContext

TOKEN_KEY_PURPOSE = "cloudtrail-lookup-events"  # noqa: S105 (a label, not a secret)
SIGNATURE_BYTES = 16


def parameters_digest(account_id: str, params: dict[str, Any]) -> str:
    """Return a digest of everything a token is bound to: the account and the lookup parameters.

    `StartTime` and `EndTime` enter as the client sent them (absent stays absent), because their
    defaults move with the clock between two calls.
    """
    bound = [
        account_id,
        params.get("LookupAttributes"),
        str(params.get("StartTime")),
        str(params.get("EndTime")),
        params.get("EventCategory"),
    ]
    return hashlib.sha256(orjson.dumps(bound)).hexdigest()[:32]


def encode_token(context: RequestContext, digest: str, key: tuple[dt.datetime, str]) -> str:
    moment, event_id = key
    payload = orjson.dumps({"p": digest, "t": moment.isoformat(), "e": event_id})
    signature = hmac.new(_token_key(context), payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")


def decode_token(context: RequestContext, digest: str, token: str) -> tuple[dt.datetime, str]:
    """Return the key of the last event of the previous page.

    Raises InvalidNextTokenException for a token this server did not issue, or issued for other
    parameters or another account.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        signature, payload = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
        expected = hmac.new(_token_key(context), payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected[:SIGNATURE_BYTES]):
            raise ValueError("signature mismatch")
        decoded = orjson.loads(payload)
        if decoded["p"] != digest:
            raise ValueError("parameters differ")
        moment = dt.datetime.fromisoformat(decoded["t"])
        event_id = decoded["e"]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise InvalidNextTokenException() from None
    if not isinstance(event_id, str) or moment.tzinfo is None:
        raise InvalidNextTokenException()
    return moment, event_id


def _token_key(context: RequestContext) -> bytes:
    return context.box.derive_key(TOKEN_KEY_PURPOSE)
