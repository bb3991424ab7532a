"""Presigned GET requests to the query-protocol services (STS, IAM), signed by botocore.

EKS bearer tokens and Vault's AWS auth method both carry a presigned STS GetCallerIdentity URL,
which the server that checks the token fetches with GET.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from botocore.signers import RequestSigner

from tests.e2e.sts_helpers import assume, new_organization, role_arn, session_client
from tests.harness import Server, create_member_account

STS_NAMESPACE = "{https://sts.amazonaws.com/doc/2011-06-15/}"
IAM_NAMESPACE = "{https://iam.amazonaws.com/doc/2010-05-08/}"
SIGNATURE_DOES_NOT_MATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
# The header an EKS token signs to bind it to one cluster.
CLUSTER_HEADER = "x-k8s-aws-id"


def _get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, ElementTree.Element]:
    """GET `url` and return the status and the parsed XML reply of the test's own server."""
    request = urllib.request.Request(url, headers=dict(headers or {}), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, ElementTree.fromstring(body)  # noqa: S314 - the reply of a server started here


def _with_parameter(url: str, name: str, value: str) -> str:
    """Return `url` with query parameter `name` set to `value`, keeping the other parameters."""
    parts = urlsplit(url)
    pairs = [(key, old) for key, old in parse_qsl(parts.query) if key != name]
    return urlunsplit(parts._replace(query=urlencode([*pairs, (name, value)])))


def _error(root: ElementTree.Element, namespace: str) -> tuple[str | None, str | None]:
    error = root.find(f"{namespace}Error")
    assert error is not None
    return error.findtext(f"{namespace}Code"), error.findtext(f"{namespace}Message")


def _eks_token_url(sts: Any, cluster: str) -> str:
    """Presign GetCallerIdentity the way EKS token generators do, with the cluster header signed."""
    signer: RequestSigner = sts._request_signer
    request = {
        "method": "GET",
        "url": sts.meta.endpoint_url + "/?Action=GetCallerIdentity&Version=2011-06-15",
        "url_path": "/",
        "query_string": "",
        "headers": {CLUSTER_HEADER: cluster},
        "body": b"",
        "context": {},
    }
    url: str = signer.generate_presigned_url(
        request, operation_name="GetCallerIdentity", expires_in=60
    )
    return url


def test_presigned_get_caller_identity(server: Server) -> None:
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")

    status, root = _get(url)

    assert status == 200
    assert root.tag == f"{STS_NAMESPACE}GetCallerIdentityResponse"
    account_id = server.management.account_id
    assert root.findtext(f"{STS_NAMESPACE}GetCallerIdentityResult/{STS_NAMESPACE}Arn") == (
        f"arn:aws:iam::{account_id}:root"
    )
    assert root.findtext(f"{STS_NAMESPACE}GetCallerIdentityResult/{STS_NAMESPACE}Account") == (
        account_id
    )


def test_presigned_session_credentials(server: Server) -> None:
    # Vault's AWS auth signs with whatever credentials the client has, often a role session.
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    credentials = assume(server, organization.management, role_arn(member), "vault")["Credentials"]
    sts = session_client(server, "sts", credentials)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")

    status, root = _get(url)

    assert "X-Amz-Security-Token" in url
    assert status == 200
    assert root.findtext(f"{STS_NAMESPACE}GetCallerIdentityResult/{STS_NAMESPACE}Arn") == (
        f"arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/vault"
    )


def test_eks_token_url_accepted(server: Server) -> None:
    url = _eks_token_url(server.client("sts"), "my-cluster")

    status, root = _get(url, {CLUSTER_HEADER: "my-cluster"})

    assert status == 200
    assert root.findtext(f"{STS_NAMESPACE}GetCallerIdentityResult/{STS_NAMESPACE}Account") == (
        server.management.account_id
    )


def test_eks_token_other_cluster_rejected(server: Server) -> None:
    url = _eks_token_url(server.client("sts"), "my-cluster")

    status, root = _get(url, {CLUSTER_HEADER: "other-cluster"})

    assert status == 403
    assert _error(root, STS_NAMESPACE) == ("SignatureDoesNotMatch", SIGNATURE_DOES_NOT_MATCH)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Action", "GetSessionToken"),
        ("X-Amz-Expires", "3600"),
        ("X-Amz-Signature", "0" * 64),
    ],
)
def test_tampered_presigned_url_rejected(server: Server, name: str, value: str) -> None:
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")

    status, root = _get(_with_parameter(url, name, value))

    assert status == 403
    assert _error(root, STS_NAMESPACE) == ("SignatureDoesNotMatch", SIGNATURE_DOES_NOT_MATCH)


def test_presigned_iam_get(server: Server) -> None:
    iam = server.client("iam")
    url = iam.generate_presigned_url("list_roles", ExpiresIn=60, HttpMethod="GET")

    status, root = _get(url)

    assert status == 200
    assert root.tag == f"{IAM_NAMESPACE}ListRolesResponse"
    assert root.find(f"{IAM_NAMESPACE}ListRolesResult/{IAM_NAMESPACE}Roles") is not None


def test_get_unknown_action_rejected(server: Server) -> None:
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    unsigned = _with_parameter(url, "Action", "NoSuchAction")

    status, root = _get(unsigned)

    assert status == 400
    assert _error(root, STS_NAMESPACE) == (
        "InvalidAction",
        "Could not find operation NoSuchAction for version 2011-06-15",
    )


def test_get_without_action_not_found(server: Server) -> None:
    status, body = _get_raw(server.endpoint + "/?Version=2011-06-15")

    assert status == 404
    assert body == b'{"message":"Not Found"}'


def _get_raw(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
