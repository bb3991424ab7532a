"""CreateTokenWithIAM's authorization code and token exchange grants through boto3 against the
real server. The portal's `/authorize` page is played by calling `begin_authorization` and
`complete_authorization`, as the page does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from orgstack.clock import Clock
from orgstack.services.sso_oidc import authorization
from orgstack.services.sso_oidc.authorization import AuthorizationRequestError
from tests.e2e.sso_flow_helpers import sign_in
from tests.e2e.test_sso_oidc_pkce import pkce_pair
from tests.e2e.with_iam_helpers import (
    ACCESS_TOKEN_TYPE,
    DEFAULT_SCOPES,
    EXCHANGE_GRANT,
    REFRESH_GRANT,
    REFRESH_TOKEN_TYPE,
    TOKEN_EXCHANGE,
    World,
    exchange_jwt,
    jwt_application,
    jwt_claims,
    new_application,
    oauth_error,
    open_world,
)
from tests.harness import Server

REDIRECT = "https://app.example.com/callback"
STATE = "c2e1b7d0-5d2f-4d0c-9a63-3f0f3c1f2a10"


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[World]:
    yield from open_world(server)


# --- authorization_code --------------------------------------------------------------------


def code_application(world: World, **extra: Any) -> str:
    grants = {
        "authorization_code": {"AuthorizationCode": {"RedirectUris": [REDIRECT]}},
        "refresh_token": REFRESH_GRANT,
    }
    return new_application(world, grants, **extra)


def authorize_query(application: str, challenge: str | None = None) -> dict[str, str]:
    query = {
        "response_type": "code",
        "client_id": application,
        "redirect_uri": REDIRECT,
        "state": STATE,
    }
    if challenge is not None:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    return query


def begin(world: World, query: dict[str, str]) -> authorization.AuthorizationRequest:
    with world.server.database().transaction(write=False) as connection:
        return authorization.begin_authorization(connection, query, Clock().now())


def authorize(world: World, query: dict[str, str]) -> dict[str, str]:
    """Sign the world's user in on the page; return the query of the redirect to the app."""
    request = begin(world, query)
    with world.server.database().transaction() as connection:
        url = authorization.complete_authorization(
            connection, request, world.store_id, world.user_id, Clock().now()
        )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


def redeem(world: World, application: str, code: str, **extra: Any) -> dict[str, Any]:
    request = {"redirectUri": REDIRECT, **extra}
    return dict(
        world.oidc.create_token_with_iam(
            clientId=application, grantType="authorization_code", code=code, **request
        )
    )


def test_code_grant_returns_tokens(world: World) -> None:
    application = code_application(world)

    returned = authorize(world, authorize_query(application))
    reply = redeem(world, application, returned["code"])

    assert returned["state"] == STATE
    assert reply["tokenType"] == "Bearer"
    assert reply["refreshToken"]
    assert reply["issuedTokenType"] == REFRESH_TOKEN_TYPE
    assert reply["scope"] == DEFAULT_SCOPES
    claims = jwt_claims(reply["idToken"])
    assert claims["sub"] == world.user_id
    assert "act" not in claims


def test_code_grant_with_pkce(world: World) -> None:
    application = code_application(world)
    verifier, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = authorize(world, authorize_query(application, challenge))["code"]

    status, code_name, description = oauth_error(
        redeem, world=world, application=application, code=code, codeVerifier=other_verifier
    )
    reply = redeem(world, application, code, codeVerifier=verifier)

    assert (status, code_name) == (400, "InvalidGrantException")
    assert description == "Code verifier does not match the code challenge."
    assert reply["accessToken"]


def test_code_grant_requested_scopes(world: World) -> None:
    application = code_application(world, scopes={"custom:read": []})
    query = {**authorize_query(application), "scope": "openid custom:read"}

    code = authorize(world, query)["code"]
    reply = redeem(world, application, code)

    assert reply["scope"] == ["openid", "custom:read"]


def test_code_used_twice_revokes_tokens(world: World) -> None:
    application = code_application(world)
    code = authorize(world, authorize_query(application))["code"]
    first = redeem(world, application, code)

    status, code_name, description = oauth_error(
        redeem, world=world, application=application, code=code
    )
    refresh_status, refresh_code, _ = oauth_error(
        world.oidc.create_token_with_iam,
        clientId=application,
        grantType="refresh_token",
        refreshToken=first["refreshToken"],
    )

    assert (status, code_name) == (400, "InvalidGrantException")
    assert description == "Invalid authorization code provided."
    assert (refresh_status, refresh_code) == (400, "InvalidGrantException")


def test_code_with_other_redirect_uri(world: World) -> None:
    application = code_application(world)
    code = authorize(world, authorize_query(application))["code"]

    status, code_name, description = oauth_error(
        redeem,
        world=world,
        application=application,
        code=code,
        redirectUri="https://app.example.com/other",
    )

    assert (status, code_name) == (400, "InvalidGrantException")
    assert description == "redirectUri does not match the authorization request."


def test_code_of_other_application(world: World) -> None:
    application = code_application(world)
    other = code_application(world)
    code = authorize(world, authorize_query(application))["code"]

    status, code_name, description = oauth_error(redeem, world=world, application=other, code=code)

    assert (status, code_name) == (400, "InvalidGrantException")
    assert description == "Invalid authorization code provided."


def test_expired_code(world: World) -> None:
    application = code_application(world)
    code = authorize(world, authorize_query(application))["code"]
    world.server.advance_clock(301)

    status, code_name, description = oauth_error(
        redeem, world=world, application=application, code=code
    )

    assert (status, code_name) == (400, "ExpiredTokenException")
    assert description == "The authorization code has expired."


def test_code_grant_missing_members(world: World) -> None:
    application = code_application(world)

    no_code = oauth_error(
        world.oidc.create_token_with_iam,
        clientId=application,
        grantType="authorization_code",
        redirectUri=REDIRECT,
    )
    no_redirect = oauth_error(
        world.oidc.create_token_with_iam,
        clientId=application,
        grantType="authorization_code",
        code="some-code",
    )

    assert no_code == (
        400,
        "InvalidRequestException",
        "code is required for the authorization_code grant type.",
    )
    assert no_redirect == (
        400,
        "InvalidRequestException",
        "redirectUri is required for the authorization_code grant type.",
    )


def test_code_grant_rejects_portal_token(world: World) -> None:
    application = code_application(world)
    signed_in = sign_in(world.server, world.store_id, world.user_id)

    status, code_name, description = oauth_error(
        redeem, world=world, application=application, code=signed_in["accessToken"]
    )

    assert (status, code_name) == (400, "InvalidGrantException")
    assert description == "Invalid authorization code provided."


def test_authorize_unregistered_redirect(world: World) -> None:
    application = code_application(world)
    query = {**authorize_query(application), "redirect_uri": "https://evil.example.com/cb"}

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(world, query)

    assert raised.value.error == "invalid_request"
    assert raised.value.redirect_url is None


def test_authorize_application_without_code_grant(world: World) -> None:
    application = jwt_application(world)

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(world, authorize_query(application))

    assert raised.value.error == "invalid_request"
    assert raised.value.description == "redirect_uri is not registered for this client."


def test_authorize_unknown_scope(world: World) -> None:
    application = code_application(world)
    query = {**authorize_query(application), "scope": "openid admin:everything"}

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(world, query)

    assert raised.value.error == "invalid_scope"
    assert raised.value.redirect_url is not None
    assert raised.value.redirect_url.startswith(REDIRECT + "?error=invalid_scope")


def test_authorize_unassigned_user(world: World) -> None:
    application = code_application(world, assignment_required=True)

    with pytest.raises(AuthorizationRequestError) as raised:
        authorize(world, authorize_query(application))

    assert raised.value.error == "access_denied"
    assert raised.value.description == "The user is not assigned to the application."
    assert raised.value.redirect_url is not None
    assert f"state={STATE}" in raised.value.redirect_url


def test_authorize_disabled_application(world: World) -> None:
    application = code_application(world)
    world.sso_admin.update_application(ApplicationArn=application, Status="DISABLED")

    with pytest.raises(AuthorizationRequestError) as raised:
        begin(world, authorize_query(application))

    assert raised.value.error == "invalid_client"
    assert raised.value.redirect_url is None


# --- token exchange ------------------------------------------------------------------------


def exchange(world: World, application: str, subject: str, **extra: Any) -> dict[str, Any]:
    request = {"subjectTokenType": ACCESS_TOKEN_TYPE, **extra}
    return dict(
        world.oidc.create_token_with_iam(
            clientId=application, grantType=TOKEN_EXCHANGE, subjectToken=subject, **request
        )
    )


def exchange_pair(world: World, refresh: bool = False) -> tuple[str, str, dict[str, Any]]:
    """Return a target application, a source application that targets it, and a source token."""
    grants = {TOKEN_EXCHANGE: EXCHANGE_GRANT}
    if refresh:
        grants["refresh_token"] = REFRESH_GRANT
    target = new_application(world, grants)
    source = jwt_application(world, scopes={"custom:read": [target], "custom:write": []})
    return target, source, exchange_jwt(world, source)


def test_exchange_returns_access_token(world: World) -> None:
    target, _, source_reply = exchange_pair(world)

    reply = exchange(world, target, source_reply["accessToken"])

    assert reply["issuedTokenType"] == ACCESS_TOKEN_TYPE
    assert "refreshToken" not in reply
    assert reply["scope"] == [*DEFAULT_SCOPES, "custom:read"]
    claims = jwt_claims(reply["idToken"])
    assert claims["aud"] == target
    assert claims["sub"] == world.user_id
    assert claims["act"] == {"sub": world.issuer_arn}


def test_exchange_for_refresh_token(world: World) -> None:
    target, _, source_reply = exchange_pair(world, refresh=True)

    reply = exchange(
        world, target, source_reply["accessToken"], requestedTokenType=REFRESH_TOKEN_TYPE
    )
    refreshed = world.oidc.create_token_with_iam(
        clientId=target, grantType="refresh_token", refreshToken=reply["refreshToken"]
    )

    assert reply["issuedTokenType"] == REFRESH_TOKEN_TYPE
    assert refreshed["scope"] == [*DEFAULT_SCOPES, "custom:read"]


def test_exchange_refresh_without_refresh_grant(world: World) -> None:
    target, _, source_reply = exchange_pair(world)

    status, code, description = oauth_error(
        exchange,
        world=world,
        application=target,
        subject=source_reply["accessToken"],
        requestedTokenType=REFRESH_TOKEN_TYPE,
    )

    assert (status, code) == (400, "UnauthorizedClientException")
    assert description == "The application does not have the refresh_token grant."


def test_exchange_wrong_token_types(world: World) -> None:
    target, _, source_reply = exchange_pair(world)
    subject = source_reply["accessToken"]

    wrong_subject = oauth_error(
        exchange, world=world, application=target, subject=subject, subjectTokenType="jwt"
    )
    wrong_requested = oauth_error(
        exchange, world=world, application=target, subject=subject, requestedTokenType="id"
    )

    assert wrong_subject == (
        400,
        "InvalidRequestException",
        f"subjectTokenType must be {ACCESS_TOKEN_TYPE}.",
    )
    assert wrong_requested == (
        400,
        "InvalidRequestException",
        f"requestedTokenType must be {ACCESS_TOKEN_TYPE} or {REFRESH_TOKEN_TYPE}.",
    )


def test_exchange_missing_subject(world: World) -> None:
    target, _, _ = exchange_pair(world)

    failure = oauth_error(
        world.oidc.create_token_with_iam,
        clientId=target,
        grantType=TOKEN_EXCHANGE,
        subjectTokenType=ACCESS_TOKEN_TYPE,
    )

    assert failure == (
        400,
        "InvalidRequestException",
        f"subjectToken is required for the {TOKEN_EXCHANGE} grant type.",
    )


def test_exchange_by_untargeted_application(world: World) -> None:
    _, _, source_reply = exchange_pair(world)
    bystander = new_application(world, {TOKEN_EXCHANGE: EXCHANGE_GRANT})

    status, code, description = oauth_error(
        exchange, world=world, application=bystander, subject=source_reply["accessToken"]
    )

    assert (status, code) == (400, "InvalidGrantException")
    assert description == (
        "The subject token has no scope that authorizes this application as a target."
    )


def test_exchange_of_narrowed_token(world: World) -> None:
    target, source, _ = exchange_pair(world)
    narrowed = exchange_jwt(world, source, scope=["openid", "custom:write"])

    status, code, _ = oauth_error(
        exchange, world=world, application=target, subject=narrowed["accessToken"]
    )

    assert (status, code) == (400, "InvalidGrantException")


def test_exchange_own_token(world: World) -> None:
    application = jwt_application(world)
    world.sso_admin.put_application_grant(
        ApplicationArn=application, GrantType=TOKEN_EXCHANGE, Grant=EXCHANGE_GRANT
    )
    subject = exchange_jwt(world, application)["accessToken"]

    status, code, description = oauth_error(
        exchange, world=world, application=application, subject=subject
    )

    assert (status, code) == (400, "InvalidGrantException")
    assert description == "The subject token was issued to this application."


def test_exchange_portal_token(world: World) -> None:
    target, _, _ = exchange_pair(world)
    signed_in = sign_in(world.server, world.store_id, world.user_id)

    status, code, description = oauth_error(
        exchange, world=world, application=target, subject=signed_in["accessToken"]
    )

    assert (status, code) == (400, "InvalidGrantException")
    assert description == (
        "The subject token has no scope that authorizes this application as a target."
    )


def test_exchange_unknown_subject(world: World) -> None:
    target, _, source_reply = exchange_pair(world)

    status, code, description = oauth_error(
        exchange, world=world, application=target, subject=source_reply["refreshToken"]
    )

    assert (status, code) == (400, "InvalidGrantException")
    assert description == "Invalid subject token provided."


def test_exchange_expired_subject(world: World) -> None:
    target, _, source_reply = exchange_pair(world)
    world.server.advance_clock(3601)

    status, code, description = oauth_error(
        exchange, world=world, application=target, subject=source_reply["accessToken"]
    )

    assert (status, code) == (400, "ExpiredTokenException")
    assert description == "The subject token has expired."


def test_exchange_requested_scope(world: World) -> None:
    target, _, source_reply = exchange_pair(world)

    narrowed = exchange(world, target, source_reply["accessToken"], scope=["custom:read"])
    status, code, _ = oauth_error(
        exchange,
        world=world,
        application=target,
        subject=source_reply["accessToken"],
        scope=["custom:write"],
    )

    assert narrowed["scope"] == ["custom:read"]
    assert (status, code) == (400, "InvalidScopeException")


def test_exchange_for_unassigned_user(world: World) -> None:
    _, source, _ = exchange_pair(world)
    target = new_application(world, {TOKEN_EXCHANGE: EXCHANGE_GRANT}, assignment_required=True)
    world.sso_admin.put_application_access_scope(
        ApplicationArn=source, Scope="custom:read", AuthorizedTargets=[target]
    )
    subject = exchange_jwt(world, source)["accessToken"]

    status, code, description = oauth_error(
        exchange, world=world, application=target, subject=subject
    )

    assert (status, code) == (400, "AccessDeniedException")
    assert description == "The user is not assigned to the application."
