"""Steps of the portal browser tests: one-time passwords, TOTP codes at server time, sign-in."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from dataclasses import dataclass

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.identity_center_helpers import orgstack_command
from tests.harness import Server

NEW_PASSWORD = "correct horse battery staple"
STEP_SECONDS = 30


@dataclass
class WebUser:
    """A portal user as the browser tests know it."""

    store_id: str
    user_name: str
    password: str
    totp_secret: str | None = None
    # The last time step whose code the server accepted from this user's first device.
    last_step: int | None = None


def reset_password(server: Server, store_id: str, user_name: str) -> str:
    result = orgstack_command(
        server, "identity-center", "reset-password", "--user", user_name,
        "--identity-store-id", store_id,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(r"one_time_password: (\S+)\n", result.stdout)
    assert match is not None, result.stdout
    return match.group(1)


def server_now(server: Server) -> dt.datetime:
    """Return the server's business clock (tests may have moved it forward)."""
    request = urllib.request.Request(
        f"{server.endpoint}/_orgstack/clock", data=b'{"advance_seconds": 0}', method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dt.datetime.fromisoformat(json.loads(response.read())["now"])


def totp_code(server: Server, secret: str) -> str:
    """Return the code of the server's current time step."""
    return pyotp.TOTP(secret).at(server_now(server))


def next_code(server: Server, user: WebUser) -> str:
    """Return a code of the user's device for a time step the server has not accepted yet.

    Each step is accepted once, and the test harness moves the server clock back after each
    test, so the clock is moved forward past the last accepted step when needed.
    """
    assert user.totp_secret is not None
    now = server_now(server)
    step = int(now.timestamp()) // STEP_SECONDS
    if user.last_step is not None and step <= user.last_step:
        server.advance_clock((user.last_step - step + 1) * STEP_SECONDS)
        now = server_now(server)
        step = int(now.timestamp()) // STEP_SECONDS
    user.last_step = step
    return pyotp.TOTP(user.totp_secret).at(now)


def login_url(server: Server, store_id: str, next_path: str = "") -> str:
    suffix = f"&next={next_path}" if next_path else ""
    return f"{server.endpoint}/start/login?directory={store_id}{suffix}"


def enter_password(page: Page, server: Server, user: WebUser, next_path: str = "") -> None:
    page.goto(login_url(server, user.store_id, next_path))
    page.get_by_label("Username").fill(user.user_name)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()


def first_sign_in(page: Page, server: Server, user: WebUser) -> None:
    """Sign in with a one-time password: set a new password and register an authenticator app."""
    enter_password(page, server, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    user.password = NEW_PASSWORD

    expect(page.get_by_role("heading", level=1)).to_have_text("Register an MFA device")
    user.totp_secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("MFA code").fill(next_code(server, user))
    page.get_by_role("button", name="Assign MFA device").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def sign_in_with_mfa(page: Page, server: Server, user: WebUser) -> None:
    """Sign in with password and a TOTP code of a time step not used before."""
    enter_password(page, server, user)
    page.get_by_label("MFA code").fill(next_code(server, user))
    page.get_by_role("button", name="Verify code").click()
