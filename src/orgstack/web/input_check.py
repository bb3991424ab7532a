"""Reject portal requests whose query or form fields contain control characters.

No portal field can contain one: user names, codes, device names and identifiers are single-line
text, and PostgreSQL cannot store NUL in a text column at all. Rejecting them here, before any
page handler runs, keeps them away from every store query and gives one 400 page in place of a
database error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orgstack.asgi_body import BodyTooLarge, read_body
from orgstack.web.base import Portal

log = logging.getLogger("orgstack.portal")

# C0 controls and DEL. Browsers strip line breaks from single-line inputs, and the portal has
# no multi-line fields.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
INVALID_INPUT = (
    "The request contains a control character, which no field of the access portal accepts. "
    "Remove it and try again."
)
TOO_LARGE = "The request is too large for the access portal."


class RejectControlCharacters:
    """ASGI middleware that responds with 400 when a query or form field has a control character."""

    def __init__(self, app: ASGIApp, portal: Portal) -> None:
        self.app = app
        self.portal = portal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = Request(scope)
        field = _bad_field(request.query_params.multi_items())
        if field is None and scope["method"] == "POST":
            try:
                body = await read_body(receive)
            except BodyTooLarge:
                await self._reject(request, 413, TOO_LARGE, receive, send)
                return
            # The check and the page handler each read the body from a replay of its own.
            field = await _bad_form_field(Request(scope, _replay(body, receive)))
            receive = _replay(body, receive)

        if field is not None:
            log.info(
                "portal request rejected: control character in field=%s path=%s",
                field,
                scope["path"],
            )
            await self._reject(request, 400, INVALID_INPUT, receive, send)
            return
        await self.app(scope, receive, send)

    async def _reject(
        self, request: Request, status: int, message: str, receive: Receive, send: Send
    ) -> None:
        response: Response = self.portal.render(
            request, "message.html", None, status, title="Invalid request", message=message
        )
        await response(request.scope, receive, send)


def _bad_field(items: Iterable[tuple[str, object]]) -> str | None:
    """Return the name of the first field whose name or text value has a control character."""
    for name, value in items:
        text = value if isinstance(value, str) else ""
        if CONTROL_CHARACTER.search(name) or CONTROL_CHARACTER.search(text):
            # The name itself may be the bad part, so the log shows it escaped.
            return repr(name)
    return None


async def _bad_form_field(request: Request) -> str | None:
    """Parse the body as the page handler will (urlencoded or multipart) and check its values."""
    async with request.form() as form:
        items = [
            (name, value) for name, value in form.multi_items() if not isinstance(value, UploadFile)
        ]
    return _bad_field(items)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return an ASGI `receive` that delivers the read `body` once, then the client's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
