"""Settings of sso-admin applications through boto3 against the real server: assignment and
session configuration, authentication methods, grants and access scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.identity_center_helpers import account_instance
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import unique_name
from tests.harness import Server

CUSTOM = "arn:aws:sso::aws:applicationProvider/custom"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ACTOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/Caller"},
            "Action": "sso-oauth:CreateTokenWithIAM",
            "Resource": "*",
        }
    ],
}
OIDC = {
    "OidcJwtConfiguration": {
        "IssuerUrl": "https://issuer.example.com",
        "ClaimAttributePath": "email",
        "IdentityStoreAttributePath": "emails.value",
        "JwksRetrievalOption": "OPEN_ID_DISCOVERY",
    }
}


@dataclass(frozen=True)
class Setup:
    sso_admin: Any
    instance_arn: str


@pytest.fixture(scope="module")
def setup(server: Server) -> Setup:
    account, instance_arn, _ = account_instance(server)
    return Setup(server.client("sso-admin", account), instance_arn)


def _application(setup: Setup) -> str:
    return str(
        setup.sso_admin.create_application(
            InstanceArn=setup.instance_arn, ApplicationProviderArn=CUSTOM, Name=unique_name("App")
        )["ApplicationArn"]
    )


def _expect(error_call: tuple[int, dict[str, str], str | None], code: str, message: str) -> None:
    status, error, _ = error_call
    assert status == 400
    assert error["Code"] == code
    assert error["Message"] == message


# Assignment and session configuration


def test_assignment_configuration_defaults_and_put(setup: Setup) -> None:
    arn = _application(setup)

    default = setup.sso_admin.get_application_assignment_configuration(ApplicationArn=arn)
    setup.sso_admin.put_application_assignment_configuration(
        ApplicationArn=arn, AssignmentRequired=False
    )
    changed = setup.sso_admin.get_application_assignment_configuration(ApplicationArn=arn)

    assert default["AssignmentRequired"] is True
    assert changed["AssignmentRequired"] is False


def test_session_configuration_defaults_and_put(setup: Setup) -> None:
    arn = _application(setup)

    default = setup.sso_admin.get_application_session_configuration(ApplicationArn=arn)
    setup.sso_admin.put_application_session_configuration(
        ApplicationArn=arn, UserBackgroundSessionApplicationStatus="ENABLED"
    )
    changed = setup.sso_admin.get_application_session_configuration(ApplicationArn=arn)

    assert default["UserBackgroundSessionApplicationStatus"] == "DISABLED"
    assert changed["UserBackgroundSessionApplicationStatus"] == "ENABLED"


def test_configuration_of_missing_application(setup: Setup) -> None:
    arn = _application(setup)
    setup.sso_admin.delete_application(ApplicationArn=arn)

    _expect(
        failure(setup.sso_admin.get_application_assignment_configuration, ApplicationArn=arn),
        "ResourceNotFoundException",
        f"Application {arn} not found.",
    )


# Authentication methods


def test_authentication_method_put_list_delete(setup: Setup) -> None:
    arn = _application(setup)
    method = {"Iam": {"ActorPolicy": ACTOR_POLICY}}

    setup.sso_admin.put_application_authentication_method(
        ApplicationArn=arn, AuthenticationMethodType="IAM", AuthenticationMethod=method
    )
    listed = setup.sso_admin.list_application_authentication_methods(ApplicationArn=arn)
    setup.sso_admin.delete_application_authentication_method(
        ApplicationArn=arn, AuthenticationMethodType="IAM"
    )
    after = setup.sso_admin.list_application_authentication_methods(ApplicationArn=arn)

    assert [item["AuthenticationMethodType"] for item in listed["AuthenticationMethods"]] == ["IAM"]
    assert after["AuthenticationMethods"] == []


def test_actor_policy_round_trip(setup: Setup) -> None:
    arn = _application(setup)
    method = {"Iam": {"ActorPolicy": ACTOR_POLICY}}
    setup.sso_admin.put_application_authentication_method(
        ApplicationArn=arn, AuthenticationMethodType="IAM", AuthenticationMethod=method
    )

    fetched = setup.sso_admin.get_application_authentication_method(
        ApplicationArn=arn, AuthenticationMethodType="IAM"
    )

    assert fetched["AuthenticationMethod"] == method


def test_authentication_method_missing(setup: Setup) -> None:
    arn = _application(setup)

    _expect(
        failure(
            setup.sso_admin.get_application_authentication_method,
            ApplicationArn=arn,
            AuthenticationMethodType="IAM",
        ),
        "ResourceNotFoundException",
        "The application has no IAM authentication method.",
    )


def test_authentication_method_needs_policy_statements(setup: Setup) -> None:
    arn = _application(setup)
    status, error, _ = failure(
        setup.sso_admin.put_application_authentication_method,
        ApplicationArn=arn,
        AuthenticationMethodType="IAM",
        AuthenticationMethod={"Iam": {"ActorPolicy": {"Version": "2012-10-17"}}},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("The ActorPolicy is not a valid resource-based policy: ")


# Grants


def test_grants_put_get_list_delete(setup: Setup) -> None:
    arn = _application(setup)
    code_grant = {"AuthorizationCode": {"RedirectUris": ["https://app.example.com/callback"]}}

    setup.sso_admin.put_application_grant(
        ApplicationArn=arn, GrantType="authorization_code", Grant=code_grant
    )
    setup.sso_admin.put_application_grant(
        ApplicationArn=arn, GrantType="refresh_token", Grant={"RefreshToken": {}}
    )
    fetched = setup.sso_admin.get_application_grant(
        ApplicationArn=arn, GrantType="authorization_code"
    )
    listed = setup.sso_admin.list_application_grants(ApplicationArn=arn)
    setup.sso_admin.delete_application_grant(ApplicationArn=arn, GrantType="refresh_token")
    after = setup.sso_admin.list_application_grants(ApplicationArn=arn)

    assert fetched["Grant"] == code_grant
    assert [item["GrantType"] for item in listed["Grants"]] == [
        "authorization_code",
        "refresh_token",
    ]
    assert [item["GrantType"] for item in after["Grants"]] == ["authorization_code"]


def test_grant_member_must_match_type(setup: Setup) -> None:
    arn = _application(setup)

    _expect(
        failure(
            setup.sso_admin.put_application_grant,
            ApplicationArn=arn,
            GrantType="refresh_token",
            Grant={"TokenExchange": {}},
        ),
        "ValidationException",
        "A grant of type refresh_token must set exactly the Grant member RefreshToken.",
    )


def test_jwt_bearer_grant_names_existing_issuer(setup: Setup) -> None:
    arn = _application(setup)
    issuer_arn = setup.sso_admin.create_trusted_token_issuer(
        InstanceArn=setup.instance_arn,
        Name=unique_name("Issuer"),
        TrustedTokenIssuerType="OIDC_JWT",
        TrustedTokenIssuerConfiguration=OIDC,
    )["TrustedTokenIssuerArn"]
    grant = {
        "JwtBearer": {
            "AuthorizedTokenIssuers": [
                {"TrustedTokenIssuerArn": issuer_arn, "AuthorizedAudiences": ["wiki"]}
            ]
        }
    }

    setup.sso_admin.put_application_grant(ApplicationArn=arn, GrantType=JWT_BEARER, Grant=grant)
    setup.sso_admin.delete_trusted_token_issuer(TrustedTokenIssuerArn=issuer_arn)

    fetched = setup.sso_admin.get_application_grant(ApplicationArn=arn, GrantType=JWT_BEARER)
    assert fetched["Grant"] == grant
    _expect(
        failure(
            setup.sso_admin.put_application_grant,
            ApplicationArn=arn,
            GrantType=JWT_BEARER,
            Grant=grant,
        ),
        "ResourceNotFoundException",
        f"Trusted token issuer {issuer_arn} not found.",
    )


def test_grant_missing(setup: Setup) -> None:
    arn = _application(setup)

    _expect(
        failure(setup.sso_admin.delete_application_grant, ApplicationArn=arn, GrantType=JWT_BEARER),
        "ResourceNotFoundException",
        f"The application has no grant of type {JWT_BEARER}.",
    )


# Access scopes


def test_access_scopes_put_get_list_delete(setup: Setup) -> None:
    arn = _application(setup)
    target = _application(setup)

    setup.sso_admin.put_application_access_scope(
        ApplicationArn=arn, Scope="sso:account:access", AuthorizedTargets=[target]
    )
    setup.sso_admin.put_application_access_scope(ApplicationArn=arn, Scope="openid")
    fetched = setup.sso_admin.get_application_access_scope(
        ApplicationArn=arn, Scope="sso:account:access"
    )
    first = setup.sso_admin.list_application_access_scopes(ApplicationArn=arn, MaxResults=1)
    second = setup.sso_admin.list_application_access_scopes(
        ApplicationArn=arn, MaxResults=1, NextToken=first["NextToken"]
    )
    setup.sso_admin.delete_application_access_scope(ApplicationArn=arn, Scope="openid")
    after = setup.sso_admin.list_application_access_scopes(ApplicationArn=arn)

    assert fetched == {"Scope": "sso:account:access", "AuthorizedTargets": [target]} | {
        "ResponseMetadata": fetched["ResponseMetadata"]
    }
    assert first["Scopes"] == [{"Scope": "openid"}]
    assert second["Scopes"] == [{"Scope": "sso:account:access", "AuthorizedTargets": [target]}]
    assert [item["Scope"] for item in after["Scopes"]] == ["sso:account:access"]


def test_access_scope_put_replaces_targets(setup: Setup) -> None:
    arn = _application(setup)
    target = _application(setup)
    setup.sso_admin.put_application_access_scope(
        ApplicationArn=arn, Scope="profile", AuthorizedTargets=[target]
    )

    setup.sso_admin.put_application_access_scope(
        ApplicationArn=arn, Scope="profile", AuthorizedTargets=[setup.instance_arn]
    )

    fetched = setup.sso_admin.get_application_access_scope(ApplicationArn=arn, Scope="profile")
    assert fetched["AuthorizedTargets"] == [setup.instance_arn]


def test_access_scope_target_must_exist(setup: Setup) -> None:
    arn = _application(setup)
    gone = _application(setup)
    setup.sso_admin.delete_application(ApplicationArn=gone)

    _expect(
        failure(
            setup.sso_admin.put_application_access_scope,
            ApplicationArn=arn,
            Scope="email",
            AuthorizedTargets=[gone],
        ),
        "ResourceNotFoundException",
        f"The scope target {gone} is not an application of this instance.",
    )


def test_access_scope_missing(setup: Setup) -> None:
    arn = _application(setup)

    _expect(
        failure(setup.sso_admin.get_application_access_scope, ApplicationArn=arn, Scope="email"),
        "ResourceNotFoundException",
        "The application has no access scope email.",
    )
