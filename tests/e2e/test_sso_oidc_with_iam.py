"""CreateTokenWithIAM through boto3 against the real server: the JWT bearer grant with a trusted
token issuer on 127.0.0.1, refresh tokens, the application's grants, IAM authorization and the
audit trail."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey

from orgstack.services.sso_oidc import jwt_bearer
from tests.e2e.audit_helpers import record_of, request_id_of, role_session, wait_for_request
from tests.e2e.oidc_issuer_helpers import new_rsa_key, start_issuer
from tests.e2e.with_iam_helpers import (
    ACCESS_TOKEN_TYPE,
    AUDIENCE,
    DEFAULT_SCOPES,
    EXCHANGE_GRANT,
    JWT_BEARER,
    REFRESH_TOKEN_TYPE,
    TOKEN_EXCHANGE,
    World,
    assertion,
    exchange_jwt,
    jwt_application,
    jwt_claims,
    jwt_grant,
    jwt_header,
    new_application,
    new_trusted_issuer,
    oauth_error,
    open_world,
)
from tests.harness import Server

PORTAL_SCOPE = "sso:account:access"


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[World]:
    yield from open_world(server)


def test_jwt_bearer_returns_tokens(world: World) -> None:
    application = jwt_application(world, scopes={PORTAL_SCOPE: []})

    reply = exchange_jwt(world, application)

    assert reply["tokenType"] == "Bearer"
    assert reply["expiresIn"] == 3600
    assert reply["accessToken"]
    assert reply["refreshToken"]
    assert reply["issuedTokenType"] == REFRESH_TOKEN_TYPE
    assert reply["scope"] == [*DEFAULT_SCOPES, PORTAL_SCOPE]
    assert jwt_header(reply["idToken"])["alg"] == "ES256"


def test_id_token_claims(world: World) -> None:
    application = jwt_application(world)
    instance_id = world.instance_arn.rsplit("/", 1)[-1]

    reply = exchange_jwt(world, application)
    claims = jwt_claims(reply["idToken"])

    assert claims["sub"] == world.user_id
    assert claims["aud"] == application
    assert claims["iss"] == f"https://identitycenter.amazonaws.com/{instance_id}"
    assert claims["aws:identity_store_id"] == world.store_id
    assert claims["aws:identity_store_arn"] == (
        f"arn:aws:identitystore::{world.owner.account_id}:identitystore/{world.store_id}"
    )
    assert claims["aws:instance_arn"] == world.instance_arn
    assert claims["aws:instance_account"] == world.owner.account_id
    assert claims["act"] == {"sub": world.issuer_arn}
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["aws:credential_id"]
    assert claims["sts:audit_context"]
    assert claims["sts:identity_context"] == reply["awsAdditionalDetails"]["identityContext"]


def test_narrowed_scope_leaves_out_id_token(world: World) -> None:
    application = jwt_application(world)

    reply = exchange_jwt(world, application, scope=["aws"])

    assert reply["scope"] == ["aws"]
    assert "idToken" not in reply
    assert "awsAdditionalDetails" not in reply


def test_scope_not_granted_is_invalid_scope(world: World) -> None:
    application = jwt_application(world)

    status, code, description = oauth_error(
        exchange_jwt, world=world, application_arn=application, scope=["openid", "s3:read"]
    )

    assert (status, code) == (400, "InvalidScopeException")
    assert description == "The requested scope s3:read is not granted to the application."


def test_without_refresh_grant_no_refresh_token(world: World) -> None:
    application = new_application(world, {JWT_BEARER: jwt_grant(world)})

    reply = exchange_jwt(world, application)

    assert "refreshToken" not in reply
    assert reply["issuedTokenType"] == ACCESS_TOKEN_TYPE


def test_token_works_with_portal_scope(world: World) -> None:
    application = jwt_application(world, scopes={PORTAL_SCOPE: []})
    portal = world.server.client("sso")

    reply = exchange_jwt(world, application)
    accounts = portal.list_accounts(accessToken=reply["accessToken"])

    assert accounts["accountList"] == []


def test_token_of_disabled_application_is_refused(world: World) -> None:
    application = jwt_application(world, scopes={PORTAL_SCOPE: []})
    portal = world.server.client("sso")
    reply = exchange_jwt(world, application)
    world.sso_admin.update_application(ApplicationArn=application, Status="DISABLED")

    status, code, _ = oauth_error(portal.list_accounts, accessToken=reply["accessToken"])

    assert (status, code) == (401, "UnauthorizedException")


def test_token_of_deleted_application_is_refused(world: World) -> None:
    application = jwt_application(world, scopes={PORTAL_SCOPE: []})
    portal = world.server.client("sso")
    reply = exchange_jwt(world, application)
    world.sso_admin.delete_application(ApplicationArn=application)

    status, code, _ = oauth_error(portal.list_accounts, accessToken=reply["accessToken"])

    assert (status, code) == (401, "UnauthorizedException")


def test_token_without_portal_scope_is_refused(world: World) -> None:
    application = jwt_application(world)
    portal = world.server.client("sso")
    reply = exchange_jwt(world, application)

    status, code, _ = oauth_error(portal.list_accounts, accessToken=reply["accessToken"])

    assert (status, code) == (401, "UnauthorizedException")


# --- refresh_token -------------------------------------------------------------------------


def refresh(world: World, application: str, token: str, **extra: Any) -> dict[str, Any]:
    return dict(
        world.oidc.create_token_with_iam(
            clientId=application, grantType="refresh_token", refreshToken=token, **extra
        )
    )


def test_refresh_rotates_tokens(world: World) -> None:
    application = jwt_application(world, scopes={PORTAL_SCOPE: []})
    first = exchange_jwt(world, application)

    second = refresh(world, application, first["refreshToken"])

    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    assert second["issuedTokenType"] == REFRESH_TOKEN_TYPE
    assert second["scope"] == first["scope"]
    assert jwt_claims(second["idToken"])["act"] == {"sub": world.issuer_arn}


def test_refresh_narrows_scope(world: World) -> None:
    application = jwt_application(world)
    first = exchange_jwt(world, application, scope=["openid", "aws"])

    narrowed = refresh(world, application, first["refreshToken"], scope=["aws"])
    status, code, description = oauth_error(
        refresh,
        world=world,
        application=application,
        token=narrowed["refreshToken"],
        scope=["sts:identity_context"],
    )

    assert narrowed["scope"] == ["aws"]
    assert (status, code) == (400, "InvalidScopeException")
    assert description == (
        "The requested scope sts:identity_context is not granted to the application."
    )


def test_reused_refresh_token_revokes_session(world: World) -> None:
    application = jwt_application(world, scopes={PORTAL_SCOPE: []})
    first = exchange_jwt(world, application)
    second = refresh(world, application, first["refreshToken"])

    status, code, description = oauth_error(
        refresh, world=world, application=application, token=first["refreshToken"]
    )
    portal_status, portal_code, _ = oauth_error(
        world.server.client("sso").list_accounts, accessToken=second["accessToken"]
    )

    assert (status, code) == (400, "InvalidGrantException")
    assert description == "Invalid refresh token provided."
    assert (portal_status, portal_code) == (401, "UnauthorizedException")


def test_refresh_token_of_other_application(world: World) -> None:
    issuing = jwt_application(world)
    other = jwt_application(world)
    token = exchange_jwt(world, issuing)["refreshToken"]

    status, code, description = oauth_error(refresh, world=world, application=other, token=token)

    assert (status, code) == (400, "InvalidGrantException")
    assert description == "Invalid refresh token provided."


def test_expired_refresh_token(world: World) -> None:
    application = jwt_application(world)
    token = exchange_jwt(world, application)["refreshToken"]
    world.server.advance_clock(91 * 86400)

    status, code, description = oauth_error(
        refresh, world=world, application=application, token=token
    )

    assert (status, code) == (400, "ExpiredTokenException")
    assert description == "The refresh token has expired."


def test_refresh_in_other_region(world: World) -> None:
    application = jwt_application(world)
    token = exchange_jwt(world, application)["refreshToken"]
    west = world.server.client("sso-oidc", world.owner, region="us-west-2")

    with pytest.raises(west.exceptions.InvalidRequestRegionException) as raised:
        west.create_token_with_iam(
            clientId=application, grantType="refresh_token", refreshToken=token
        )

    response = raised.value.response
    assert response["error"] == "invalid_request"
    assert response["region"] == "us-east-1"
    assert response["endpoint"] == world.server.endpoint
    assert response["error_description"] == (
        "The token was issued in us-east-1; call IAM Identity Center in that Region."
    )


def test_refresh_token_missing(world: World) -> None:
    application = jwt_application(world)

    status, code, description = oauth_error(
        world.oidc.create_token_with_iam, clientId=application, grantType="refresh_token"
    )

    assert (status, code) == (400, "InvalidRequestException")
    assert description == "refreshToken is required for the refresh_token grant type."


# --- the assertion's checks ----------------------------------------------------------------


INVALID_GRANT = "InvalidGrantException"


def jwt_failure(world: World, token: str, application: str | None = None) -> tuple[int, str, str]:
    return oauth_error(
        world.oidc.create_token_with_iam,
        clientId=application or jwt_application(world),
        grantType=JWT_BEARER,
        assertion=token,
    )


@pytest.mark.parametrize(
    ("changes", "code", "description"),
    [
        ({"iss": "http://127.0.0.1:9/other"}, INVALID_GRANT, jwt_bearer.ISSUER_NOT_AUTHORIZED),
        ({"aud": "another-audience"}, INVALID_GRANT, jwt_bearer.AUDIENCE_NOT_AUTHORIZED),
        ({"aud": ["x", AUDIENCE]}, None, None),
        ({"exp": int(time.time()) - 10}, "ExpiredTokenException", jwt_bearer.EXPIRED),
        ({"exp": None}, INVALID_GRANT, jwt_bearer.MISSING_EXPIRY),
        ({"nbf": int(time.time()) + 3600}, INVALID_GRANT, jwt_bearer.NOT_YET_VALID),
        ({"iat": int(time.time()) + 3600}, INVALID_GRANT, jwt_bearer.NOT_YET_VALID),
        ({"email": None}, INVALID_GRANT, "The assertion has no email claim to identify the user."),
        ({"email": "nobody@example.com"}, INVALID_GRANT, jwt_bearer.NO_USER),
    ],
    ids=[
        "untrusted-issuer",
        "wrong-audience",
        "audience-list",
        "expired",
        "no-expiry",
        "not-before",
        "issued-later",
        "no-claim",
        "unknown-user",
    ],
)  # fmt: skip
def test_assertion_claims_checked(
    world: World, changes: dict[str, Any], code: str | None, description: str | None
) -> None:
    token = assertion(world, **changes)

    if code is None:
        application = jwt_application(world)
        reply = exchange_jwt(world, application, assertion=token)
        assert reply["accessToken"]
        return
    status, got_code, got_description = jwt_failure(world, token)

    assert status == 400
    assert got_code == code
    assert got_description == description


def test_assertion_signed_by_other_key(world: World) -> None:
    claims = world.issuer.claims(AUDIENCE, world.email)
    token = world.issuer.token(claims, key=new_rsa_key())

    status, code, description = jwt_failure(world, token)

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.BAD_SIGNATURE


def test_assertion_with_tampered_claims(world: World) -> None:
    header, _, signature = assertion(world).split(".")
    forged_claims = assertion(world, email="someone.else@example.com").split(".")[1]

    status, code, description = jwt_failure(world, f"{header}.{forged_claims}.{signature}")

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.BAD_SIGNATURE


def test_assertion_with_symmetric_algorithm(world: World) -> None:
    claims = world.issuer.claims(AUDIENCE, world.email)
    secret = OctKey.generate_key(256)
    token = jwt.encode({"alg": "HS256", "kid": world.issuer.key.kid}, claims, secret)

    status, code, description = jwt_failure(world, token)

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.BAD_SIGNATURE


def test_assertion_without_signature(world: World) -> None:
    header, payload, _ = assertion(world).split(".")

    status, code, description = jwt_failure(world, f"{header}.{payload}.")

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.BAD_SIGNATURE


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b", "e30.e30.e30.e30.e30", "!!.??.xx"])
def test_malformed_assertion(world: World, token: str) -> None:
    status, code, description = jwt_failure(world, token)

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.NOT_A_JWT


def test_assertion_missing(world: World) -> None:
    status, code, description = oauth_error(
        world.oidc.create_token_with_iam, clientId=jwt_application(world), grantType=JWT_BEARER
    )

    assert (status, code) == (400, "InvalidRequestException")
    assert description == f"assertion is required for the {JWT_BEARER} grant type."


def test_rotated_issuer_key_is_fetched_again(world: World) -> None:
    application = jwt_application(world)
    exchange_jwt(world, application)
    previous_key = world.issuer.key
    world.issuer.rotate()
    try:
        reply = exchange_jwt(world, application)
    finally:
        world.issuer.key = previous_key

    assert reply["accessToken"]


def test_issuer_url_over_plain_http_elsewhere(world: World) -> None:
    remote = new_trusted_issuer(world.sso_admin, world.instance_arn, "http://issuer.example.com")
    application = new_application(world, {JWT_BEARER: jwt_grant(world, remote)})
    claims = {**world.issuer.claims(AUDIENCE, world.email), "iss": "http://issuer.example.com"}

    status, code, description = jwt_failure(world, world.issuer.token(claims), application)

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.KEYS_UNAVAILABLE


def test_discovery_naming_other_issuer(world: World) -> None:
    for lying in start_issuer():
        lying.advertised_issuer = "https://someone-else.example.com"
        issuer_arn = new_trusted_issuer(world.sso_admin, world.instance_arn, lying.url)
        application = new_application(world, {JWT_BEARER: jwt_grant(world, issuer_arn)})
        token = lying.token(lying.claims(AUDIENCE, world.email))

        status, code, description = jwt_failure(world, token, application)

        assert (status, code) == (400, "InvalidGrantException")
        assert description == jwt_bearer.KEYS_UNAVAILABLE
        assert lying.served == ["/.well-known/openid-configuration"]


def test_issuer_down(world: World) -> None:
    for stopped in start_issuer():
        url, key = stopped.url, stopped.key
    issuer_arn = new_trusted_issuer(world.sso_admin, world.instance_arn, url)
    application = new_application(world, {JWT_BEARER: jwt_grant(world, issuer_arn)})
    claims = {**world.issuer.claims(AUDIENCE, world.email), "iss": url}
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    status, code, description = jwt_failure(world, token, application)

    assert (status, code) == (400, "InvalidGrantException")
    assert description == jwt_bearer.KEYS_UNAVAILABLE


def test_elliptic_curve_key_of_issuer(world: World) -> None:
    for ec_issuer in start_issuer():
        ec_key = ECKey.generate_key("P-256")
        ec_key.ensure_kid()
        ec_issuer.key = ec_key  # type: ignore[assignment]
        issuer_arn = new_trusted_issuer(world.sso_admin, world.instance_arn, ec_issuer.url)
        application = new_application(world, {JWT_BEARER: jwt_grant(world, issuer_arn)})
        token = ec_issuer.token(ec_issuer.claims(AUDIENCE, world.email), key=ec_key)

        reply = exchange_jwt(world, application, assertion=token)

        assert jwt_claims(reply["idToken"])["act"] == {"sub": issuer_arn}


def test_unassigned_user_is_denied(world: World) -> None:
    application = jwt_application(world, assignment_required=True)

    status, code, description = jwt_failure(world, assertion(world), application)

    assert (status, code) == (400, "AccessDeniedException")
    assert description == "The user is not assigned to the application."


def test_assigned_user_gets_tokens(world: World) -> None:
    application = jwt_application(world, assignment_required=True)
    world.sso_admin.create_application_assignment(
        ApplicationArn=application, PrincipalId=world.user_id, PrincipalType="USER"
    )

    reply = exchange_jwt(world, application)

    assert reply["accessToken"]


# --- the application and the grant type ----------------------------------------------------


def test_unknown_application(world: World) -> None:
    instance_id, application_id = "ssoins-0000000000000000", "apl-0000000000000000"
    missing = f"arn:aws:sso::{world.owner.account_id}:application/{instance_id}/{application_id}"

    status, code, description = jwt_failure(world, assertion(world), missing)

    assert (status, code) == (401, "InvalidClientException")
    assert description == f"Invalid client: {missing} is not an enabled application."


def test_client_id_not_an_arn(world: World) -> None:
    status, code, description = jwt_failure(world, assertion(world), "my-client")

    assert (status, code) == (401, "InvalidClientException")
    assert description == "Invalid client: my-client is not an enabled application."


def test_disabled_application(world: World) -> None:
    application = jwt_application(world)
    world.sso_admin.update_application(ApplicationArn=application, Status="DISABLED")

    status, code, _ = jwt_failure(world, assertion(world), application)

    assert (status, code) == (401, "InvalidClientException")


def test_application_without_the_grant(world: World) -> None:
    application = new_application(world, {TOKEN_EXCHANGE: EXCHANGE_GRANT})

    status, code, description = jwt_failure(world, assertion(world), application)

    assert (status, code) == (400, "UnauthorizedClientException")
    assert description == f"The application does not have the {JWT_BEARER} grant."


def test_unsupported_grant_type(world: World) -> None:
    status, code, description = oauth_error(
        world.oidc.create_token_with_iam,
        clientId=jwt_application(world),
        grantType="client_credentials",
    )

    assert (status, code) == (400, "UnsupportedGrantTypeException")
    assert description == "Unsupported grant type `client_credentials`."


# --- IAM authorization ---------------------------------------------------------------------


def actor_policy(principal: str) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sso-oauth:CreateTokenWithIAM",
        "Resource": "*",
    }
    return {"Iam": {"ActorPolicy": {"Version": "2012-10-17", "Statement": [statement]}}}


def test_other_account_is_denied(world: World) -> None:
    application = jwt_application(world)
    stranger = world.server.new_account()
    oidc = world.server.client("sso-oidc", stranger)

    status, code, message = denial(
        oidc.create_token_with_iam,
        clientId=application,
        grantType=JWT_BEARER,
        assertion=assertion(world),
    )

    assert (status, code) == (400, "AccessDeniedException")
    assert message == (
        f"User: arn:aws:iam::{stranger.account_id}:root is not authorized to perform: "
        f"sso-oauth:CreateTokenWithIAM on resource: {application} because no resource-based "
        "policy allows the sso-oauth:CreateTokenWithIAM action"
    )


def test_actor_policy_admits_other_account(world: World) -> None:
    application = jwt_application(world)
    stranger = world.server.new_account()
    world.sso_admin.put_application_authentication_method(
        ApplicationArn=application,
        AuthenticationMethodType="IAM",
        AuthenticationMethod=actor_policy(f"arn:aws:iam::{stranger.account_id}:root"),
    )
    oidc = world.server.client("sso-oidc", stranger)

    reply = oidc.create_token_with_iam(
        clientId=application, grantType=JWT_BEARER, assertion=assertion(world)
    )

    assert reply["accessToken"]


def test_role_without_permission_is_denied(world: World) -> None:
    application = jwt_application(world)
    credentials = role_session(world.server, world.owner, "NoTokenRights")
    oidc = world.server.client("sso-oidc", **credentials)

    status, code, message = denial(
        oidc.create_token_with_iam,
        clientId=application,
        grantType=JWT_BEARER,
        assertion=assertion(world),
    )

    assert (status, code) == (400, "AccessDeniedException")
    assert message == (
        f"User: arn:aws:sts::{world.owner.account_id}:assumed-role/NoTokenRights/"
        "NoTokenRights-session is not authorized to perform: sso-oauth:CreateTokenWithIAM on "
        f"resource: {application} because no identity-based policy allows the "
        "sso-oauth:CreateTokenWithIAM action"
    )


def test_actor_policy_admits_role(world: World) -> None:
    application = jwt_application(world)
    credentials = role_session(world.server, world.owner, "WebApp")
    role = f"arn:aws:iam::{world.owner.account_id}:role/WebApp"
    world.sso_admin.put_application_authentication_method(
        ApplicationArn=application,
        AuthenticationMethodType="IAM",
        AuthenticationMethod=actor_policy(role),
    )
    oidc = world.server.client("sso-oidc", **credentials)

    reply = oidc.create_token_with_iam(
        clientId=application, grantType=JWT_BEARER, assertion=assertion(world)
    )

    assert reply["accessToken"]


def denial(call: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


# --- audit ---------------------------------------------------------------------------------


def test_audit_event_holds_no_token(world: World) -> None:
    application = jwt_application(world)
    token = assertion(world)

    reply = exchange_jwt(world, application, assertion=token)
    cloudtrail = world.server.client("cloudtrail", world.owner)
    record = record_of(wait_for_request(cloudtrail, request_id_of(reply)))
    text = json.dumps(record)

    assert record["eventName"] == "CreateTokenWithIAM"
    assert record["eventSource"] == "sso-oauth.amazonaws.com"
    assert record["requestParameters"]["assertion"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert record["responseElements"] == {
        "tokenType": "Bearer",
        "expiresIn": 3600,
        "issuedTokenType": REFRESH_TOKEN_TYPE,
        "scope": DEFAULT_SCOPES,
    }
    assert {"type": "AWS::SSO::Application", "ARN": application} in record["resources"]
    for secret in (token, reply["accessToken"], reply["refreshToken"], reply["idToken"]):
        assert secret not in text
    assert reply["awsAdditionalDetails"]["identityContext"] not in text
