"""Request bodies the JSON services reject before any handler runs: nulls and over-deep nesting.

A null list element, a null map value and arrays or objects nested more than 64 levels are each
a SerializationException. botocore sends none of them, so these tests send raw requests.
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
    """POST one JSON 1.1 call signed with `account`'s root key, and return the status and reply.

    `body` is the request object, or its JSON text as bytes.
    """
    signing_name, target_prefix = service
    data = body if isinstance(body, bytes) else orjson.dumps(body)
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


DEEP = "DEEP-VALUE"


def _with_deep_value(request: dict[str, Any], depth: int) -> bytes:
    """Return `request` as JSON text with each `DEEP` string replaced by `depth` nested arrays.

    The text is built by hand because orjson encodes at most 255 levels.
    """
    nested = "[" * depth + "]" * depth
    return orjson.dumps(request).replace(f'"{DEEP}"'.encode(), nested.encode())


TOO_DEEP_BODY = (
    "Malformed JSON in the request body: arrays and objects nest more than 64 levels deep."
)


@pytest.mark.parametrize("depth", [65, 300, 1000])
def test_deep_unknown_member_rejected(center: IdentityCenter, server: Server, depth: int) -> None:
    # A member the model does not know is still decoded, so its depth counts too. At 300 levels
    # the audit log could not encode the request, and at 1,000 redacting it overflowed the stack.
    request = _with_deep_value({"Unknown": DEEP}, depth)

    status, reply = _call(server, center.management, ORGANIZATIONS, "ListRoots", request)

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == TOO_DEEP_BODY


def test_body_at_depth_limit_accepted(center: IdentityCenter, server: Server) -> None:
    # The request object is one level and the unknown member's arrays are the other 63.
    request = _with_deep_value({"Unknown": DEEP}, 63)

    status, reply = _call(server, center.management, ORGANIZATIONS, "ListRoots", request)

    assert status == 200
    assert len(reply["Roots"]) == 1


def test_deep_body_writes_nothing(center: IdentityCenter, server: Server) -> None:
    root_id = center.organizations.list_roots()["Roots"][0]["Id"]
    request = _with_deep_value({"ParentId": root_id, "Name": "DeepUnit", "Unknown": DEEP}, 300)

    status, reply = _call(
        server, center.management, ORGANIZATIONS, "CreateOrganizationalUnit", request
    )

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == TOO_DEEP_BODY
    units = center.organizations.list_organizational_units_for_parent(ParentId=root_id)
    assert "DeepUnit" not in [unit["Name"] for unit in units["OrganizationalUnits"]]


def test_deep_document_member_rejected(center: IdentityCenter, server: Server) -> None:
    # identitystore's AttributeValue is a document type, which validation accepts at any depth.
    user_id = center.identitystore.create_user(
        IdentityStoreId=center.store_id,
        UserName="deep.document",
        DisplayName="Deep Document",
        Name={"GivenName": "Deep", "FamilyName": "Document"},
    )["UserId"]
    request = {
        "IdentityStoreId": center.store_id,
        "UserId": user_id,
        "Operations": [{"AttributePath": "displayName", "AttributeValue": DEEP}],
    }

    status, reply = _call(
        server, center.management, IDENTITY_STORE, "UpdateUser", _with_deep_value(request, 300)
    )

    assert status == 400
    assert reply["__type"] == "SerializationException"
    assert reply["message"] == TOO_DEEP_BODY
    described = center.identitystore.describe_user(IdentityStoreId=center.store_id, UserId=user_id)
    assert described["DisplayName"] == "Deep Document"


def test_deep_rest_json_body_rejected(server: Server) -> None:
    # sso-oidc RegisterClient is a REST-JSON call that needs no signature.
    body = _with_deep_value({"clientName": "deep", "clientType": "public", "x": DEEP}, 300)
    request = urllib.request.Request(
        server.endpoint + "/client/register",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)

    assert raised.value.code == 400
    assert raised.value.headers["x-amzn-ErrorType"] == "SerializationException"
    assert orjson.loads(raised.value.read()) == {"message": TOO_DEEP_BODY}
