"""sso-admin trusted token issuers through boto3 against the real server."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.e2e.identity_center_helpers import account_instance
from tests.e2e.organization_helpers import failure
from tests.e2e.sso_admin_helpers import unique_name
from tests.harness import Account, Server

ISSUER_ARN = re.compile(
    r"arn:aws:sso::(?P<account>\d{12}):trustedTokenIssuer/(?P<instance>ssoins-[0-9a-f]{16})/"
    r"tti-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
)
OIDC = {
    "IssuerUrl": "https://issuer.example.com",
    "ClaimAttributePath": "email",
    "IdentityStoreAttributePath": "emails.value",
    "JwksRetrievalOption": "OPEN_ID_DISCOVERY",
}
DENIED = "You do not have sufficient access to perform this action."


@dataclass(frozen=True)
class Setup:
    account: Account
    sso_admin: Any
    instance_arn: str


@pytest.fixture(scope="module")
def setup(server: Server) -> Setup:
    account, instance_arn, _ = account_instance(server)
    return Setup(account, server.client("sso-admin", account), instance_arn)


def _create(setup: Setup, **extra: Any) -> str:
    request: dict[str, Any] = {
        "InstanceArn": setup.instance_arn,
        "Name": unique_name("Issuer"),
        "TrustedTokenIssuerType": "OIDC_JWT",
        "TrustedTokenIssuerConfiguration": {"OidcJwtConfiguration": OIDC},
    }
    request.update(extra)
    return str(setup.sso_admin.create_trusted_token_issuer(**request)["TrustedTokenIssuerArn"])


def _missing_arn(setup: Setup) -> str:
    instance_id = setup.instance_arn.rsplit("/", 1)[-1]
    return (
        f"arn:aws:sso::{setup.account.account_id}:trustedTokenIssuer/{instance_id}/"
        f"tti-{uuid.uuid4()}"
    )


def test_create_and_describe_issuer(setup: Setup) -> None:
    name = unique_name("Issuer")

    arn = _create(setup, Name=name)
    described = setup.sso_admin.describe_trusted_token_issuer(TrustedTokenIssuerArn=arn)

    match = ISSUER_ARN.fullmatch(arn)
    assert match is not None
    assert match["account"] == setup.account.account_id
    assert match["instance"] == setup.instance_arn.rsplit("/", 1)[-1]
    assert described["TrustedTokenIssuerArn"] == arn
    assert described["Name"] == name
    assert described["TrustedTokenIssuerType"] == "OIDC_JWT"
    assert described["TrustedTokenIssuerConfiguration"] == {"OidcJwtConfiguration": OIDC}


def test_create_issuer_duplicate_name(setup: Setup) -> None:
    name = unique_name("Issuer")
    _create(setup, Name=name)

    status, error, _ = failure(
        setup.sso_admin.create_trusted_token_issuer,
        InstanceArn=setup.instance_arn,
        Name=name,
        TrustedTokenIssuerType="OIDC_JWT",
        TrustedTokenIssuerConfiguration={"OidcJwtConfiguration": OIDC},
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert (
        error["Message"] == f"A trusted token issuer named {name} already exists in this instance."
    )


def test_create_issuer_client_token(setup: Setup) -> None:
    token = str(uuid.uuid4())
    name = unique_name("Issuer")

    first = _create(setup, Name=name, ClientToken=token)
    again = _create(setup, Name=name, ClientToken=token)
    status, error, _ = failure(
        setup.sso_admin.create_trusted_token_issuer,
        InstanceArn=setup.instance_arn,
        Name=unique_name("Other"),
        TrustedTokenIssuerType="OIDC_JWT",
        TrustedTokenIssuerConfiguration={"OidcJwtConfiguration": OIDC},
        ClientToken=token,
    )

    assert again == first
    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The ClientToken was already used with different parameters."


def test_create_issuer_needs_oidc_configuration(server: Server, setup: Setup) -> None:
    # boto3 checks tagged unions itself, so this client skips its checks to reach the server.
    unchecked = boto3.session.Session().client(
        "sso-admin",
        endpoint_url=server.endpoint,
        aws_access_key_id=setup.account.access_key_id,
        aws_secret_access_key=setup.account.secret_access_key,
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )

    status, error, _ = failure(
        unchecked.create_trusted_token_issuer,
        InstanceArn=setup.instance_arn,
        Name=unique_name("Issuer"),
        TrustedTokenIssuerType="OIDC_JWT",
        TrustedTokenIssuerConfiguration={},
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "TrustedTokenIssuerConfiguration must set OidcJwtConfiguration for the type OIDC_JWT."
    )


def test_create_issuer_invalid_url(setup: Setup) -> None:
    status, error, _ = failure(
        setup.sso_admin.create_trusted_token_issuer,
        InstanceArn=setup.instance_arn,
        Name=unique_name("Issuer"),
        TrustedTokenIssuerType="OIDC_JWT",
        TrustedTokenIssuerConfiguration={
            "OidcJwtConfiguration": {**OIDC, "IssuerUrl": "ftp://issuer.example.com"}
        },
    )

    assert status == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value 'ftp://issuer.example.com' at "
        "'trustedTokenIssuerConfiguration.oidcJwtConfiguration.issuerUrl' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "https?:\\/\\/[-a-zA-Z0-9+&@\\/%=~_|!:,.;]*[-a-zA-Z0-9+&@\\/%=~_|]"
    )


def test_list_issuers_pages(server: Server) -> None:
    account, instance_arn, _ = account_instance(server)
    setup = Setup(account, server.client("sso-admin", account), instance_arn)
    arns = sorted(_create(setup) for _ in range(3))

    first = setup.sso_admin.list_trusted_token_issuers(InstanceArn=instance_arn, MaxResults=2)
    second = setup.sso_admin.list_trusted_token_issuers(
        InstanceArn=instance_arn, MaxResults=2, NextToken=first["NextToken"]
    )

    assert [item["TrustedTokenIssuerArn"] for item in first["TrustedTokenIssuers"]] == arns[:2]
    assert [item["TrustedTokenIssuerArn"] for item in second["TrustedTokenIssuers"]] == arns[2:]
    assert set(first["TrustedTokenIssuers"][0]) == {
        "TrustedTokenIssuerArn",
        "Name",
        "TrustedTokenIssuerType",
    }
    assert "NextToken" not in second


def test_update_issuer(setup: Setup) -> None:
    arn = _create(setup)
    name = unique_name("Renamed")

    setup.sso_admin.update_trusted_token_issuer(
        TrustedTokenIssuerArn=arn,
        Name=name,
        TrustedTokenIssuerConfiguration={"OidcJwtConfiguration": {"ClaimAttributePath": "sub"}},
    )
    described = setup.sso_admin.describe_trusted_token_issuer(TrustedTokenIssuerArn=arn)

    assert described["Name"] == name
    assert described["TrustedTokenIssuerConfiguration"]["OidcJwtConfiguration"] == {
        **OIDC,
        "ClaimAttributePath": "sub",
    }


def test_update_issuer_to_taken_name(setup: Setup) -> None:
    taken = unique_name("Taken")
    _create(setup, Name=taken)
    arn = _create(setup)

    status, error, _ = failure(
        setup.sso_admin.update_trusted_token_issuer, TrustedTokenIssuerArn=arn, Name=taken
    )

    assert status == 400
    assert error["Code"] == "ConflictException"
    assert error["Message"] == (
        f"A trusted token issuer named {taken} already exists in this instance."
    )


def test_delete_issuer(setup: Setup) -> None:
    arn = _create(setup)

    setup.sso_admin.delete_trusted_token_issuer(TrustedTokenIssuerArn=arn)
    status, error, _ = failure(
        setup.sso_admin.describe_trusted_token_issuer, TrustedTokenIssuerArn=arn
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Trusted token issuer {arn} not found."


def test_missing_issuer(setup: Setup) -> None:
    arn = _missing_arn(setup)

    status, error, _ = failure(
        setup.sso_admin.delete_trusted_token_issuer, TrustedTokenIssuerArn=arn
    )

    assert status == 400
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == f"Trusted token issuer {arn} not found."


def test_other_account_is_denied(server: Server, setup: Setup) -> None:
    arn = _create(setup)
    outsider = server.client("sso-admin", server.new_account())

    describe_status, describe_error, _ = failure(
        outsider.describe_trusted_token_issuer, TrustedTokenIssuerArn=arn
    )
    list_status, list_error, _ = failure(
        outsider.list_trusted_token_issuers, InstanceArn=setup.instance_arn
    )

    assert describe_status == 400
    assert describe_error["Code"] == "AccessDeniedException"
    assert describe_error["Message"] == DENIED
    assert list_status == 400
    assert list_error["Code"] == "AccessDeniedException"
    assert list_error["Message"] == DENIED
