"""Instance sign-in settings: MFA modes, users without a device, portal session duration,
and the user's own MFA devices and password."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.identity_center_helpers import new_user, orgstack_command
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.portal_helpers import (
    NEW_PASSWORD,
    WebUser,
    enter_password,
    first_sign_in,
    next_code,
    reset_password,
    totp_code,
)
from tests.harness import Server

MFA_BLOCKED = (
    "Your administrator requires an MFA device, and you have none. Ask your administrator to "
    "register one for you."
)


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def configure(server: Server, portal: Portal, *options: str) -> str:
    result = orgstack_command(
        server, "identity-center", "settings", "--identity-store-id", portal.center.store_id,
        *options,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def defaults(server: Server, portal: Portal) -> None:
    configure(
        server, portal, "--mfa-mode", "every-sign-in", "--no-mfa-device", "require-registration",
        "--session-duration", "8h",
    )  # fmt: skip


def new_web_user(server: Server, portal: Portal, user_name: str) -> WebUser:
    new_user(portal.center.identitystore, portal.center.store_id, user_name)
    store_id = portal.center.store_id
    return WebUser(store_id, user_name, reset_password(server, store_id, user_name))


def set_new_password(page: Page, user: WebUser) -> None:
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    user.password = NEW_PASSWORD


def test_settings_command_prints_and_validates(server: Server, portal: Portal) -> None:
    printed = configure(
        server, portal, "--mfa-mode", "context-aware", "--session-duration", "1h30m"
    )
    assert printed == (
        "mfa_mode: context-aware\nno_mfa_device: require-registration\n"
        "session_duration_seconds: 5400\n"
    )
    result = orgstack_command(
        server, "identity-center", "settings", "--identity-store-id", portal.center.store_id,
        "--session-duration", "10m",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "orgstack: session duration `600` seconds is out of range: give 15 minutes to 90 days.\n"
    )


def test_mfa_never_signs_in_with_password(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    configure(server, portal, "--mfa-mode", "never")
    user = new_web_user(server, portal, "never.mfa")
    enter_password(page, server, user)
    set_new_password(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def test_no_device_block_refuses_sign_in(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    configure(server, portal, "--no-mfa-device", "block")
    user = new_web_user(server, portal, "blocked.user")
    enter_password(page, server, user)
    set_new_password(page, user)
    expect(page.get_by_role("alert")).to_have_text(MFA_BLOCKED)
    expect(page.get_by_label("Username")).to_be_visible()


def test_security_keys_need_a_host_name(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    # This server's base URL names 127.0.0.1, which browsers reject as a WebAuthn relying party.
    user = new_web_user(server, portal, "ip.address.user")
    enter_password(page, server, user)
    set_new_password(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an MFA device")
    expect(
        page.get_by_text(
            re.compile(r"^Security keys and passkeys need the portal under a host name")
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="Register security key")).to_be_disabled()
    expect(page.get_by_role("button", name="Assign MFA device")).to_be_enabled()


def test_no_device_allow_signs_in_without_mfa(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    configure(server, portal, "--no-mfa-device", "allow")
    user = new_web_user(server, portal, "allowed.user")
    enter_password(page, server, user)
    set_new_password(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def test_context_aware_skips_mfa_on_known_browser(
    server: Server, portal: Portal, defaults: None, browser: Browser, page: Page
) -> None:
    user = new_web_user(server, portal, "context.user")
    first_sign_in(page, server, user)
    configure(server, portal, "--mfa-mode", "context-aware")
    page.get_by_role("button", name="Sign out").click()

    enter_password(page, server, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")

    other = browser.new_context()
    stranger = other.new_page()
    enter_password(stranger, server, user)
    expect(stranger.get_by_label("MFA code")).to_be_visible()
    other.close()


def test_session_duration_ends_session(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    configure(server, portal, "--session-duration", "15m", "--mfa-mode", "never")
    user = new_web_user(server, portal, "short.session")
    enter_password(page, server, user)
    set_new_password(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    server.advance_clock(14 * 60)
    page.goto(f"{server.endpoint}/start")
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    server.advance_clock(2 * 60)
    page.goto(f"{server.endpoint}/start")
    assert page.url.startswith(f"{server.endpoint}/start/login")


def test_manage_own_devices_and_password(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    user = new_web_user(server, portal, "self.service")
    first_sign_in(page, server, user)
    assert user.totp_secret is not None

    # Right after sign-in no re-authentication is asked; five minutes later it is.
    server.advance_clock(6 * 60)
    page.get_by_role("link", name="MFA devices and password").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Register authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your identity")
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_label("MFA code").fill(next_code(server, user))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Register MFA device")
    screenshot(page, "register-mfa-device")
    second_secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Device name").fill("Backup phone")
    page.get_by_label("MFA code").fill(totp_code(server, second_secret))
    page.get_by_role("button", name="Assign MFA device").click()
    expect(page.get_by_role("status")).to_have_text("The MFA device was registered.")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name="Register authenticator app")).to_have_count(0)

    page.get_by_role("button", name="Remove Backup phone").click()
    expect(page.get_by_role("status")).to_have_text("The MFA device was removed.")
    expect(page.locator("tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Change password").click()
    changed = "a much longer passphrase 42"
    page.get_by_label("New password", exact=True).fill(changed)
    page.get_by_label("Confirm new password").fill(changed)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text("Your password was changed.")

    page.get_by_role("button", name="Sign out").click()
    user.password = changed
    enter_password(page, server, user)
    page.get_by_label("MFA code").fill(next_code(server, user))
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def test_changes_need_recent_reauthentication(
    server: Server, portal: Portal, defaults: None, page: Page
) -> None:
    user = new_web_user(server, portal, "stale.session")
    first_sign_in(page, server, user)
    server.advance_clock(6 * 60)
    page.goto(f"{server.endpoint}/start/security/password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your identity")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_label("MFA code").fill(next_code(server, user))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
