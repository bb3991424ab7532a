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


@dataclass
class WebUser:
    """A portal user as the browser tests know it."""

    store_id: str
    user_name: str
    password: str
    totp_secret: str | None = None


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


def totp_code(server: Server, secret: str, steps_ahead: int = 0) -> str:
    """Return the code of the server's current time step, or of a later one (within drift)."""
    moment = server_now(server) + dt.timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(moment)


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
    secret = page.locator("#totp-secret").inner_text().strip()
    user.totp_secret = secret
    page.get_by_label("MFA code").fill(totp_code(server, secret))
    page.get_by_role("button", name="Assign MFA device").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def sign_in_with_mfa(page: Page, server: Server, user: WebUser, steps_ahead: int = 1) -> None:
    """Sign in with password and TOTP; `steps_ahead` picks a step not used before."""
    enter_password(page, server, user)
    assert user.totp_secret is not None
    page.get_by_label("MFA code").fill(totp_code(server, user.totp_secret, steps_ahead))
    page.get_by_role("button", name="Verify code").click()
