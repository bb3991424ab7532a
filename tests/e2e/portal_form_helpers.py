"""A plain HTTP client of the access portal's sign-in forms, for tests that need no browser.

It keeps cookies like a browser, follows redirects and reads the CSRF token from each page.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from tests.harness import Server

CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ALERT = re.compile(r'role="alert"[^>]*>\s*([^<]*?)\s*<')


@dataclass
class Page:
    status: int
    text: str

    @property
    def alert(self) -> str | None:
        """The text of the page's error alert, if it shows one."""
        found = ALERT.search(self.text)
        return found.group(1) if found else None

    @property
    def csrf_token(self) -> str:
        found = CSRF_FIELD.search(self.text)
        assert found is not None, f"no CSRF token on the page (HTTP {self.status})"
        return found.group(1)


@dataclass
class PortalClient:
    """One browser: its own cookies, and optional headers sent with every request."""

    server: Server
    headers: dict[str, str] = field(default_factory=dict)
    page: Page | None = None

    def __post_init__(self) -> None:
        jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> Page:
        return self.send(urllib.request.Request(self.server.endpoint + path, method="GET"))

    def post(self, path: str, fields: dict[str, str]) -> Page:
        """Post `fields` with the CSRF token of the last page."""
        assert self.page is not None
        body = urllib.parse.urlencode({"csrf_token": self.page.csrf_token, **fields}).encode()
        request = urllib.request.Request(self.server.endpoint + path, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self.send(request)

    def send(self, request: urllib.request.Request) -> Page:
        """Send `request` with this client's cookies and headers; return the final page."""
        for name, value in self.headers.items():
            request.add_header(name, value)
        try:
            with self._opener.open(request, timeout=30) as response:
                self.page = Page(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            self.page = Page(error.code, error.read().decode())
        return self.page


def try_password(
    server: Server,
    store_id: str,
    user_name: str,
    password: str,
    headers: dict[str, str] | None = None,
) -> tuple[Page, float]:
    """Sign in afresh with `user_name` and `password`.

    Returns the password step's page and how long the server took to send it, in seconds.
    """
    client = PortalClient(server, headers or {})
    client.get(f"/start/login?directory={store_id}")
    client.post("/start/login", {"username": user_name})
    started = time.perf_counter()
    page = client.post("/start/login", {"password": password})
    return page, time.perf_counter() - started
