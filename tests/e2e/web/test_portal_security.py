"""Attacks on the access portal: TOTP replay, guessing, CSRF, session fixation, other users' data.

These tests run their own server that trusts 127.0.0.1 as a reverse proxy, so each browser
context can present its own client address in X-Forwarded-For and rate limits of one test do not
touch another.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.e2e.web.portal_helpers import (
    NEW_PASSWORD,
    WebUser,
    enter_password,
    first_sign_in,
    login_url,
    next_code,
    reset_password,
    sign_in_with_mfa,
)
from tests.harness import Server, fresh_database_url, start_server

CSRF_FAILED = "The form expired or did not come from this site. Reload the page and try again."
_addresses = (f"198.51.100.{number}" for number in itertools.count(1))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("portal-security")
    previous = os.environ.get("ORGSTACK_TRUSTED_PROXIES")
    os.environ["ORGSTACK_TRUSTED_PROXIES"] = "127.0.0.1/32,::1/128"
    try:
        with fresh_database_url(data_dir) as database_url:
            running = start_server(data_dir, database_url, ("--max-accounts", "1000"))
            try:
                yield running
            finally:
                running.stop()
    finally:
        if previous is None:
            os.environ.pop("ORGSTACK_TRUSTED_PROXIES", None)
        else:
            os.environ["ORGSTACK_TRUSTED_PROXIES"] = previous


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser context with a client address of its own."""
    opened = browser.new_context(extra_http_headers={"X-Forwarded-For": next(_addresses)})
    try:
        yield opened
    finally:
        opened.close()


def new_user_in_store(server: Server, portal: Portal, user_name: str) -> WebUser:
    from tests.e2e.identity_center_helpers import new_user

    new_user(portal.center.identitystore, portal.center.store_id, user_name)
    store_id = portal.center.store_id
    return WebUser(store_id, user_name, reset_password(server, store_id, user_name))


@pytest.fixture(scope="module")
def alice(server: Server, portal: Portal, browser: Browser) -> WebUser:
    store_id = portal.center.store_id
    user = WebUser(store_id, "alice.smith", reset_password(server, store_id, "alice.smith"))
    opened = browser.new_context(extra_http_headers={"X-Forwarded-For": next(_addresses)})
    try:
        first_sign_in(opened.new_page(), server, user)
    finally:
        opened.close()
    return user


@pytest.fixture(scope="module")
def bob(server: Server, portal: Portal, browser: Browser) -> WebUser:
    store_id = portal.center.store_id
    user = WebUser(store_id, "bob.jones", reset_password(server, store_id, "bob.jones"))
    opened = browser.new_context(extra_http_headers={"X-Forwarded-For": next(_addresses)})
    try:
        first_sign_in(opened.new_page(), server, user)
    finally:
        opened.close()
    return user


def fresh_sign_in(server: Server, user: WebUser, page: Page) -> None:
    sign_in_with_mfa(page, server, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def csrf_of(page: Page) -> str:
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))


def test_totp_code_is_accepted_once(server: Server, alice: WebUser, page: Page) -> None:
    code = next_code(server, alice)
    enter_password(page, server, alice)
    page.get_by_label("MFA code").fill(code)
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    page.get_by_role("button", name="Sign out").click()

    enter_password(page, server, alice)
    page.get_by_label("MFA code").fill(code)
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The MFA code is incorrect or was already used. Enter the next code from your app."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_wrong_passwords_lock_the_user(server: Server, portal: Portal, browser: Browser) -> None:
    carol = new_user_in_store(server, portal, "carol.white")
    for _attempt in range(5):
        attacker = browser.new_context(extra_http_headers={"X-Forwarded-For": next(_addresses)})
        page = attacker.new_page()
        enter_password(page, server, WebUser(carol.store_id, carol.user_name, "wrong-password"))
        expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
        attacker.close()

    # The right password from yet another address is refused while the user is locked.
    owner = browser.new_context(extra_http_headers={"X-Forwarded-For": next(_addresses)})
    page = owner.new_page()
    enter_password(page, server, carol)
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^Too many failed attempts\."))
    owner.close()

    # The lock ends with the window.
    server.advance_clock(15 * 60)
    later = browser.new_context(extra_http_headers={"X-Forwarded-For": next(_addresses)})
    page = later.new_page()
    enter_password(page, server, carol)
    expect(page.get_by_label("New password", exact=True)).to_be_visible()
    later.close()


def test_wrong_passwords_lock_the_address(server: Server, portal: Portal, page: Page) -> None:
    victims = [new_user_in_store(server, portal, f"ip.victim{number}") for number in range(2)]
    for number in range(30):
        name = f"nobody{number}"
        enter_password(page, server, WebUser(portal.center.store_id, name, "wrong-password"))
        expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
        page.goto(login_url(server, portal.center.store_id) + "&restart=1")

    enter_password(page, server, victims[0])
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^Too many failed attempts\."))
    server.advance_clock(15 * 60)


def test_every_form_rejects_missing_and_wrong_csrf(
    server: Server, portal: Portal, alice: WebUser, context: BrowserContext, page: Page
) -> None:
    page.goto(login_url(server, alice.store_id))
    for token in (None, "0" * 64):
        form = {"username": alice.user_name}
        if token is not None:
            form["csrf_token"] = token
        answer = context.request.post(f"{server.endpoint}/start/login", form=form)
        assert answer.status == 403
        assert CSRF_FAILED in answer.text()

    fresh_sign_in(server, alice, page)
    forms = {
        "/start/logout": {},
        "/start/device": {"user_code": "BCDF-GHJK"},
        "/start/device/decision": {"user_code": "BCDF-GHJK", "decision": "allow"},
        "/authorize/decision": {"request": "client_id=x", "decision": "allow"},
        "/start/security/reauth": {"password": alice.password},
        "/start/security/password": {"new_password": "x" * 20, "confirm_password": "x" * 20},
        "/start/security/mfa/new": {"mfa_code": "123456", "device_name": "evil"},
        "/start/security/mfa/remove": {"device_id": "mfa-1"},
    }
    for path, fields in forms.items():
        for token in (None, "0" * 64, csrf_of_other_session(server, portal, context)):
            form = dict(fields)
            if token is not None:
                form["csrf_token"] = token
            answer = context.request.post(f"{server.endpoint}{path}", form=form, max_redirects=0)
            assert answer.status == 403, (path, token, answer.status)
            assert CSRF_FAILED in answer.text(), path

    # The session survived every rejected form, sign-out included.
    page.goto(f"{server.endpoint}/start")
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def csrf_of_other_session(server: Server, portal: Portal, context: BrowserContext) -> str:
    """Return a valid CSRF token of a different (pre-sign-in) session."""
    other = context.browser
    assert other is not None
    stranger = other.new_context()
    page = stranger.new_page()
    page.goto(login_url(server, portal.center.store_id))
    token = csrf_of(page)
    stranger.close()
    return token


def test_sign_in_issues_a_new_session_id(
    server: Server, alice: WebUser, browser: Browser, context: BrowserContext, page: Page
) -> None:
    page.goto(login_url(server, alice.store_id))
    before = session_cookie(context)

    page.get_by_label("Username").fill(alice.user_name)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password", exact=True).fill(alice.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("MFA code").fill(next_code(server, alice))
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    after = session_cookie(context)
    assert after["value"] != before["value"]

    # A browser that planted the pre-sign-in id gains nothing.
    planted = browser.new_context()
    planted.add_cookies([{**before, "url": server.endpoint} | {"domain": None, "path": None}])
    fixed = planted.new_page()
    fixed.goto(f"{server.endpoint}/start")
    assert fixed.url.startswith(f"{server.endpoint}/start/login")
    planted.close()


def session_cookie(context: BrowserContext) -> dict[str, object]:
    found = [dict(cookie) for cookie in context.cookies() if cookie["name"] == "orgstack_portal"]
    assert len(found) == 1
    cookie = found[0]
    return {"name": cookie["name"], "value": cookie["value"]}


def test_cookie_and_security_headers(
    server: Server, alice: WebUser, context: BrowserContext, page: Page
) -> None:
    response = page.goto(login_url(server, alice.store_id))
    assert response is not None
    headers = response.headers
    assert headers["content-security-policy"].startswith("default-src 'self';")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    cookie = next(item for item in context.cookies() if item["name"] == "orgstack_portal")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False

    behind_tls = context.request.get(
        login_url(server, alice.store_id), headers={"X-Forwarded-Proto": "https"}
    )
    set_cookie = behind_tls.headers_array
    portal_cookie = [item["value"] for item in set_cookie if item["name"].lower() == "set-cookie"]
    assert any("orgstack_portal=" in value and "Secure" in value for value in portal_cookie)


def test_user_sees_only_own_accounts(
    server: Server, portal: Portal, bob: WebUser, page: Page
) -> None:
    fresh_sign_in(server, bob, page)
    expect(page.locator("li.account h2")).to_have_text(["Workloads B"])
    response = page.goto(
        f"{server.endpoint}/start/credentials?account_id={portal.account_a}&role_name=Auditor"
    )
    assert response is not None
    assert response.status == 404
    assert "AWS_ACCESS_KEY_ID" not in page.content()


def test_new_password_rules(
    server: Server, portal: Portal, context: BrowserContext, page: Page
) -> None:
    dave = new_user_in_store(server, portal, "dave.green")
    enter_password(page, server, dave)
    page.get_by_label("New password", exact=True).fill("qwertyuiop")
    page.get_by_label("Confirm new password").fill("qwertyuiop")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This password is too common. Choose another one."
    )

    form = {"csrf_token": csrf_of(page), "new_password": "short", "confirm_password": "short"}
    answer = context.request.post(f"{server.endpoint}/start/login", form=form)
    assert answer.status == 400
    assert "The password must have at least 8 characters." in answer.text()
    form.update(new_password="y" * 65, confirm_password="y" * 65)
    answer = context.request.post(f"{server.endpoint}/start/login", form=form)
    assert "The password must have at most 64 characters." in answer.text()

    page.goto(login_url(server, dave.store_id))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an MFA device")


def test_idle_session_ends(server: Server, alice: WebUser, page: Page) -> None:
    fresh_sign_in(server, alice, page)
    server.advance_clock(3601)
    page.goto(f"{server.endpoint}/start")
    assert page.url.startswith(f"{server.endpoint}/start/login")


def test_administrator_revokes_sessions(server: Server, alice: WebUser, page: Page) -> None:
    from tests.e2e.identity_center_helpers import orgstack_command

    fresh_sign_in(server, alice, page)
    result = orgstack_command(
        server, "identity-center", "revoke-sessions", "--user", alice.user_name,
        "--identity-store-id", alice.store_id,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # Sessions of earlier tests that only idled out count as unexpired too.
    assert re.fullmatch(r"revoked_sessions: [1-9][0-9]*\n", result.stdout), result.stdout
    page.goto(f"{server.endpoint}/start")
    assert page.url.startswith(f"{server.endpoint}/start/login")


def test_wrong_user_codes_are_rate_limited(server: Server, bob: WebUser, page: Page) -> None:
    fresh_sign_in(server, bob, page)
    for _attempt in range(10):
        page.goto(f"{server.endpoint}/start/device?user_code=BBBB-BBBB")
        expect(page.get_by_role("alert")).to_have_text(
            "The code is not valid or has expired. Check the code and try again."
        )
    page.goto(f"{server.endpoint}/start/device?user_code=CCCC-CCCC")
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^Too many wrong codes\."))
