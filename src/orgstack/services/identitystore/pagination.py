"""Pagination of the Identity Center list operations: `MaxResults` and an opaque `NextToken`.

A token contains the sort key of the last item of its page and the scope it was issued for (the
operation, the identity store and any filter), signed with a key derived from the master key. A
client can neither forge a token nor reuse it with other parameters, and every replica that shares
the master key accepts the tokens of the others. Pages are cut by key, so items added or removed
between two calls do not shift a page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params, RequestContext

# AWS documents no default page size for these operations; the model's maximum is 100.
DEFAULT_PAGE_SIZE = 100
SIGNATURE_BYTES = 16
TOKEN_KEY_PURPOSE = "identity-center-pagination"  # noqa: S105 (a label, not a secret)
INVALID_TOKEN_MESSAGE = "The NextToken is not valid."  # noqa: S105 (a message, not a secret)


def page_size(params: Params) -> int:
    value = params.get("MaxResults")
    return int(value) if value is not None else DEFAULT_PAGE_SIZE


def scope_of(*parts: Any) -> str:
    """Return a digest of everything a token is bound to."""
    return hashlib.sha256(orjson.dumps(list(parts))).hexdigest()[:32]


def encode_token(context: RequestContext, scope: str, last_key: str) -> str:
    payload = orjson.dumps({"s": scope, "k": last_key})
    signature = hmac.new(_token_key(context), payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")


def decode_token(context: RequestContext, scope: str, token: str | None) -> str | None:
    """Return the key of the last item of the previous page, None for the first page.

    Raises ValidationException for a token this server did not issue for this scope.
    """
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        signature, payload = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
        expected = hmac.new(_token_key(context), payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected[:SIGNATURE_BYTES]):
            raise ValueError("signature mismatch")
        decoded = orjson.loads(payload)
    except (ValueError, orjson.JSONDecodeError):
        raise ValidationException(INVALID_TOKEN_MESSAGE) from None
    if not isinstance(decoded, dict) or decoded.get("s") != scope:
        raise ValidationException(INVALID_TOKEN_MESSAGE)
    key = decoded.get("k")
    if not isinstance(key, str):
        raise ValidationException(INVALID_TOKEN_MESSAGE)
    return key


def next_token(
    context: RequestContext, scope: str, keys: list[str], size: int
) -> tuple[int, str | None]:
    """Return how many of `keys` (fetched as `size + 1` rows) form the page, and the next token."""
    if len(keys) <= size:
        return len(keys), None
    return size, encode_token(context, scope, keys[size - 1])


def _token_key(context: RequestContext) -> bytes:
    return context.box.derive_key(TOKEN_KEY_PURPOSE)
