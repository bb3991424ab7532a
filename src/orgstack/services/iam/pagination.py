"""IAM's pagination: `Marker` and `MaxItems` in, `IsTruncated` and `Marker` out.

The marker is opaque to clients. orgstack encodes the sort key of the last item returned, so a page
stays correct when items before it are added or deleted between calls.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from orgstack.services.iam.errors import InvalidInputException
from orgstack.services.registry import Params

Item = TypeVar("Item")

# IAM returns up to 100 items when the request gives no MaxItems.
DEFAULT_MAX_ITEMS = 100


def page(
    items: Sequence[Item], params: Params, sort_key: Callable[[Item], str]
) -> tuple[list[Item], dict[str, object]]:
    """Return the page of `items` (already in `sort_key` order) and the reply's paging members."""
    max_items = int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    marker = params.get("Marker")
    remaining = list(items)
    if marker is not None:
        after = _decode(str(marker))
        remaining = [item for item in items if sort_key(item) > after]

    selected = remaining[:max_items]
    truncated = len(remaining) > max_items
    members: dict[str, object] = {"IsTruncated": truncated}
    if truncated:
        members["Marker"] = _encode(sort_key(selected[-1]))
    return selected, members


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _decode(marker: str) -> str:
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInputException(
            f"The Marker `{marker}` is not valid. Pass the Marker from the previous reply."
        ) from None
