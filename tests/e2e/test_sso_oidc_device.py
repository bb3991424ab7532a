"""sso-oidc client registration and the device authorization grant, state by state
(pending, slow_down, expired, denied, approved), with boto3 against the real server."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError
from sqlalchemy import select

from orgstack.store.schema import audit_events
from tests.e2e.audit_helpers import record_of, request_id_of, wait_for_request
from tests.e2e.identity_center_helpers import account_instance, new_user
from tests.e2e.sso_flow_helpers import approve, deny, poll, register, start
from tests.harness import Server, fresh_database_url, start_server

USER_CODE = r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module alone, whose clock the expiry tests move forward."""
    data_dir: Path = tmp_path_factory.mktemp("sso-oidc")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A user of a fresh account instance: (identity store id, user id)."""
    owner, _, store_id = account_instance(server)
    user_id = new_user(server.client("identitystore", owner), store_id, "dev.user")
    return store_id, user_id


def oauth_failure(call: Any, **kwargs: Any) -> tuple[int, str, str, str]:
    """Return the status, error code, message and OAuth `error` of a failed call."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
        response.get("error", ""),
    )


def test_register_client_returns_id_secret_and_expiry(server: Server) -> None:
    before = int(time.time())

    client = register(server.client("sso-oidc"))

    assert len(client["clientId"]) >= 16
    assert len(client["clientSecret"]) >= 64
    # Other tests may move the shared server's clock forward, never back.
    assert client["clientIdIssuedAt"] >= before - 1
    assert client["clientSecretExpiresAt"] - client["clientIdIssuedAt"] == 90 * 86400


def test_register_client_rejects_confidential_type(server: Server) -> None:
    oidc = server.client("sso-oidc")

    status, code, message, error = oauth_failure(
        oidc.register_client, clientName="x", clientType="confidential"
    )

    assert (status, code, message, error) == (
        400,
        "InvalidClientMetadataException",
        "",
        "invalid_client_metadata",
    )


def test_register_client_rejects_unknown_grant_type(server: Server) -> None:
    oidc = server.client("sso-oidc")

    status, code, _, error = oauth_failure(
        oidc.register_client, clientName="x", clientType="public", grantTypes=["password"]
    )

    assert (status, code, error) == (400, "UnsupportedGrantTypeException", "unsupported_grant_type")


def test_register_client_rejects_non_loopback_http_redirect(server: Server) -> None:
    oidc = server.client("sso-oidc")

    status, code, _, error = oauth_failure(
        oidc.register_client,
        clientName="x",
        clientType="public",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://attacker.example/oauth/callback"],
    )

    assert (status, code, error) == (400, "InvalidRedirectUriException", "invalid_redirect_uri")


def test_start_returns_codes_and_portal_device_page(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)

    started = start(server, oidc, client)

    assert len(started["deviceCode"]) >= 43
    assert re.fullmatch(USER_CODE, started["userCode"])
    assert started["verificationUri"] == f"{server.endpoint}/start/#/device"
    assert started["verificationUriComplete"] == (
        f"{server.endpoint}/start/#/device?user_code={started['userCode']}"
    )
    assert started["expiresIn"] == 600
    assert started["interval"] == 1


def test_start_rejects_wrong_client_secret(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)

    status, code, message, error = oauth_failure(
        oidc.start_device_authorization,
        clientId=client["clientId"],
        clientSecret=client["clientSecret"] + "x",
        startUrl=f"{server.endpoint}/start",
    )

    assert (status, code, message, error) == (401, "InvalidClientException", "", "invalid_client")


# The protocol states of RFC 8628 section 3.5, one test each.


def test_poll_while_pending(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)

    status, code, message, error = oauth_failure(
        poll, oidc=oidc, client=client, device_code=started["deviceCode"]
    )

    assert (status, code, message, error) == (
        400,
        "AuthorizationPendingException",
        "",
        "authorization_pending",
    )


def test_poll_faster_than_interval_slows_down(own_server: Server) -> None:
    oidc = own_server.client("sso-oidc")
    client = register(oidc)
    started = start(own_server, oidc, client)
    oauth_failure(poll, oidc=oidc, client=client, device_code=started["deviceCode"])

    status, code, _, error = oauth_failure(
        poll, oidc=oidc, client=client, device_code=started["deviceCode"]
    )
    assert (status, code, error) == (400, "SlowDownException", "slow_down")

    # The interval grew by 5 seconds to 6: a poll 3 seconds later is still too fast.
    own_server.advance_clock(3)
    assert oauth_failure(poll, oidc=oidc, client=client, device_code=started["deviceCode"])[1] == (
        "SlowDownException"
    )
    own_server.advance_clock(12)
    assert oauth_failure(poll, oidc=oidc, client=client, device_code=started["deviceCode"])[1] == (
        "AuthorizationPendingException"
    )


def test_poll_after_ten_minutes_is_expired(own_server: Server) -> None:
    oidc = own_server.client("sso-oidc")
    client = register(oidc)
    started = start(own_server, oidc, client)

    own_server.advance_clock(601)
    status, code, message, error = oauth_failure(
        poll, oidc=oidc, client=client, device_code=started["deviceCode"]
    )

    assert (status, code, message, error) == (400, "ExpiredTokenException", "", "expired_token")


def test_poll_after_denial_is_access_denied(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    assert deny(server, started["userCode"], *user)

    status, code, _, error = oauth_failure(
        poll, oidc=oidc, client=client, device_code=started["deviceCode"]
    )

    assert (status, code, error) == (400, "AccessDeniedException", "access_denied")


def test_poll_after_approval_returns_tokens(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)

    assert approve(server, started["userCode"], *user)
    tokens = poll(oidc, client, started["deviceCode"])

    assert tokens["tokenType"] == "Bearer"
    assert tokens["expiresIn"] == 8 * 3600
    assert len(tokens["accessToken"]) >= 64
    assert len(tokens["refreshToken"]) >= 64


def test_device_code_is_single_use(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    assert approve(server, started["userCode"], *user)
    poll(oidc, client, started["deviceCode"])

    status, code, _, error = oauth_failure(
        poll, oidc=oidc, client=client, device_code=started["deviceCode"]
    )

    assert (status, code, error) == (400, "InvalidGrantException", "invalid_grant")


def test_unknown_device_code_is_invalid_grant(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)

    status, code, _, error = oauth_failure(poll, oidc=oidc, client=client, device_code="x" * 64)

    assert (status, code, error) == (400, "InvalidGrantException", "invalid_grant")


def test_device_code_of_another_client_is_invalid_grant(
    server: Server, user: tuple[str, str]
) -> None:
    oidc = server.client("sso-oidc")
    owner, thief = register(oidc), register(oidc)
    started = start(server, oidc, owner)
    assert approve(server, started["userCode"], *user)

    code = oauth_failure(poll, oidc=oidc, client=thief, device_code=started["deviceCode"])[1]

    assert code == "InvalidGrantException"
    assert poll(oidc, owner, started["deviceCode"])["accessToken"]


def test_wrong_client_secret_is_invalid_client(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    forged = {**client, "clientSecret": "not-the-secret"}

    status, code, _, error = oauth_failure(
        poll, oidc=oidc, client=forged, device_code=started["deviceCode"]
    )

    assert (status, code, error) == (401, "InvalidClientException", "invalid_client")


def test_user_code_matches_without_case_or_dash(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    typed = started["userCode"].replace("-", "").lower()

    assert approve(server, typed, *user)
    assert poll(oidc, client, started["deviceCode"])["accessToken"]


def test_approval_of_unknown_code_changes_nothing(server: Server, user: tuple[str, str]) -> None:
    assert not approve(server, "BCDF-GHJK", *user)
    assert not deny(server, "BCDF-GHJK", *user)


def test_answered_code_cannot_be_approved_again(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    assert deny(server, started["userCode"], *user)

    assert not approve(server, started["userCode"], *user)
    assert oauth_failure(poll, oidc=oidc, client=client, device_code=started["deviceCode"])[1] == (
        "AccessDeniedException"
    )


def test_unsupported_grant_type(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)

    status, code, _, error = oauth_failure(
        oidc.create_token,
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="password",
    )

    assert (status, code, error) == (400, "UnsupportedGrantTypeException", "unsupported_grant_type")


def test_legacy_client_without_scopes_gets_no_refresh_token(
    server: Server, user: tuple[str, str]
) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc, scopes=[])
    started = start(server, oidc, client)
    assert approve(server, started["userCode"], *user)

    tokens = poll(oidc, client, started["deviceCode"])

    assert "refreshToken" not in tokens


def test_audit_events_hide_codes_and_tokens(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    assert approve(server, started["userCode"], *user)
    tokens = poll(oidc, client, started["deviceCode"])

    with server.database().transaction(write=False) as connection:
        rows = connection.execute(
            select(audit_events.c.record_json).where(
                audit_events.c.event_source == "sso-oauth.amazonaws.com"
            )
        ).all()
    text = "\n".join(row.record_json for row in rows)
    secrets = (
        client["clientSecret"],
        started["deviceCode"],
        started["userCode"],
        tokens["accessToken"],
        tokens["refreshToken"],
    )
    for secret in secrets:
        assert secret not in text
    names = [orjson.loads(row.record_json)["eventName"] for row in rows]
    assert "CreateToken" in names
    assert "RegisterClient" in names


def test_create_token_event_in_instance_account(server: Server) -> None:
    owner, _, store_id = account_instance(server)
    user_id = new_user(server.client("identitystore", owner), store_id, "trail.user")
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    assert approve(server, started["userCode"], store_id, user_id)
    reply = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        deviceCode=started["deviceCode"],
    )

    event = wait_for_request(server.client("cloudtrail", owner), request_id_of(reply))
    record = record_of(event)

    assert record["eventSource"] == "sso-oauth.amazonaws.com"
    assert record["eventName"] == "CreateToken"
    assert record["recipientAccountId"] == owner.account_id
    assert record["requestParameters"]["deviceCode"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert record["requestParameters"]["clientSecret"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert record["responseElements"]["accessToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert record["responseElements"]["refreshToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
