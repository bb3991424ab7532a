"""The access portal in a real browser: first sign-in, accounts, access keys, shortcuts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e import sso_flow_helpers as flow
from tests.e2e.audit_helpers import all_events, record_of
from tests.e2e.sso_portal_helpers import Portal, build_portal
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.portal_helpers import (
    WebUser,
    first_sign_in,
    login_url,
    next_code,
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
    bob = new_web_user(server, portal, "bob.jones")
    first_sign_in(page, server, bob)
    screenshot(page, "accounts")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username")).to_be_visible()

    sign_in_with_mfa(page, server, bob)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    expect(page.locator("li.account")).to_have_count(1)
    expect(page.locator("li.account h2")).to_have_text("Workloads B")
    expect(page.locator("li.account .role-name")).to_have_text(["Developer"])


@pytest.fixture(scope="module")
def alice_signed_up(server: Server, portal: Portal, browser: Browser) -> WebUser:
    """Alice after her first sign-in, with a new password and one authenticator app."""
    alice = new_web_user(server, portal, "alice.smith")
    context = browser.new_context()
    try:
        first_sign_in(context.new_page(), server, alice)
    finally:
        context.close()
    return alice


def signed_in_page(server: Server, user: WebUser, page: Page) -> Page:
    """Sign in on `page` with a time step the user's device has not used yet."""
    sign_in_with_mfa(page, server, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS accounts")
    return page


def test_access_keys_work_against_the_server(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    signed_in_page(server, alice_signed_up, page)
    page.get_by_role("link", name="Access keys for Developer in Workloads A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access keys for Developer")
    screenshot(page, "credentials")

    exports = page.locator("#env-unix").inner_text()
    values = dict(re.findall(r'export (\w+)="([^"]+)"', exports))
    assert sorted(values) == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
    assert (
        '$Env:AWS_ACCESS_KEY_ID="' + values["AWS_ACCESS_KEY_ID"]
        in page.locator("#env-powershell").inner_text()
    )
    profile = page.locator("#credentials-file").inner_text()
    assert profile.startswith(f"[{portal.account_a}_Developer]\n")
    assert f"aws_session_token={values['AWS_SESSION_TOKEN']}" in profile
    configure = page.locator("#configure-sso").inner_text()
    assert f"{server.endpoint}/start" in configure
    assert "us-east-1" in configure

    sts = server.client(
        "sts",
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=values["AWS_SESSION_TOKEN"],
    )
    identity = sts.get_caller_identity()
    assert identity["Account"] == portal.account_a
    assert re.fullmatch(
        rf"arn:aws:sts::{portal.account_a}:assumed-role/AWSReservedSSO_Developer_[0-9a-f]{{16}}"
        r"/alice\.smith",
        identity["Arn"],
    ), identity["Arn"]


def test_console_shortcut_fragment_resolves_role(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    signed_in_page(server, alice_signed_up, page)
    page.goto(f"{server.endpoint}/start/#/console?account_id={portal.account_a}&role_name=Auditor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Access keys for Auditor")
    assert page.url.startswith(f"{server.endpoint}/start/credentials?")
    assert f"account_id={portal.account_a}" in page.url


def test_console_shortcut_server_route_rejects_unassigned_role(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    signed_in_page(server, alice_signed_up, page)
    response = page.goto(
        f"{server.endpoint}/start/console?account_id={portal.account_b}&role_name=Developer"
    )
    assert response is not None
    assert response.status == 404
    expect(page.locator("main p").first).to_have_text(
        "You have no role with that name in that account, or the account is not yours."
    )


def test_account_search_on_server_and_in_page(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    signed_in_page(server, alice_signed_up, page)
    page.goto(f"{server.endpoint}/start?q=nothing-matches")
    expect(page.locator("li.account")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No account matches “nothing-matches”.")

    page.goto(f"{server.endpoint}/start?q={portal.account_a}")
    expect(page.locator("li.account")).to_have_count(1)

    page.goto(f"{server.endpoint}/start")
    page.get_by_label("Search accounts").fill("zzz")
    expect(page.locator("li.account")).to_be_hidden()
    page.get_by_label("Search accounts").fill("workloads")
    expect(page.locator("li.account")).to_be_visible()


def test_device_authorization_approved_in_browser(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    oidc = server.client("sso-oidc")
    client = flow.register(oidc, clientName="portal-browser-test")
    started = flow.start(server, oidc, client)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        flow.poll(oidc, client, started["deviceCode"])

    signed_in_page(server, alice_signed_up, page)
    page.goto(started["verificationUriComplete"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorize request")
    expect(page.locator("#client-name")).to_have_text("portal-browser-test")
    expect(page.locator("#user-code")).to_have_text(started["userCode"])
    screenshot(page, "device-approval")
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request approved")

    token = flow.poll(oidc, client, started["deviceCode"])
    sso = server.client("sso")
    listed = sso.list_accounts(accessToken=token["accessToken"])["accountList"]
    assert [item["accountId"] for item in listed] == [portal.account_a]


def test_device_authorization_denied_in_browser(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    oidc = server.client("sso-oidc")
    client = flow.register(oidc)
    started = flow.start(server, oidc, client)
    signed_in_page(server, alice_signed_up, page)
    page.goto(f"{server.endpoint}/start/device")
    page.get_by_label("Code").fill(started["userCode"].lower().replace("-", ""))
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Deny access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request denied")

    with pytest.raises(oidc.exceptions.AccessDeniedException):
        flow.poll(oidc, client, started["deviceCode"])


def test_device_page_signs_in_first_and_returns(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    oidc = server.client("sso-oidc")
    client = flow.register(oidc, clientName="returning-client")
    started = flow.start(server, oidc, client)
    page.goto(login_url(server, alice_signed_up.store_id))
    page.goto(started["verificationUriComplete"])
    page.get_by_label("Username").fill(alice_signed_up.user_name)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password", exact=True).fill(alice_signed_up.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("MFA code").fill(next_code(server, alice_signed_up))
    page.get_by_role("button", name="Verify code").click()
    expect(page.locator("#client-name")).to_have_text("returning-client")


def test_pkce_consent_redirects_with_code(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    oidc = server.client("sso-oidc")
    redirect_uri = "http://127.0.0.1/oauth/callback"
    client = flow.register(
        oidc,
        clientName="pkce-client",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=[redirect_uri],
        issuerUrl=f"{server.endpoint}/start",
    )
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client["clientId"],
            "redirect_uri": "http://127.0.0.1:9/oauth/callback",
            "state": "state-123",
            "code_challenge_method": "S256",
            "code_challenge": challenge.decode().rstrip("="),
            "scopes": "sso:account:access",
        }
    )
    signed_in_page(server, alice_signed_up, page)
    page.goto(f"{server.endpoint}/authorize?{query}")
    expect(page.locator("#client-name")).to_have_text("pkce-client")
    with page.expect_request(lambda request: request.url.startswith("http://127.0.0.1:9/")) as sent:
        page.get_by_role("button", name="Allow access").click()
    callback = parse_qs(urlsplit(sent.value.url).query)
    assert callback["state"] == ["state-123"]

    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="authorization_code",
        code=callback["code"][0],
        redirectUri="http://127.0.0.1:9/oauth/callback",
        codeVerifier=verifier,
    )
    assert token["tokenType"] == "Bearer"


def test_sign_in_events_share_workflow_id(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    signed_in_page(server, alice_signed_up, page)
    cloudtrail = server.client("cloudtrail", portal.center.management)
    found = all_events(
        cloudtrail,
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "UserAuthentication"}],
    )
    records = [record_of(event) for event in found]
    assert records, "no UserAuthentication event"
    latest = records[0]
    assert latest["eventSource"] == "signin.amazonaws.com"
    assert latest["serviceEventDetails"] == {"UserAuthentication": "Success"}
    assert latest["additionalEventData"]["CredentialType"] == "PASSWORD,TOTP"
    assert latest["userIdentity"]["userName"] == "alice.smith"
    workflow = latest["additionalEventData"]["AuthWorkflowID"]

    steps = all_events(
        cloudtrail,
        LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CredentialVerification"}
        ],
    )
    same_sign_in = [
        record_of(event)
        for event in steps
        if record_of(event).get("additionalEventData", {}).get("AuthWorkflowID") == workflow
    ]
    assert sorted(item["additionalEventData"]["CredentialType"] for item in same_sign_in) == [
        "PASSWORD",
        "TOTP",
    ]
    assert all(
        item["serviceEventDetails"] == {"CredentialVerification": "Success"}
        for item in same_sign_in
    )
    assert all(alice_signed_up.password not in json.dumps(item) for item in same_sign_in)


def test_core_paths_work_without_javascript(
    server: Server, portal: Portal, alice_signed_up: WebUser, browser: Browser
) -> None:
    oidc = server.client("sso-oidc")
    client = flow.register(oidc, clientName="no-script-client")
    started = flow.start(server, oidc, client)
    plain = browser.new_context(java_script_enabled=False)
    try:
        page = signed_in_page(server, alice_signed_up, plain.new_page())
        page.get_by_role("link", name="Access keys for Auditor in Workloads A").click()
        expect(page.locator("#env-unix")).to_contain_text("export AWS_SESSION_TOKEN=")
        expect(page.locator("#shortcut-link")).to_have_text(
            f"{server.endpoint}/start/#/console?account_id={portal.account_a}&role_name=Auditor"
        )

        page.goto(f"{server.endpoint}/start/device")
        page.get_by_label("Code").fill(started["userCode"])
        page.get_by_role("button", name="Next").click()
        page.get_by_role("button", name="Allow access").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Request approved")
    finally:
        plain.close()
    assert flow.poll(oidc, client, started["deviceCode"])["tokenType"] == "Bearer"


def test_pages_have_labels_and_one_heading(
    server: Server, portal: Portal, alice_signed_up: WebUser, page: Page
) -> None:
    signed_in_page(server, alice_signed_up, page)
    paths = [
        "/start",
        f"/start/credentials?account_id={portal.account_a}&role_name=Developer",
        "/start/security",
        "/start/security/reauth",
        "/start/device",
    ]
    for path in paths:
        page.goto(f"{server.endpoint}{path}")
        assert_accessible(page, path)
    page.get_by_role("button", name="Sign out").click()
    assert_accessible(page, "/start/login")


def assert_accessible(page: Page, path: str) -> None:
    assert page.locator("h1").count() == 1, path
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input:not([type=hidden])'))
              .filter(input => !(input.labels && input.labels.length))
              .map(input => input.name)"""
    )
    assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
    unnamed = page.evaluate(
        """() => Array.from(document.querySelectorAll('button'))
              .filter(button => !button.textContent.trim()).length"""
    )
    assert unnamed == 0, path
