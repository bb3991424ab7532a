"""Reading an ASGI request body within the server's size limit, for the AWS APIs and the portal."""

from __future__ import annotations

from typing import Any

from orgstack.config import MAX_BODY_BYTES


class BodyTooLarge(Exception):
    """The request body is longer than MAX_BODY_BYTES."""


async def read_body(receive: Any) -> bytes:
    """Return the whole request body, or the part received before the client disconnected.

    Raises BodyTooLarge as soon as the body passes MAX_BODY_BYTES, without reading the rest.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
