"""The Starlette application of the access portal, mounted by the server for portal paths."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.db import Database
from orgstack.web import consent_pages, portal_pages, security_pages, signin_pages
from orgstack.web.base import Portal
from orgstack.web.http import add_security_headers
from orgstack.web.input_check import RejectControlCharacters

STATIC = Path(__file__).parent / "static"
PORTAL_PREFIXES = ("/start", "/authorize")


def is_portal_path(path: str) -> bool:
    """Tell whether the server hands `path` to the portal instead of the AWS API pipeline."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PORTAL_PREFIXES)


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        return add_security_headers(await call_next(request))


def build(database: Database, clock: Clock, box: SecretBox, settings: Settings) -> Starlette:
    portal = Portal.create(database, clock, box, settings)
    routes = [
        *signin_pages.routes(portal),
        *portal_pages.routes(portal),
        *security_pages.routes(portal),
        *consent_pages.routes(portal),
        Mount("/start/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(RejectControlCharacters, portal=portal),
    ]
    return Starlette(routes=routes, middleware=middleware)
