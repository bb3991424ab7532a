"""X-Forwarded-For and X-Forwarded-Proto on signed AWS calls.

The session server trusts no proxy, so a client that sends these headers from 127.0.0.1 changes
neither the CloudTrail source address nor `aws:SourceIp` and `aws:SecureTransport`. A second
server trusts 127.0.0.1 as a reverse proxy and must believe the same headers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.audit_helpers import record_of, request_id_of, wait_for_request
from tests.e2e.sts_helpers import (
    assume,
    assumed_role_arn,
    denial,
    new_organization,
    role_arn,
    session_client,
)
from tests.harness import Server, create_member_account, fresh_database_url, start_server

OFFICE_ADDRESS = "198.51.100.5"
# Denies iam:ListRoles from outside 198.51.100.0/24 and iam:GetRole over plain HTTP.
OFFICE_AND_TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "iam:ListRoles",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        },
        {
            "Effect": "Deny",
            "Action": "iam:GetRole",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
}
ALLOW_LIST_ROLES = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}],
    }
)


def add_header(client: Any, name: str, value: str) -> Any:
    """Make every request of `client` carry the header `name` (after signing, as a proxy would)."""

    def set_header(request: Any, **_: Any) -> None:
        request.headers[name] = value

    client.meta.events.register("before-send.*", set_header)
    return client


def restricted_session(server: Server, session_name: str) -> tuple[str, dict[str, Any], str]:
    """Create an organization whose member has OFFICE_AND_TLS_ONLY and assume a role in it.

    Returns the member's account ID, the session's credentials and the SCP's ARN.
    """
    organization = new_organization(server)
    member = create_member_account(server, organization.client)
    summary = organization.client.create_policy(
        Content=json.dumps(OFFICE_AND_TLS_ONLY),
        Description="office and TLS only",
        Name="OfficeAndTlsOnly",
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]
    organization.client.attach_policy(PolicyId=summary["Id"], TargetId=member)
    credentials = assume(server, organization.management, role_arn(member), session_name)
    return member, credentials["Credentials"], str(summary["Arn"])


def source_ip_of_call(server: Server, forwarded_for: str) -> str:
    """Make a signed call with X-Forwarded-For and return its CloudTrail sourceIPAddress."""
    account = server.new_account()
    iam = add_header(server.client("iam", account), "X-Forwarded-For", forwarded_for)
    reply = iam.create_policy(PolicyName="forwarded", PolicyDocument=ALLOW_LIST_ROLES)
    event = wait_for_request(server.client("cloudtrail", account), request_id_of(reply))
    return str(record_of(event)["sourceIPAddress"])


def test_untrusted_forwarded_for_not_recorded(server: Server) -> None:
    assert source_ip_of_call(server, "198.51.100.77") == "127.0.0.1"


def test_untrusted_forwarded_for_bypasses_no_scp(server: Server) -> None:
    member, credentials, policy_arn = restricted_session(server, "spoofer")
    spoofed = add_header(
        session_client(server, "iam", credentials), "X-Forwarded-For", OFFICE_ADDRESS
    )

    denied = denial(spoofed.list_roles)

    assert denied.status == 403
    assert denied.code == "AccessDenied"
    assert denied.message.startswith(
        f"User: {assumed_role_arn(member, 'spoofer')} is not authorized to perform: iam:ListRoles"
    )
    assert denied.message == (
        f"User: {assumed_role_arn(member, 'spoofer')} is not authorized to perform: iam:ListRoles "
        f"with an explicit deny in a service control policy: {policy_arn}"
    )


def test_untrusted_forwarded_proto_bypasses_no_scp(server: Server) -> None:
    member, credentials, policy_arn = restricted_session(server, "plain-http")
    spoofed = add_header(session_client(server, "iam", credentials), "X-Forwarded-Proto", "https")

    denied = denial(spoofed.get_role, RoleName="OrganizationAccountAccessRole")

    assert denied.status == 403
    assert denied.code == "AccessDenied"
    assert denied.message.startswith(
        f"User: {assumed_role_arn(member, 'plain-http')} is not authorized to perform: iam:GetRole"
    )
    assert denied.message == (
        f"User: {assumed_role_arn(member, 'plain-http')} is not authorized to perform: "
        f"iam:GetRole on resource: {role_arn(member)} "
        f"with an explicit deny in a service control policy: {policy_arn}"
    )


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that trusts 127.0.0.1 as its reverse proxy."""
    data_dir: Path = tmp_path_factory.mktemp("behind-proxy")
    with fresh_database_url(data_dir) as database_url:
        running = start_trusting_loopback(data_dir, database_url)
        try:
            yield running
        finally:
            running.stop()


def start_trusting_loopback(data_dir: Path, database_url: str) -> Server:
    """Start a server with ORGSTACK_TRUSTED_PROXIES=127.0.0.1/32 in its environment only."""
    previous = os.environ.get("ORGSTACK_TRUSTED_PROXIES")
    os.environ["ORGSTACK_TRUSTED_PROXIES"] = "127.0.0.1/32"
    try:
        return start_server(data_dir, database_url, ("--max-accounts", "100"))
    finally:
        if previous is None:
            os.environ.pop("ORGSTACK_TRUSTED_PROXIES", None)
        else:
            os.environ["ORGSTACK_TRUSTED_PROXIES"] = previous


def test_trusted_proxy_forwarded_for_recorded(behind_proxy: Server) -> None:
    # The proxy appends the address it received the request from. Earlier entries are the
    # client's own claim.
    recorded = source_ip_of_call(behind_proxy, f"203.0.113.9, {OFFICE_ADDRESS}")

    assert recorded == OFFICE_ADDRESS


def test_trusted_proxy_headers_reach_scp(behind_proxy: Server) -> None:
    member, credentials, _ = restricted_session(behind_proxy, "proxied")
    iam = session_client(behind_proxy, "iam", credentials)
    add_header(iam, "X-Forwarded-For", OFFICE_ADDRESS)
    add_header(iam, "X-Forwarded-Proto", "https")

    assert iam.list_roles()["Roles"]
    assert iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]["Arn"] == role_arn(member)
