"""Our codecs read what botocore serializers write, and write what botocore parsers read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import botocore.session
import orjson
import pytest
from botocore import parsers, serialize

from orgstack.protocol import json11, query, restjson
from orgstack.protocol.errors import SerializationException
from orgstack.protocol.models import service_model
from orgstack.protocol.validate import coral_message, validate
from orgstack.protocol.wire import HttpRequest
from orgstack.services.organizations.errors import InvalidInputException

SERVICES = ("sso", "sso-oidc")


def _botocore_request(service: str, operation: str, params: dict[str, Any]) -> HttpRequest:
    model = botocore.session.get_session().get_service_model(service)
    serializer = serialize.create_serializer(model.protocol)
    wire = serializer.serialize_to_request(params, model.operation_model(operation))
    path, _, query_string = wire["url_path"].partition("?")
    query_pairs = [f"{key}={value}" for key, value in wire["query_string"].items()]
    query_string = "&".join(filter(None, [query_string, *query_pairs]))
    headers = {name.lower(): str(value) for name, value in wire["headers"].items()}
    body = wire["body"] if isinstance(wire["body"], bytes) else str(wire["body"]).encode()
    return HttpRequest(
        wire["method"], path, query_string, headers, list(headers.items()), body, "127.0.0.1"
    )


def test_restjson_reads_query_and_header_members() -> None:
    request = _botocore_request(
        "sso",
        "GetRoleCredentials",
        {"roleName": "Developer", "accountId": "111122223333", "accessToken": "token-value"},
    )

    route = restjson.match(request, SERVICES)

    assert route is not None
    assert route.operation == "GetRoleCredentials"
    assert restjson.parse(request, route) == {
        "roleName": "Developer",
        "accountId": "111122223333",
        "accessToken": "token-value",
    }


def test_restjson_reads_json_body_members() -> None:
    request = _botocore_request(
        "sso-oidc",
        "CreateToken",
        {"clientId": "c", "clientSecret": "s", "grantType": "refresh_token", "refreshToken": "r"},
    )

    route = restjson.match(request, SERVICES)

    assert route is not None
    assert route.operation == "CreateToken"
    assert restjson.parse(request, route)["grantType"] == "refresh_token"


def test_restjson_prefers_route_with_fixed_query() -> None:
    request = _botocore_request(
        "sso-oidc",
        "CreateTokenWithIAM",
        {"clientId": "c", "grantType": "authorization_code", "code": "x"},
    )

    route = restjson.match(request, SERVICES)

    assert route is not None
    assert route.operation == "CreateTokenWithIAM"


def test_restjson_error_is_read_by_botocore() -> None:
    failure = SerializationException("bad input")
    response = restjson.error("sso", failure, "req-1")
    # botocore hands its parsers lower-cased header names.
    headers = {name.lower(): value for name, value in response.headers}
    parser = parsers.create_parser("rest-json")
    shape = service_model("sso").operation_model("ListAccounts").output_shape

    parsed = parser.parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, shape
    )

    assert parsed["Error"]["Code"] == "SerializationException"
    assert parsed["Error"]["Message"] == "bad input"


def test_query_unflattens_lists_and_structures() -> None:
    shape = service_model("sts").operation_model("AssumeRole").input_shape
    form = {
        "RoleArn": "arn:aws:iam::111122223333:role/r",
        "RoleSessionName": "s",
        "DurationSeconds": "900",
        "Tags.member.1.Key": "team",
        "Tags.member.1.Value": "blue",
        "TransitiveTagKeys.member.1": "team",
    }

    params = query.unflatten(shape, form)

    assert params["DurationSeconds"] == 900
    assert params["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert params["TransitiveTagKeys"] == ["team"]


def test_query_success_is_read_by_botocore() -> None:
    operation = service_model("sts").operation_model("GetCallerIdentity")
    response = query.success(
        "GetCallerIdentity",
        "https://sts.amazonaws.com/doc/2011-06-15/",
        operation.output_shape,
        {"UserId": "AIDA", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:root"},
        "req-2",
    )
    parser = parsers.create_parser("query")

    parsed = parser.parse(
        {"status_code": 200, "headers": dict(response.headers), "body": response.body},
        operation.output_shape,
    )

    assert parsed["Account"] == "111122223333"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-2"


def test_json_timestamps_are_epoch_seconds() -> None:
    operation = service_model("organizations").operation_model("DescribeAccount")
    joined = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)

    response = json11.success(
        operation.output_shape, {"Account": {"Id": "111122223333", "JoinedTimestamp": joined}}, "r"
    )

    assert orjson.loads(response.body)["Account"]["JoinedTimestamp"] == pytest.approx(
        joined.timestamp()
    )


def test_json_drops_members_outside_the_shape() -> None:
    operation = service_model("organizations").operation_model("DescribeAccount")

    response = json11.success(
        operation.output_shape, {"Account": {"Id": "111122223333", "Secret": "x"}}, "r"
    )

    assert orjson.loads(response.body) == {"Account": {"Id": "111122223333"}}


def test_json_error_carries_reason() -> None:
    failure = InvalidInputException("You specified an invalid value.", Reason="INVALID_ENUM")

    response = json11.error("organizations", failure, "r", "Message")

    assert orjson.loads(response.body) == {
        "__type": "InvalidInputException",
        "Message": "You specified an invalid value.",
        "Reason": "INVALID_ENUM",
    }


def test_malformed_json_body_is_serialization_exception() -> None:
    with pytest.raises(SerializationException):
        json11.parse_body(b"[1, 2]")


def test_validation_reports_every_constraint() -> None:
    shape = service_model("sso-admin").operation_model("CreatePermissionSet").input_shape

    violations = validate(shape, {"Name": "x" * 40, "InstanceArn": "bad"})

    assert {violation.path for violation in violations} == {"name", "instanceArn"}
    message = coral_message(violations)
    assert message.startswith("3 validation errors detected: ")
    assert "Member must have length less than or equal to 32" in message


def test_validation_uses_unicode_classes() -> None:
    shape = service_model("organizations").operation_model("TagResource").input_shape

    violations = validate(
        shape, {"ResourceId": "111122223333", "Tags": [{"Key": "équipe", "Value": "bleu"}]}
    )

    assert violations == []
