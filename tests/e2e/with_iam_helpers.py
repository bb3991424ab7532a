"""Steps shared by the CreateTokenWithIAM tests: an account instance with a user, a trusted
token issuer on 127.0.0.1, and customer managed applications with chosen grants."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.identity_center_helpers import account_instance, new_user
from tests.e2e.oidc_issuer_helpers import Issuer, start_issuer
from tests.harness import Account, Server

CUSTOM = "arn:aws:sso::aws:applicationProvider/custom"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"
AUDIENCE = "orgstack-tests-audience"
DEFAULT_SCOPES = ["openid", "aws", "sts:identity_context"]


@dataclass(frozen=True)
class World:
    """An account instance with an enabled user and a trusted token issuer of its own."""

    server: Server
    owner: Account
    instance_arn: str
    store_id: str
    sso_admin: Any
    oidc: Any
    issuer: Issuer
    issuer_arn: str
    email: str
    user_id: str


def open_world(server: Server) -> Iterator[World]:
    """Build a world with its own issuer; the issuer stops when the generator closes."""
    for issuer in start_issuer():
        yield _world(server, issuer)


def _world(server: Server, issuer: Issuer) -> World:
    owner, instance_arn, store_id = account_instance(server)
    identitystore = server.client("identitystore", owner)
    email = f"user-{secrets.token_hex(4)}@example.com"
    user_id = new_user(
        identitystore,
        store_id,
        f"iam.{secrets.token_hex(3)}",
        Emails=[{"Value": email, "Type": "work", "Primary": True}],
    )
    sso_admin = server.client("sso-admin", owner)
    issuer_arn = new_trusted_issuer(sso_admin, instance_arn, issuer.url)
    return World(
        server=server,
        owner=owner,
        instance_arn=instance_arn,
        store_id=store_id,
        sso_admin=sso_admin,
        oidc=server.client("sso-oidc", owner),
        issuer=issuer,
        issuer_arn=issuer_arn,
        email=email,
        user_id=user_id,
    )


def new_trusted_issuer(sso_admin: Any, instance_arn: str, url: str) -> str:
    created = sso_admin.create_trusted_token_issuer(
        InstanceArn=instance_arn,
        Name=f"Issuer-{secrets.token_hex(4)}",
        TrustedTokenIssuerType="OIDC_JWT",
        TrustedTokenIssuerConfiguration={
            "OidcJwtConfiguration": {
                "IssuerUrl": url,
                "ClaimAttributePath": "email",
                "IdentityStoreAttributePath": "emails.value",
                "JwksRetrievalOption": "OPEN_ID_DISCOVERY",
            }
        },
    )
    return str(created["TrustedTokenIssuerArn"])


def new_application(
    world: World,
    grants: dict[str, dict[str, Any]],
    scopes: dict[str, list[str]] | None = None,
    assignment_required: bool = False,
) -> str:
    """Create an application with `grants` (grant type to Grant) and access scopes (to targets)."""
    sso_admin = world.sso_admin
    arn = str(
        sso_admin.create_application(
            InstanceArn=world.instance_arn,
            ApplicationProviderArn=CUSTOM,
            Name=f"App-{secrets.token_hex(4)}",
        )["ApplicationArn"]
    )
    for grant_type, grant in grants.items():
        sso_admin.put_application_grant(ApplicationArn=arn, GrantType=grant_type, Grant=grant)
    for scope, targets in (scopes or {}).items():
        request: dict[str, Any] = {"ApplicationArn": arn, "Scope": scope}
        if targets:
            request["AuthorizedTargets"] = targets
        sso_admin.put_application_access_scope(**request)
    sso_admin.put_application_assignment_configuration(
        ApplicationArn=arn, AssignmentRequired=assignment_required
    )
    return arn


def jwt_grant(world: World, issuer_arn: str | None = None) -> dict[str, Any]:
    return {
        "JwtBearer": {
            "AuthorizedTokenIssuers": [
                {
                    "TrustedTokenIssuerArn": issuer_arn or world.issuer_arn,
                    "AuthorizedAudiences": [AUDIENCE],
                }
            ]
        }
    }


REFRESH_GRANT: dict[str, Any] = {"RefreshToken": {}}
EXCHANGE_GRANT: dict[str, Any] = {"TokenExchange": {}}


def jwt_application(world: World, **extra: Any) -> str:
    """Create an application with the JWT bearer and refresh token grants."""
    grants = {JWT_BEARER: jwt_grant(world), "refresh_token": REFRESH_GRANT}
    return new_application(world, grants, **extra)


def assertion(world: World, **changes: Any) -> str:
    """Return a JWT of the world's issuer for its user; `changes` replace or drop claims."""
    claims = world.issuer.claims(AUDIENCE, world.email)
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return world.issuer.token(claims)


def exchange_jwt(world: World, application_arn: str, **extra: Any) -> dict[str, Any]:
    return dict(
        world.oidc.create_token_with_iam(
            clientId=application_arn,
            grantType=JWT_BEARER,
            assertion=extra.pop("assertion", None) or assertion(world),
            **extra,
        )
    )


def oauth_error(call: Any, **kwargs: Any) -> tuple[int, str, str]:
    """Return the HTTP status, the error code and the OAuth `error_description` of a failure."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        str(response.get("error_description", "")),
    )


def jwt_claims(token: str) -> dict[str, Any]:
    """Return the claims of a JWT without verifying it."""
    payload = token.split(".")[1]
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(decoded, dict)
    return decoded


def jwt_header(token: str) -> dict[str, Any]:
    header = token.split(".")[0]
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    assert isinstance(decoded, dict)
    return decoded
