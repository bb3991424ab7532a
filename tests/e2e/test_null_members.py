"""A JSON null as a list element or map value is a SerializationException on every JSON service.

botocore never sends such nulls, so these tests sign raw JSON 1.1 requests themselves.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import orjson
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.sso_admin_helpers import IdentityCenter, new_identity_center
from tests.harness import Account, Server

ORGANIZATIONS = ("organizations", "AWSOrganizationsV20161128.")
SSO_ADMIN = ("sso", "SWBExternalService.")
IDENTITY_STORE = ("identitystore", "AWSIdentityStore.")


def _call(
    server: Server, account: Account, service: tuple[str, str], operation: str, body: Any
) -> tuple[int, dict[str, Any]]:
    """POST one JSON 1.1 call signed with `account`'s root key, and return the status and reply."""
    signing_name, target_prefix = service
    data = orjson.dumps(body)
    request = AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=data,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": target_prefix + operation,
        },
    )
    credentials = Credentials(account.access_key_id, account.secret_access_key)
    SigV4Auth(credentials, signing_name, "us-east-1").add_auth(request)
    http_request = urllib.request.Request(
        server.endpoint + "/", data=data, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


@pytest.fixture(scope="module")
def center(server: Server) -> IdentityCenter:
    return new_identity_center(server)


@pytest.mark.parametrize("states", [[None], ["SUCCEEDED", None]])
def test_null_state_rejected(center: IdentityCenter, server: Server, states: list[Any]) -> None:
    position = states.index(None) + 1

    status, reply = _call(
        server, center.management, ORGANIZATIONS, "ListCreateAccountStatus", {"States": states}
    )

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == (
        f"Value of member 'states.{position}.member' could not be read: member must not be null."
    )


def test_wrong_type_state_still_rejected(center: IdentityCenter, server: Server) -> None:
    status, reply = _call(
        server, center.management, ORGANIZATIONS, "ListCreateAccountStatus", {"States": [1]}
    )

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == (
        "Value of member 'states.1.member' could not be read: member must be of type string."
    )


def test_null_tag_rejected(center: IdentityCenter, server: Server) -> None:
    request = {"InstanceArn": center.instance_arn, "Name": "NullTag", "Tags": [None]}

    status, reply = _call(server, center.management, SSO_ADMIN, "CreatePermissionSet", request)

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == (
        "Value of member 'tags.1.member' could not be read: member must not be null."
    )
    listed = center.sso_admin.list_permission_sets(InstanceArn=center.instance_arn)
    names = [
        center.sso_admin.describe_permission_set(
            InstanceArn=center.instance_arn, PermissionSetArn=arn
        )["PermissionSet"]["Name"]
        for arn in listed["PermissionSets"]
    ]
    assert "NullTag" not in names


def test_null_email_rejected(center: IdentityCenter, server: Server) -> None:
    request = {
        "IdentityStoreId": center.store_id,
        "UserName": "null.email",
        "DisplayName": "Null Email",
        "Name": {"GivenName": "Null", "FamilyName": "Email"},
        "Emails": [{"Value": "null.email@example.com"}, None],
    }

    status, reply = _call(server, center.management, IDENTITY_STORE, "CreateUser", request)

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == (
        "Value of member 'emails.2.member' could not be read: member must not be null."
    )
    users = center.identitystore.list_users(IdentityStoreId=center.store_id)["Users"]
    assert "null.email" not in [user["UserName"] for user in users]


def test_null_map_value_rejected(center: IdentityCenter, server: Server) -> None:
    request = {
        "IdentityStoreId": center.store_id,
        "UserName": "null.extension",
        "DisplayName": "Null Extension",
        "Name": {"GivenName": "Null", "FamilyName": "Extension"},
        "Extensions": {"aws:identitystore:enterprise": None},
    }

    status, reply = _call(server, center.management, IDENTITY_STORE, "CreateUser", request)

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == (
        "Value of member 'extensions.aws:identitystore:enterprise.value' could not be read: "
        "member must not be null."
    )
