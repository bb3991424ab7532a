"""Pagination of Organizations list operations: `MaxResults` and an opaque, stable `NextToken`.

Pages are cut by key (the last key of the page), not by offset, so a page boundary does not move
when items before it are added or removed. The token is the key, bound to the operation and its
filter, and signed with a key derived from the master key, so that a client cannot forge one and
every replica accepts the tokens of the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import orjson

from orgstack.services.organizations.input_errors import invalid_next_token
from orgstack.services.registry import RequestContext

# When a client sends no MaxResults, AWS returns pages of its own choosing; orgstack uses the
# largest page the model allows for Organizations (20).
DEFAULT_PAGE_SIZE = 20

TOKEN_KEY_PURPOSE = "organizations-pagination"  # noqa: S105 (a label, not a secret)


def page_size(params: dict[str, Any]) -> int:
    value = params.get("MaxResults")
    return int(value) if value is not None else DEFAULT_PAGE_SIZE


def _token_key(context: RequestContext) -> bytes:
    return context.box.derive_key(TOKEN_KEY_PURPOSE)


def encode_token(context: RequestContext, scope: str, last_key: Sequence[Any]) -> str:
    payload = orjson.dumps({"s": scope, "k": list(last_key)})
    signature = hmac.new(_token_key(context), payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")


def decode_token(context: RequestContext, scope: str, token: str | None) -> list[Any] | None:
    """Return the last key of the previous page, None for the first page.

    Raises InvalidInputException (INVALID_NEXT_TOKEN) for a token that this server did not issue
    for this operation and filter.
    """
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        signature, payload = raw[:16], raw[16:]
        expected = hmac.new(_token_key(context), payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(signature, expected):
            raise ValueError("signature mismatch")
        decoded = orjson.loads(payload)
    except (ValueError, orjson.JSONDecodeError):
        raise invalid_next_token() from None
    if not isinstance(decoded, dict) or decoded.get("s") != scope:
        raise invalid_next_token()
    key = decoded.get("k")
    if not isinstance(key, list):
        raise invalid_next_token()
    return key


def page(
    context: RequestContext,
    items: Sequence[Any],
    keys: Sequence[Sequence[Any]],
    params: dict[str, Any],
    scope: str,
) -> tuple[list[Any], str | None]:
    """Return one page of `items` (sorted by `keys`, in the same order) and the next token.

    For lists already fetched whole. Large lists should filter by key in SQL and pass
    `size + 1` rows here.
    """
    after = decode_token(context, scope, params.get("NextToken"))
    size = page_size(params)
    start = 0
    if after is not None:
        start = len(items)
        for index, key in enumerate(keys):
            if list(key) > after:
                start = index
                break
    chunk = list(items[start : start + size])
    if start + size < len(items):
        return chunk, encode_token(context, scope, keys[start + size - 1])
    return chunk, None
