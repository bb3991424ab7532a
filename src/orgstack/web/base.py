"""The portal's request plumbing: one store transaction per request, sessions and rendering."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.identity_center import Instance
from orgstack.secrets_at_rest import SecretBox
from orgstack.services.signin import self_service, session_store
from orgstack.services.signin.context import StepContext, portal_instance
from orgstack.services.signin.session_store import PortalSession
from orgstack.services.signin.webauthn_mfa import RelyingParty
from orgstack.store.db import Database
from orgstack.web import http

T = TypeVar("T")
log = logging.getLogger("orgstack.web")
TEMPLATES = Path(__file__).parent / "templates"
CSRF_FAILED = "The form expired or did not come from this site. Reload the page and try again."


class CsrfError(Exception):
    """A form arrived without the session's CSRF token."""


@dataclass(frozen=True)
class Portal:
    """The state every page shares: the store, the clock, the key box and the server settings."""

    database: Database
    clock: Clock
    box: SecretBox
    settings: Settings
    templates: Environment

    @classmethod
    def create(cls, database: Database, clock: Clock, box: SecretBox, settings: Settings) -> Portal:
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
        )
        return cls(database, clock, box, settings, environment)

    @property
    def relying_party(self) -> RelyingParty:
        """The WebAuthn relying party: the host and origin of the portal's public base URL."""
        return RelyingParty.of_base_url(self.settings.base_url)

    @property
    def device_key(self) -> bytes:
        return self.box.derive_key("access-portal-known-device")

    async def run(self, request: Request, work: Callable[[StepContext], T]) -> T:
        """Run `work` in one store transaction on a worker thread; write its events with it."""
        ip = http.client_ip(request)
        agent = request.headers.get("user-agent", "")[:1024]

        def in_transaction() -> T:
            with self.database.transaction() as connection:
                context = StepContext(connection, self.box, self.clock.now(), ip, agent)
                result = work(context)
                context.flush_events()
                return result

        return await anyio.to_thread.run_sync(in_transaction)

    def render(
        self,
        request: Request,
        template: str,
        session_id: str | None,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        token = session_store.csrf_token(self.box, session_id) if session_id else ""
        page = self.templates.get_template(template)
        values.setdefault("webauthn_available", self.relying_party.usable)
        body = page.render(csrf_token=token, request_path=request.url.path, **values)
        return HTMLResponse(body, status_code=status)

    def set_session_cookie(self, request: Request, response: Response, session_id: str) -> None:
        http.set_cookie(
            response, request, self.settings.base_url, http.SESSION_COOKIE, session_id, None
        )


def session_id_of(request: Request) -> str | None:
    return request.cookies.get(http.SESSION_COOKIE)


def check_csrf(session: PortalSession | None, submitted: str) -> None:
    """Raise CsrfError unless `submitted` is the session's token."""
    if session is None or not session_store.csrf_matches(session, submitted):
        log.info("portal form rejected: CSRF token missing or invalid, or no session")
        raise CsrfError


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def sign_in_redirect(request: Request) -> RedirectResponse:
    """Send a visitor without a session to the sign-in page, returning here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/start/login?next={quote(target, safe='')}")


def current(context: StepContext, request: Request) -> PortalSession | None:
    """Return the signed-in session of the request, or None."""
    return self_service.signed_in(context, session_id_of(request))


def instance_of(context: StepContext, session: PortalSession) -> Instance | None:
    return portal_instance(context.connection, session.identity_store_id)
