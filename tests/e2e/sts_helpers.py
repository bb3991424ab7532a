"""Steps shared by the STS and enforcement tests: organizations with member accounts, roles in the
store, clients that sign with session credentials, and the parts of a denial."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config

from orgstack import ids
from orgstack.services.iam import role_store
from tests.harness import CLIENT_CONFIG, Account, Server, create_member_account

ACCESS_ROLE = "OrganizationAccountAccessRole"
ENCODED_MESSAGE_HEADER = "x-orgstack-encoded-authorization-message"


@dataclass(frozen=True)
class Organization:
    management: Account
    client: Any


@dataclass(frozen=True)
class Denial:
    status: int
    code: str
    message: str
    encoded_message: str | None


def new_organization(server: Server) -> Organization:
    management = server.new_account()
    client = server.client("organizations", management)
    client.create_organization(FeatureSet="ALL")
    return Organization(management, client)


def role_arn(account_id: str, name: str = ACCESS_ROLE, path: str = "/") -> str:
    return ids.role_arn(account_id, path, name)


def session_client(server: Server, service: str, credentials: Mapping[str, Any]) -> Any:
    """Return a client of `service` that signs with temporary credentials from STS."""
    import boto3

    return boto3.session.Session().client(
        service,
        endpoint_url=server.endpoint,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=CLIENT_CONFIG,
    )


def unvalidated_client(server: Server, service: str, account: Account) -> Any:
    """Return a client that sends parameters botocore would reject, for server-side checks."""
    import boto3

    return boto3.session.Session().client(
        service,
        endpoint_url=server.endpoint,
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
        config=CLIENT_CONFIG.merge(Config(parameter_validation=False)),
    )


def assume(
    server: Server, account: Account, arn: str, session_name: str = "tester", **kwargs: Any
) -> dict[str, Any]:
    """Assume `arn` with `account`'s root key and return the whole AssumeRole reply."""
    sts = server.client("sts", account)
    reply: dict[str, Any] = sts.assume_role(RoleArn=arn, RoleSessionName=session_name, **kwargs)
    return reply


def member_session(
    server: Server, organization: Organization, service: str, session_name: str = "admin"
) -> tuple[str, Any]:
    """Create a member account and return its id and a `service` client of a session of its
    OrganizationAccountAccessRole, assumed from the management account."""
    member = create_member_account(server, organization.client)
    reply = assume(server, organization.management, role_arn(member), session_name)
    return member, session_client(server, service, reply["Credentials"])


def put_role(
    server: Server,
    account_id: str,
    name: str,
    trust_policy: Mapping[str, Any],
    inline: Mapping[str, Mapping[str, Any]] | None = None,
    tags: Mapping[str, str] | None = None,
    max_session_duration: int = 3600,
) -> str:
    """Store a role with inline policies and tags, as CreateRole and PutRolePolicy would."""
    arn = role_arn(account_id, name)
    role = role_store.RoleRow(
        account_id=account_id,
        name=name,
        role_id=ids.unique_id("AROA"),
        arn=arn,
        path="/",
        assume_role_policy=json.dumps(trust_policy),
        description="",
        max_session_duration=max_session_duration,
        permissions_boundary_arn=None,
        created_at=dt.datetime.now(dt.UTC),
    )
    with server.database().transaction() as connection:
        role_store.insert_role(connection, role)
        for policy_name, document in (inline or {}).items():
            role_store.put_inline_policy(
                connection, account_id, name, policy_name, json.dumps(document)
            )
        if tags:
            role_store.put_role_tags(connection, account_id, name, list(tags.items()))
    return arn


def trust(principal: str, actions: list[str] | None = None, **condition: Any) -> dict[str, Any]:
    """Return a trust policy letting `principal` (an ARN or account id) assume the role."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": actions or ["sts:AssumeRole"],
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def allow(actions: list[str], resource: str = "*", **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def deny(actions: list[str], resource: str = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": actions, "Resource": resource}],
    }


def denial(call: Callable[..., Any], **kwargs: Any) -> Denial:
    """Call, expect an AWS error, and return its status, code, message and encoded message."""
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    metadata = response["ResponseMetadata"]
    return Denial(
        status=metadata["HTTPStatusCode"],
        code=response["Error"]["Code"],
        message=response["Error"]["Message"],
        encoded_message=metadata["HTTPHeaders"].get(ENCODED_MESSAGE_HEADER),
    )


def assumed_role_arn(account_id: str, session_name: str, role: str = ACCESS_ROLE) -> str:
    return f"arn:aws:sts::{account_id}:assumed-role/{role}/{session_name}"


def root_key(server: Server, account_id: str) -> Account:
    """Give an account made by CreateAccount (which has no keys, as in AWS) a root access key."""
    from orgstack.auth.credentials import create_root_key
    from orgstack.secrets_at_rest import SecretBox

    box = SecretBox(server.master_key.encode())
    with server.database().transaction() as connection:
        key_id, secret = create_root_key(connection, box, account_id, dt.datetime.now(dt.UTC))
    return Account(account_id, "", "", key_id, secret)
