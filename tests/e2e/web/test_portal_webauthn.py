"""Security keys and passkeys as MFA devices of the access portal, driven through Chromium's
virtual authenticators: registration, sign-in, the per-user limit, removal, replay and tampering,
the choice between TOTP and WebAuthn, the instance's MFA settings, CSRF and the audit trail."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from tests.e2e.audit_helpers import all_events, record_of
from tests.e2e.identity_center_helpers import new_user, orgstack_command
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.portal_helpers import (
    NEW_PASSWORD,
    WebUser,
    enter_password,
    first_sign_in,
    login_url,
    next_code,
    reset_password,
)
from tests.e2e.web.webauthn_helpers import (
    WRONG_SECURITY_KEY,
    add_authenticator,
    csrf_of,
    register_key_at_security_page,
    sign_in_with_key,
)
from tests.harness import Server, free_port, fresh_database_url, start_server

CSRF_FAILED = "The form expired or did not come from this site. Reload the page and try again."
TOO_MANY_KEYS = (
    "You already have 6 security keys or passkeys, the maximum. Remove one before you register "
    "another."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose public base URL names localhost, the relying party ID of these tests."""
    data_dir: Path = tmp_path_factory.mktemp("portal-webauthn")
    port = free_port()
    base_url = f"http://localhost:{port}"
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url, ("--public-base-url", base_url), port=port)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def site(server: Server) -> Server:
    """The same server as the browser reaches it, through its public base URL."""
    return dataclasses.replace(server, endpoint=f"http://localhost:{server.port}")


@pytest.fixture(scope="module")
def portal(server: Server) -> Portal:
    return build_portal(server)


def configure(server: Server, portal: Portal, *options: str) -> None:
    result = orgstack_command(
        server, "identity-center", "settings", "--identity-store-id", portal.center.store_id,
        *options,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.fixture
def defaults(server: Server, portal: Portal) -> Iterator[None]:
    configure(
        server, portal, "--mfa-mode", "every-sign-in", "--no-mfa-device", "require-registration"
    )
    yield
    configure(
        server, portal, "--mfa-mode", "every-sign-in", "--no-mfa-device", "require-registration"
    )


def new_web_user(server: Server, portal: Portal, user_name: str) -> WebUser:
    new_user(portal.center.identitystore, portal.center.store_id, user_name)
    store_id = portal.center.store_id
    return WebUser(store_id, user_name, reset_password(server, store_id, user_name))


def set_new_password(page: Page, user: WebUser) -> None:
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    user.password = NEW_PASSWORD


def sign_up_with_key(site: Server, user: WebUser, page: Page, key_name: str) -> None:
    """Sign in with the one-time password and register a security key at the MFA step."""
    enter_password(page, site, user)
    set_new_password(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an MFA device")
    page.get_by_label("Security key name").fill(key_name)
    page.get_by_role("button", name="Register security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def user_with_totp_and_key(
    site: Server, portal: Portal, user_name: str, context: BrowserContext, page: Page
) -> WebUser:
    """Create a user with an authenticator app (first sign-in) and then a security key."""
    user = new_web_user(site, portal, user_name)
    first_sign_in(page, site, user)
    add_authenticator(context, page)
    page.get_by_role("link", name="MFA devices and password").click()
    register_key_at_security_page(page, "Desk key")
    page.get_by_role("button", name="Sign out").click()
    return user


def events_named(server: Server, portal: Portal, name: str) -> list[dict[str, object]]:
    cloudtrail = server.client("cloudtrail", portal.center.management)
    found = all_events(
        cloudtrail, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}]
    )
    return [record_of(event) for event in found]


def events_of_user(
    server: Server, portal: Portal, name: str, user_name: str
) -> list[dict[str, object]]:
    found = []
    for record in events_named(server, portal, name):
        identity = record["userIdentity"]
        assert isinstance(identity, dict)
        if identity["userName"] == user_name:
            found.append(record)
    return found


def workflow_steps(
    server: Server, portal: Portal, name: str, workflow: str
) -> list[tuple[str, object]]:
    """Return (CredentialType, outcome) of the events called `name` in one sign-in."""
    steps = []
    for record in events_named(server, portal, name):
        details = record.get("additionalEventData")
        assert isinstance(details, dict)
        if details.get("AuthWorkflowID") != workflow:
            continue
        outcome = record["serviceEventDetails"]
        assert isinstance(outcome, dict)
        steps.append((str(details["CredentialType"]), outcome[name]))
    return sorted(steps)


def latest_workflow(server: Server, portal: Portal, user_name: str) -> str:
    for record in events_named(server, portal, "UserAuthentication"):
        identity = record["userIdentity"]
        assert isinstance(identity, dict)
        if identity["userName"] == user_name:
            details = record["additionalEventData"]
            assert isinstance(details, dict)
            return str(details["AuthWorkflowID"])
    raise AssertionError(f"no UserAuthentication event of {user_name}")


def captured_form(request: Request) -> dict[str, str]:
    fields = parse_qs(request.post_data or "", keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def test_sign_in_with_registered_key(
    server: Server,
    site: Server,
    portal: Portal,
    defaults: None,
    context: BrowserContext,
    page: Page,
) -> None:
    user = WebUser(
        portal.center.store_id,
        "alice.smith",
        reset_password(server, portal.center.store_id, "alice.smith"),
    )
    authenticator = add_authenticator(context, page)
    enter_password(page, site, user)
    set_new_password(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an MFA device")
    screenshot(page, "webauthn-register-at-sign-in")
    page.get_by_label("Security key name").fill("YubiKey 5")
    page.get_by_role("button", name="Register security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    expect(page.locator("li.account h2")).to_have_text(["Workloads A"])
    credentials = authenticator.credentials()
    assert len(credentials) == 1
    assert credentials[0]["rpId"] == "localhost"

    page.get_by_role("button", name="Sign out").click()
    enter_password(page, site, user)
    expect(page.get_by_role("button", name="Verify with security key")).to_be_enabled()
    expect(page.get_by_label("MFA code")).to_have_count(0)
    screenshot(page, "webauthn-sign-in")
    page.get_by_role("button", name="Verify with security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    expect(page.locator("li.account h2")).to_have_text(["Workloads A"])
    assert authenticator.credentials()[0]["signCount"] == 2

    page.get_by_role("link", name="MFA devices and password").click()
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("YubiKey 5")
    expect(row.locator("td").nth(1)).to_have_text("Security key")
    screenshot(page, "webauthn-devices")

    workflow = latest_workflow(server, portal, "alice.smith")
    assert workflow_steps(server, portal, "CredentialChallenge", workflow) == [
        ("PASSWORD", "Success"),
        ("WEBAUTHN", "Success"),
    ]
    assert workflow_steps(server, portal, "CredentialVerification", workflow) == [
        ("PASSWORD", "Success"),
        ("WEBAUTHN", "Success"),
    ]
    authentication = events_named(server, portal, "UserAuthentication")[0]
    details = authentication["additionalEventData"]
    assert isinstance(details, dict)
    assert details["CredentialType"] == "PASSWORD,WEBAUTHN"


def test_seventh_security_key_is_rejected(
    server: Server,
    site: Server,
    portal: Portal,
    defaults: None,
    context: BrowserContext,
    page: Page,
) -> None:
    user = new_web_user(site, portal, "many.keys")
    first_sign_in(page, site, user)
    page.get_by_role("link", name="MFA devices and password").click()
    for number, transport in enumerate(["usb", "internal", "nfc", "ble", "usb", "usb"], start=1):
        # The built-in authenticator keeps a discoverable credential, as a passkey does.
        authenticator = add_authenticator(context, page, transport, transport == "internal")
        register_key_at_security_page(page, f"Key {number}")
        authenticator.remove()

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.filter(has_text="Key 1").locator("td").nth(1)).to_have_text("Security key")
    expect(rows.filter(has_text="Key 2").locator("td").nth(1)).to_have_text(
        "Built-in authenticator"
    )
    expect(
        page.get_by_text("You have registered the maximum of 6 security keys and passkeys.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Register security key")).to_have_count(0)
    screenshot(page, "webauthn-device-limit")

    page.goto(f"{site.endpoint}/start/security/webauthn/new")
    expect(page.get_by_role("alert")).to_have_text(TOO_MANY_KEYS)
    expect(page.get_by_role("button", name="Register security key")).to_have_count(0)

    # A response posted all the same is rejected before it is looked at.
    seventh = add_authenticator(context, page)
    answer = context.request.post(
        f"{site.endpoint}/start/security/webauthn/new",
        form={"csrf_token": csrf_of(page), "webauthn_response": "{}", "security_key_name": "7"},
    )
    assert answer.status == 400
    assert TOO_MANY_KEYS in answer.text()
    assert seventh.credentials() == []
    page.goto(f"{site.endpoint}/start/security")
    expect(page.locator("tbody tr")).to_have_count(7)
    assert len(events_of_user(server, portal, "CreateMfaDeviceForUser", "many.keys")) == 6


def test_remove_security_key_after_reauthentication(
    server: Server,
    site: Server,
    portal: Portal,
    defaults: None,
    context: BrowserContext,
    page: Page,
) -> None:
    user = user_with_totp_and_key(site, portal, "removes.key", context, page)
    sign_in_with_key(page, site, user)

    # Five minutes later a change needs the password and a second factor again: the key here.
    site.advance_clock(6 * 60)
    page.get_by_role("link", name="MFA devices and password").click()
    page.get_by_role("button", name="Remove Desk key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your identity")
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Confirm with security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MFA devices and password")
    page.get_by_role("button", name="Remove Desk key").click()
    expect(page.get_by_role("status")).to_have_text("The MFA device was removed.")
    expect(page.locator("tbody tr")).to_have_count(1)
    removals = events_of_user(server, portal, "DeleteMfaDeviceForUser", "removes.key")
    assert len(removals) == 1
    assert removals[0]["eventSource"] == "sso-directory.amazonaws.com"

    page.get_by_role("button", name="Sign out").click()
    enter_password(page, site, user)
    expect(page.get_by_label("MFA code")).to_be_visible()
    expect(page.get_by_role("button", name="Use a security key instead")).to_have_count(0)
    page.get_by_label("MFA code").fill(next_code(site, user))
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")


def test_spent_and_foreign_challenges_are_rejected(
    site: Server,
    portal: Portal,
    defaults: None,
    browser: Browser,
    context: BrowserContext,
    page: Page,
) -> None:
    user = new_web_user(site, portal, "replay.target")
    add_authenticator(context, page)
    sign_up_with_key(site, user, page, "Replay key")
    page.get_by_role("button", name="Sign out").click()

    # Hold back the browser's post of a genuine assertion.
    intercepted: list[dict[str, str]] = []

    def hold(route: Route) -> None:
        if route.request.method == "POST" and "webauthn_response" in (
            route.request.post_data or ""
        ):
            intercepted.append(captured_form(route.request))
            route.abort()
            return
        route.continue_()

    page.route("**/start/login", hold)
    enter_password(page, site, user)
    page.get_by_role("button", name="Verify with security key").click()
    page.wait_for_timeout(500)
    assert len(intercepted) == 1
    page.unroute("**/start/login")
    genuine = intercepted[0]

    # A changed signature fails, and it spends the challenge that the genuine response needed.
    response = json.loads(genuine["webauthn_response"])
    signature = bytearray(base64.urlsafe_b64decode(response["response"]["signature"] + "=="))
    signature[-1] ^= 0x01
    response["response"]["signature"] = base64.urlsafe_b64encode(signature).decode().rstrip("=")
    tampered = {**genuine, "webauthn_response": json.dumps(response)}
    for form in (tampered, genuine):
        answer = context.request.post(f"{site.endpoint}/start/login", form=form)
        assert answer.status == 400
        assert WRONG_SECURITY_KEY in answer.text()

    # The genuine response fails in another sign-in too, because its challenge differs.
    other = browser.new_context()
    other_page = other.new_page()
    enter_password(other_page, site, user)
    expect(other_page.get_by_role("button", name="Verify with security key")).to_be_visible()
    answer = other.request.post(
        f"{site.endpoint}/start/login", form={**genuine, "csrf_token": csrf_of(other_page)}
    )
    assert answer.status == 400
    assert WRONG_SECURITY_KEY in answer.text()
    other.close()

    # Malformed responses are rejected the same way, never with a server error.
    page.goto(login_url(site, user.store_id))
    for garbage in ("", "not json", "[]", '{"id": 1, "rawId": 2, "response": 3, "type": 4}'):
        answer = context.request.post(
            f"{site.endpoint}/start/login",
            form={"csrf_token": genuine["csrf_token"], "webauthn_response": garbage},
        )
        assert answer.status in (400, 429), (garbage, answer.status)
        assert "could not be verified" in answer.text() or "Too many" in answer.text()


def _hold_webauthn_post(page: Page, held_requests: list[Request]) -> None:
    """Abort each form post that carries a WebAuthn response, and append it to `held_requests`."""

    def hold(route: Route) -> None:
        if route.request.method == "POST" and "webauthn_response" in (
            route.request.post_data or ""
        ):
            held_requests.append(route.request)
            route.abort()
            return
        route.continue_()

    page.route("**/*", hold)


def test_deep_json_responses_are_rejected(
    site: Server, portal: Portal, defaults: None, context: BrowserContext, page: Page
) -> None:
    # Python's json module raises RecursionError on this response instead of a decoding error.
    deep = "[" * 1500 + "]" * 1500
    user = new_web_user(site, portal, "deep.response")
    add_authenticator(context, page)
    held_requests: list[Request] = []
    _hold_webauthn_post(page, held_requests)

    # Registration at the sign-in's MFA step.
    enter_password(page, site, user)
    set_new_password(page, user)
    page.get_by_label("Security key name").fill("Deep key")
    page.get_by_role("button", name="Register security key").click()
    page.wait_for_timeout(500)
    assert len(held_requests) == 1
    registration = held_requests.pop()
    answer = context.request.post(
        registration.url, form={**captured_form(registration), "webauthn_response": deep}
    )
    assert answer.status == 400
    assert WRONG_SECURITY_KEY in answer.text()

    # Sign-in with a registered key. The sign-in page shows the registration step again.
    page.unroute("**/*")
    page.goto(login_url(site, user.store_id))
    page.get_by_label("Security key name").fill("Real key")
    page.get_by_role("button", name="Register security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    page.get_by_role("button", name="Sign out").click()
    _hold_webauthn_post(page, held_requests)
    enter_password(page, site, user)
    page.get_by_role("button", name="Verify with security key").click()
    page.wait_for_timeout(500)
    assert len(held_requests) == 1
    assertion = held_requests.pop()
    answer = context.request.post(
        assertion.url, form={**captured_form(assertion), "webauthn_response": deep}
    )
    assert answer.status == 400
    assert WRONG_SECURITY_KEY in answer.text()


def test_counter_going_backwards_is_rejected(
    site: Server, portal: Portal, defaults: None, context: BrowserContext, page: Page
) -> None:
    user = new_web_user(site, portal, "cloned.key")
    authenticator = add_authenticator(context, page)
    sign_up_with_key(site, user, page, "Cloned key")
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_key(page, site, user)
    page.get_by_role("button", name="Sign out").click()

    # A copy of the key that starts counting from zero again, as a cloned authenticator would.
    credential = authenticator.credentials()[0]
    assert credential["signCount"] == 2
    authenticator.cdp.send(
        "WebAuthn.removeCredential",
        {
            "authenticatorId": authenticator.authenticator_id,
            "credentialId": credential["credentialId"],
        },
    )
    authenticator.cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": authenticator.authenticator_id,
            "credential": {**credential, "signCount": 0},
        },
    )
    enter_password(page, site, user)
    page.get_by_role("button", name="Verify with security key").click()
    expect(page.get_by_role("alert")).to_have_text(WRONG_SECURITY_KEY)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    screenshot(page, "webauthn-rejected")


def test_user_with_both_kinds_chooses_either(
    server: Server,
    site: Server,
    portal: Portal,
    defaults: None,
    context: BrowserContext,
    page: Page,
) -> None:
    user = user_with_totp_and_key(site, portal, "both.kinds", context, page)

    enter_password(page, site, user)
    expect(page.get_by_role("button", name="Verify with security key")).to_be_visible()
    screenshot(page, "webauthn-or-totp")
    page.get_by_role("button", name="Use an authenticator app instead").click()
    page.get_by_label("MFA code").fill(next_code(site, user))
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")

    workflow = latest_workflow(server, portal, "both.kinds")
    assert workflow_steps(server, portal, "CredentialChallenge", workflow) == [
        ("PASSWORD", "Success"),
        ("TOTP", "Success"),
        ("WEBAUTHN", "Success"),
    ]
    assert workflow_steps(server, portal, "CredentialVerification", workflow) == [
        ("PASSWORD", "Success"),
        ("TOTP", "Success"),
    ]

    page.get_by_role("button", name="Sign out").click()
    enter_password(page, site, user)
    page.get_by_role("button", name="Use an authenticator app instead").click()
    page.get_by_role("button", name="Use a security key instead").click()
    page.get_by_role("button", name="Verify with security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    workflow = latest_workflow(server, portal, "both.kinds")
    assert workflow_steps(server, portal, "CredentialVerification", workflow) == [
        ("PASSWORD", "Success"),
        ("WEBAUTHN", "Success"),
    ]


def test_failed_assertion_is_audited(
    server: Server,
    site: Server,
    portal: Portal,
    defaults: None,
    context: BrowserContext,
    page: Page,
) -> None:
    user = new_web_user(site, portal, "audited.key")
    authenticator = add_authenticator(context, page)
    sign_up_with_key(site, user, page, "Audited key")
    page.get_by_role("button", name="Sign out").click()

    # The key is gone from the authenticator, so the browser's request fails in the page.
    authenticator.cdp.send(
        "WebAuthn.clearCredentials", {"authenticatorId": authenticator.authenticator_id}
    )
    enter_password(page, site, user)
    page.get_by_role("button", name="Verify with security key").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The security key or passkey did not respond, or the request was cancelled. Try again."
    )
    answer = context.request.post(
        f"{site.endpoint}/start/login",
        form={"csrf_token": csrf_of(page), "webauthn_response": "{}"},
    )
    assert answer.status == 400

    failures = [
        record
        for record in events_named(server, portal, "CredentialVerification")
        if record["serviceEventDetails"] == {"CredentialVerification": "Failure"}
    ]
    details = failures[0]["additionalEventData"]
    assert isinstance(details, dict)
    assert details["CredentialType"] == "WEBAUTHN"
    identity = failures[0]["userIdentity"]
    assert isinstance(identity, dict)
    assert identity["userName"] == "audited.key"


def test_mfa_settings_apply_to_security_keys(
    server: Server,
    site: Server,
    portal: Portal,
    defaults: None,
    browser: Browser,
    context: BrowserContext,
    page: Page,
) -> None:
    user = new_web_user(site, portal, "settings.key")
    add_authenticator(context, page)
    sign_up_with_key(site, user, page, "Settings key")
    page.get_by_role("button", name="Sign out").click()

    # A key is a device: "allow" and "block" concern only users without one.
    for behaviour in ("allow", "block"):
        configure(server, portal, "--no-mfa-device", behaviour)
        sign_in_with_key(page, site, user)
        page.get_by_role("button", name="Sign out").click()

    # This browser passed MFA with the key, so context-aware MFA lets the password do.
    configure(server, portal, "--mfa-mode", "context-aware")
    enter_password(page, site, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    page.get_by_role("button", name="Sign out").click()
    other = browser.new_context()
    stranger = other.new_page()
    enter_password(stranger, site, user)
    expect(stranger.get_by_role("button", name="Verify with security key")).to_be_visible()

    configure(server, portal, "--mfa-mode", "never")
    stranger.goto(login_url(site, user.store_id) + "&restart=1")
    enter_password(stranger, site, user)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    other.close()


def test_security_key_forms_reject_bad_csrf(
    site: Server,
    portal: Portal,
    defaults: None,
    browser: Browser,
    context: BrowserContext,
    page: Page,
) -> None:
    user = new_web_user(site, portal, "csrf.key")
    authenticator = add_authenticator(context, page)
    sign_up_with_key(site, user, page, "CSRF key")

    stranger = browser.new_context()
    stranger_page = stranger.new_page()
    stranger_page.goto(login_url(site, user.store_id))
    other_token = csrf_of(stranger_page)
    stranger.close()

    forms = {
        "/start/security/webauthn/new": {"webauthn_response": "{}", "security_key_name": "evil"},
        "/start/security/reauth": {"password": user.password, "webauthn_response": "{}"},
    }
    for path, fields in forms.items():
        for token in (None, "0" * 64, other_token):
            form = dict(fields)
            if token is not None:
                form["csrf_token"] = token
            answer = context.request.post(f"{site.endpoint}{path}", form=form, max_redirects=0)
            assert answer.status == 403, (path, token, answer.status)
            assert CSRF_FAILED in answer.text(), path

    # The sign-in step of the key rejects a form without the pre-sign-in session's token.
    page.get_by_role("button", name="Sign out").click()
    enter_password(page, site, user)
    for fields in ({"webauthn_response": "{}"}, {"mfa_method": "TOTP"}):
        for token in (None, "0" * 64, other_token):
            form = dict(fields)
            if token is not None:
                form["csrf_token"] = token
            answer = context.request.post(f"{site.endpoint}/start/login", form=form)
            assert answer.status == 403, (fields, token, answer.status)
            assert CSRF_FAILED in answer.text()

    # Nothing changed: the one key still signs in.
    page.get_by_role("button", name="Verify with security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    assert len(authenticator.credentials()) == 1


def test_pages_explain_missing_webauthn(
    site: Server,
    portal: Portal,
    defaults: None,
    browser: Browser,
    context: BrowserContext,
    page: Page,
) -> None:
    user = user_with_totp_and_key(site, portal, "no.webauthn", context, page)
    unsupported = page.get_by_text(re.compile(r"^This browser cannot use security keys"))

    # Without JavaScript the key cannot be used, but the authenticator app still signs in.
    no_script = browser.new_context(java_script_enabled=False)
    plain = no_script.new_page()
    enter_password(plain, site, user)
    message = plain.get_by_text(re.compile(r"^This browser cannot use security keys"))
    expect(message).to_be_visible()
    expect(plain.get_by_role("button", name="Verify with security key")).to_be_disabled()
    screenshot(plain, "webauthn-unsupported")
    plain.get_by_role("button", name="Use an authenticator app instead").click()
    plain.get_by_label("MFA code").fill(next_code(site, user))
    plain.get_by_role("button", name="Verify code").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    no_script.close()

    # A browser without the WebAuthn API shows the same message.
    no_api = browser.new_context()
    no_api.add_init_script("delete window.PublicKeyCredential;")
    bare = no_api.new_page()
    enter_password(bare, site, user)
    expect(bare.get_by_text(re.compile(r"^This browser cannot use security keys"))).to_be_visible()
    expect(bare.get_by_role("button", name="Verify with security key")).to_be_disabled()
    no_api.close()

    # With WebAuthn the message is hidden; the script comes from this origin and the CSP
    # still forbids inline scripts.
    response = page.goto(login_url(site, user.store_id))
    enter_password(page, site, user)
    expect(unsupported).to_be_hidden()
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'self';")
    assert "unsafe-inline" not in policy
    sources = page.locator("script").evaluate_all("items => items.map(item => item.src)")
    assert sources == [
        f"{site.endpoint}/start/static/portal.js",
        f"{site.endpoint}/start/static/webauthn.js",
    ]
    script = context.request.get(f"{site.endpoint}/start/static/webauthn.js")
    assert script.status == 200
    assert "javascript" in script.headers["content-type"]
