"""The authorization code grant with PKCE (RFC 7636) as the AWS CLI runs it, and refresh token
rotation. The portal's page is played by calling `begin_authorization` and
`complete_authorization`, as the page does."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from orgstack.clock import Clock
from orgstack.services.sso_oidc import authorization
from orgstack.services.sso_oidc.authorization import AuthorizationRequestError
from tests.e2e.identity_center_helpers import account_instance, new_user
from tests.e2e.sso_flow_helpers import sign_in
from tests.e2e.test_sso_oidc_device import oauth_failure
from tests.harness import Server

REGISTERED_REDIRECT = "http://127.0.0.1/oauth/callback"


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    owner, _, store_id = account_instance(server)
    return store_id, new_user(server.client("identitystore", owner), store_id, "pkce.user")


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def register_cli(oidc: Any, redirect: str = REGISTERED_REDIRECT) -> dict[str, Any]:
    """Register as the AWS CLI's authorization code flow does."""
    return dict(
        oidc.register_client(
            clientName="botocore-client-tests",
            clientType="public",
            grantTypes=["authorization_code", "refresh_token"],
            redirectUris=[redirect],
            issuerUrl="http://127.0.0.1:4580/start",
            scopes=["sso:account:access"],
        )
    )


def authorize_query(client: dict[str, Any], challenge: str, port: int = 53111) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client["clientId"],
        "redirect_uri": f"http://127.0.0.1:{port}/oauth/callback",
        "state": "0f6bb3f2-2f5e-4a53-9d7a-0d6c5e1f7c11",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": challenge,
    }


def begin(server: Server, query: dict[str, str]) -> authorization.AuthorizationRequest:
    with server.database().transaction(write=False) as connection:
        return authorization.begin_authorization(connection, query, Clock().now())


def authorize(server: Server, query: dict[str, str], user: tuple[str, str]) -> dict[str, str]:
    """Run the page's two steps and return the query of the redirect back to the client."""
    request = begin(server, query)
    with server.database().transaction() as connection:
        url = authorization.complete_authorization(connection, request, *user, Clock().now())
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == query["redirect_uri"]
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


def exchange(oidc: Any, client: dict[str, Any], code: str, verifier: str, redirect: str) -> Any:
    return oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="authorization_code",
        code=code,
        redirectUri=redirect,
        codeVerifier=verifier,
    )


def test_code_flow_returns_tokens(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register_cli(oidc)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge)

    returned = authorize(server, query, user)
    tokens = exchange(oidc, client, returned["code"], verifier, query["redirect_uri"])

    assert returned["state"] == query["state"]
    assert tokens["tokenType"] == "Bearer"
    assert tokens["refreshToken"]
    accounts = server.client("sso").list_accounts(accessToken=tokens["accessToken"])
    assert accounts["accountList"] == []


def test_wrong_verifier_is_invalid_grant(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register_cli(oidc)
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    query = authorize_query(client, challenge)
    returned = authorize(server, query, user)

    status, code, _, error = oauth_failure(
        exchange,
        oidc=oidc,
        client=client,
        code=returned["code"],
        verifier=other_verifier,
        redirect=query["redirect_uri"],
    )

    assert (status, code, error) == (400, "InvalidGrantException", "invalid_grant")


def test_code_is_single_use_and_replay_revokes_tokens(
    server: Server, user: tuple[str, str]
) -> None:
    oidc = server.client("sso-oidc")
    client = register_cli(oidc)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    returned = authorize(server, query, user)
    tokens = exchange(oidc, client, returned["code"], verifier, query["redirect_uri"])

    status, code, _, _ = oauth_failure(
        exchange,
        oidc=oidc,
        client=client,
        code=returned["code"],
        verifier=verifier,
        redirect=query["redirect_uri"],
    )

    assert (status, code) == (400, "InvalidGrantException")
    sso = server.client("sso")
    denied = oauth_failure(sso.list_accounts, accessToken=tokens["accessToken"])
    assert denied[:3] == (401, "UnauthorizedException", "Session token not found or invalid")


def test_code_bound_to_redirect_uri(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client = register_cli(oidc)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge, port=53111)
    returned = authorize(server, query, user)

    code = oauth_failure(
        exchange,
        oidc=oidc,
        client=client,
        code=returned["code"],
        verifier=verifier,
        redirect="http://127.0.0.1:53112/oauth/callback",
    )[1]

    assert code == "InvalidGrantException"


def test_code_bound_to_client(server: Server, user: tuple[str, str]) -> None:
    oidc = server.client("sso-oidc")
    client, other = register_cli(oidc), register_cli(oidc)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    returned = authorize(server, query, user)

    code = oauth_failure(
        exchange,
        oidc=oidc,
        client=other,
        code=returned["code"],
        verifier=verifier,
        redirect=query["redirect_uri"],
    )[1]

    assert code == "InvalidGrantException"


def test_code_expires_after_five_minutes(server: Server, user: tuple[str, str]) -> None:
    # The code's expiry is set from the wall clock of this process, five minutes back.
    oidc = server.client("sso-oidc")
    client = register_cli(oidc)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    request = begin(server, query)
    past = Clock().now() - authorization.CODE_LIFETIME
    with server.database().transaction() as connection:
        url = authorization.complete_authorization(connection, request, *user, past)
    code_value = parse_qs(urlsplit(url).query)["code"][0]

    status, code, _, error = oauth_failure(
        exchange,
        oidc=oidc,
        client=client,
        code=code_value,
        verifier=verifier,
        redirect=query["redirect_uri"],
    )

    assert (status, code, error) == (400, "ExpiredTokenException", "expired_token")


def test_loopback_redirect_matches_any_port(server: Server) -> None:
    client = register_cli(server.client("sso-oidc"))
    _, challenge = pkce_pair()

    for port in (1024, 53111, 65535):
        request = begin(server, authorize_query(client, challenge, port=port))
        assert request.redirect_uri == f"http://127.0.0.1:{port}/oauth/callback"


@pytest.mark.parametrize(
    "redirect",
    [
        "http://attacker.example:53111/oauth/callback",
        "http://127.0.0.1:53111/other/path",
        "https://127.0.0.1:53111/oauth/callback",
        "http://localhost:53111/oauth/callback",
    ],
)
def test_unregistered_redirect_is_not_followed(server: Server, redirect: str) -> None:
    client = register_cli(server.client("sso-oidc"))
    _, challenge = pkce_pair()
    query = {**authorize_query(client, challenge), "redirect_uri": redirect}

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(server, query)

    assert raised.value.error == "invalid_request"
    assert raised.value.redirect_url is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"state": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scopes": "sso:account:access codewhisperer:completions"}, "invalid_scope"),
    ],
)
def test_invalid_request_redirects_with_error(
    server: Server, change: dict[str, str], error: str
) -> None:
    client = register_cli(server.client("sso-oidc"))
    _, challenge = pkce_pair()
    query = {**authorize_query(client, challenge), **change}

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(server, query)

    assert raised.value.error == error
    redirect = raised.value.redirect_url
    assert redirect is not None
    returned = parse_qs(urlsplit(redirect).query)
    assert returned["error"] == [error]
    if query["state"]:
        assert returned["state"] == [query["state"]]


def test_unknown_client_is_not_redirected(server: Server) -> None:
    _, challenge = pkce_pair()
    query = authorize_query({"clientId": "unknown"}, challenge)

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(server, query)

    assert raised.value.error == "invalid_client"
    assert raised.value.redirect_url is None


def test_device_client_cannot_use_code_grant(server: Server) -> None:
    oidc = server.client("sso-oidc")
    client = dict(oidc.register_client(clientName="device", clientType="public"))

    status, code, _, error = oauth_failure(
        exchange, oidc=oidc, client=client, code="x" * 43, verifier="v" * 43, redirect="http://x"
    )

    assert (status, code, error) == (400, "UnauthorizedClientException", "unauthorized_client")


# Refresh tokens


def refresh(oidc: Any, client: dict[str, Any], refresh_token: str) -> Any:
    return oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="refresh_token",
        refreshToken=refresh_token,
    )


def test_refresh_rotates_refresh_token(server: Server, user: tuple[str, str]) -> None:
    signed_in = sign_in(server, *user)
    oidc = server.client("sso-oidc")

    renewed = refresh(oidc, signed_in["client"], signed_in["refreshToken"])

    assert renewed["accessToken"] != signed_in["accessToken"]
    assert renewed["refreshToken"] != signed_in["refreshToken"]
    assert renewed["expiresIn"] == 8 * 3600
    sso = server.client("sso")
    assert sso.list_accounts(accessToken=renewed["accessToken"])["accountList"] == []


def test_rotated_refresh_token_replay_ends_session(server: Server, user: tuple[str, str]) -> None:
    signed_in = sign_in(server, *user)
    oidc = server.client("sso-oidc")
    renewed = refresh(oidc, signed_in["client"], signed_in["refreshToken"])

    replay = oauth_failure(
        refresh, oidc=oidc, client=signed_in["client"], refresh_token=signed_in["refreshToken"]
    )

    assert replay == (400, "InvalidGrantException", "", "invalid_grant")
    sso = server.client("sso")
    for token in (signed_in["accessToken"], renewed["accessToken"]):
        assert oauth_failure(sso.list_accounts, accessToken=token)[1] == "UnauthorizedException"
    later = oauth_failure(
        refresh, oidc=oidc, client=signed_in["client"], refresh_token=renewed["refreshToken"]
    )
    assert later[1] == "InvalidGrantException"


def test_refresh_token_bound_to_client(server: Server, user: tuple[str, str]) -> None:
    signed_in = sign_in(server, *user)
    oidc = server.client("sso-oidc")
    other = dict(
        oidc.register_client(clientName="x", clientType="public", scopes=["sso:account:access"])
    )

    code = oauth_failure(refresh, oidc=oidc, client=other, refresh_token=signed_in["refreshToken"])[
        1
    ]

    assert code == "InvalidGrantException"
    assert refresh(oidc, signed_in["client"], signed_in["refreshToken"])["accessToken"]


def test_refresh_after_logout_is_invalid_grant(server: Server, user: tuple[str, str]) -> None:
    signed_in = sign_in(server, *user)
    server.client("sso").logout(accessToken=signed_in["accessToken"])

    code = oauth_failure(
        refresh,
        oidc=server.client("sso-oidc"),
        client=signed_in["client"],
        refresh_token=signed_in["refreshToken"],
    )[1]

    assert code == "InvalidGrantException"
