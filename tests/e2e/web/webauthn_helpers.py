"""Steps of the security key tests: Chromium's virtual authenticators over the DevTools protocol.

WebAuthn rejects an IP address as relying party ID, so these tests run a server whose public base
URL is `http://localhost:<port>` and point the browser there (localhost is a secure context).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from tests.e2e.web.portal_helpers import WebUser, enter_password, next_code
from tests.harness import Server

WRONG_SECURITY_KEY = (
    "The security key or passkey could not be verified. Try again, or use another MFA device."
)


@dataclass
class VirtualAuthenticator:
    """One virtual authenticator of a page, with the DevTools session that controls it."""

    cdp: CDPSession
    authenticator_id: str

    def credentials(self) -> list[dict[str, Any]]:
        reply = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})
        return list(reply["credentials"])

    def remove(self) -> None:
        self.cdp.send(
            "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.authenticator_id}
        )


def add_authenticator(
    context: BrowserContext, page: Page, transport: str = "usb", resident_key: bool = False
) -> VirtualAuthenticator:
    """Attach a CTAP2 authenticator to `page` that verifies the user without waiting for a touch."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": transport,
                "hasResidentKey": resident_key,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return VirtualAuthenticator(cdp, str(added["authenticatorId"]))


def register_key_at_security_page(page: Page, name: str) -> None:
    """Register a key from the MFA devices page (re-authentication must be recent)."""
    page.get_by_role("link", name="Register security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register security key")
    page.get_by_label("Security key name").fill(name)
    page.get_by_role("button", name="Register security key").click()
    expect(page.get_by_role("status")).to_have_text("The security key was registered.")


def reauthenticate_with_code(page: Page, server: Server, user: WebUser) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your identity")
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_label("MFA code").fill(next_code(server, user))
    page.get_by_role("button", name="Confirm", exact=True).click()


def sign_in_with_key(page: Page, server: Server, user: WebUser) -> None:
    enter_password(page, server, user)
    page.get_by_role("button", name="Verify with security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def csrf_of(page: Page) -> str:
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))
