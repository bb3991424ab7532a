"""Control characters in the access portal's query strings and forms give a 400 page.

PostgreSQL cannot store NUL in text, so before the check a NUL in a user name reached a store
query and failed with HTTP 500 there (SQLite accepted it). Both stores must give the same page.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgstack.config import MAX_BODY_BYTES
from tests.e2e.portal_form_helpers import Page, PortalClient
from tests.e2e.sso_admin_helpers import IdentityCenter, new_identity_center
from tests.harness import Server, fresh_database_url, start_server

INVALID_INPUT = (
    "The request contains a control character, which no field of the access portal accepts. "
    "Remove it and try again."
)


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("portal-input")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def center(own_server: Server) -> IdentityCenter:
    return new_identity_center(own_server)


def assert_rejected(page: Page) -> None:
    assert page.status == 400
    assert f"<p>{INVALID_INPUT}</p>" in page.text


def at_username_step(server: Server, center: IdentityCenter) -> PortalClient:
    client = PortalClient(server)
    page = client.get(f"/start/login?directory={center.store_id}")
    assert page.status == 200
    return client


@pytest.mark.parametrize("user_name", ["al\x00ice", "al\x01ice", "alice\x7f", "\x00"])
def test_user_name_with_control_character(
    own_server: Server, center: IdentityCenter, user_name: str
) -> None:
    client = at_username_step(own_server, center)

    assert_rejected(client.post("/start/login", {"username": user_name}))


def test_password_with_nul(own_server: Server, center: IdentityCenter) -> None:
    client = at_username_step(own_server, center)
    assert client.post("/start/login", {"username": "alice"}).status == 200

    assert_rejected(client.post("/start/login", {"password": "pass\x00word"}))


def test_form_still_usable_after_rejection(own_server: Server, center: IdentityCenter) -> None:
    client = at_username_step(own_server, center)
    assert_rejected(client.post("/start/login", {"username": "bad\x00name"}))
    client.get("/start/login")

    page = client.post("/start/login", {"username": "alice"})

    assert page.status == 200
    assert 'name="password"' in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/start/login?directory=d-%00",
        "/start/login?next=/start%00",
        "/start?q=%00",
        "/start/device?user_code=AB%00C",
        "/start/login?directory%00=x",
    ],
)
def test_query_with_control_character(own_server: Server, path: str) -> None:
    assert_rejected(PortalClient(own_server).get(path))


def test_multipart_form_with_nul(own_server: Server, center: IdentityCenter) -> None:
    client = at_username_step(own_server, center)
    assert client.page is not None
    boundary = "orgstack-test-boundary"
    parts = [("csrf_token", client.page.csrf_token), ("username", "al\x00ice")]
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    )
    request = urllib.request.Request(
        f"{own_server.endpoint}/start/login",
        data=f"{body}--{boundary}--\r\n".encode(),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert_rejected(client.send(request))


def test_oversized_form_is_rejected(own_server: Server, center: IdentityCenter) -> None:
    client = at_username_step(own_server, center)
    assert client.page is not None
    body = urllib.parse.urlencode(
        {"csrf_token": client.page.csrf_token, "username": "a" * (MAX_BODY_BYTES + 1)}
    ).encode()
    request = urllib.request.Request(
        f"{own_server.endpoint}/start/login",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    page = client.send(request)

    assert page.status == 413
    assert "<p>The request is too large for the access portal.</p>" in page.text
