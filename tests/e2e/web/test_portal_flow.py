"""The access portal in a real browser: first sign-in, accounts, access keys, shortcuts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.portal_helpers import (
    WebUser,
    first_sign_in,
    reset_password,
    sign_in_with_mfa,
)
from tests.harness import Server


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def new_web_user(server: Server, portal: Portal, user_name: str) -> WebUser:
    store_id = portal.center.store_id
    return WebUser(store_id, user_name, reset_password(server, store_id, user_name))


def test_first_sign_in_then_mfa_sign_in(server: Server, portal: Portal, page: Page) -> None:
    alice = new_web_user(server, portal, "alice.smith")
    first_sign_in(page, server, alice)
    screenshot(page, "accounts")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username")).to_be_visible()

    sign_in_with_mfa(page, server, alice)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    expect(page.locator("li.account")).to_have_count(1)
    expect(page.locator("li.account h2")).to_have_text("Workloads A")
    expect(page.locator("li.account .role-name")).to_have_text(["Auditor", "Developer"])
