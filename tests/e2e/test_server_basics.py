"""The server's own endpoints, routing and protocol errors, through real clients."""

from __future__ import annotations

import urllib.error
import urllib.request
from email.message import Message

import botocore.exceptions
import pytest

from tests.harness import Server


def test_health_answers_ok(server: Server) -> None:
    with urllib.request.urlopen(f"{server.endpoint}/_orgstack/health", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b'{"status":"ok"}'


def test_get_caller_identity_names_root(server: Server) -> None:
    identity = server.client("sts").get_caller_identity()

    assert identity["Account"] == server.management.account_id
    assert identity["Arn"] == f"arn:aws:iam::{server.management.account_id}:root"
    assert identity["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_unknown_key_is_rejected(server: Server) -> None:
    client = server.client(
        "organizations", aws_access_key_id="AKIAUNKNOWNUNKNOWN00", aws_secret_access_key="x"
    )

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.describe_organization()

    error = raised.value.response["Error"]
    assert error["Code"] == "UnrecognizedClientException"
    assert error["Message"] == "The security token included in the request is invalid."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _post(server: Server, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, Message]:
    """POST `body` and return the status, body and headers (looked up without regard to case,
    as HTTP header names are compared)."""
    request = urllib.request.Request(
        server.endpoint + "/", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_malformed_json_is_serialization_exception(server: Server) -> None:
    status, body, headers = _post(
        server,
        b"{not json",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSOrganizationsV20161128.DescribeOrganization",
        },
    )

    assert status == 400
    assert b'"__type":"SerializationException"' in body
    assert headers["x-amzn-RequestId"]


def test_unknown_target_is_unknown_operation(server: Server) -> None:
    status, body, _ = _post(
        server,
        b"{}",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSOrganizationsV20161128.Nope",
        },
    )

    assert status == 400
    assert b'"__type":"UnknownOperationException"' in body


def test_oversized_body_is_413(server: Server) -> None:
    status, _, _ = _post(
        server,
        b"{" + b" " * 1_100_000 + b"}",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSOrganizationsV20161128.DescribeOrganization",
        },
    )

    assert status == 413
