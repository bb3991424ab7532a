"""The authorizer's pure parts: request tag keys, declared checks, the layer cache and its
version, the context keys of a caller, and encoded authorization messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from orgstack.auth.principals import ASSUMED_ROLE, ROOT, Principal, SessionDetails
from orgstack.authorize import actions, context, decisions, messages
from orgstack.authorize.cache import LayerCache, VersionReader, bump_version, current_version
from orgstack.authorize.store import AccountFacts, RoleFacts
from orgstack.policy import Layers, PolicyKind, PolicyRef, Request, compile_policy, evaluate
from orgstack.secrets_at_rest import SecretBox
from orgstack.services.registry import OperationSpec
from orgstack.store.schema import metadata

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Ops"


def _spec(name: str, resources: Any = None) -> OperationSpec:
    return OperationSpec(
        service="organizations",
        name=name,
        handler=lambda context, params: {},
        action=f"organizations:{name}",
        read_only=True,
        resources=resources,
    )


def test_request_tags_set_both_keys() -> None:
    keys = actions.request_tag_keys({"Tags": [{"Key": "team", "Value": "blue"}]})

    assert keys == {"aws:RequestTag/team": "blue", "aws:TagKeys": ["team"]}


def test_removed_tag_keys_set_tag_keys_only() -> None:
    keys = actions.request_tag_keys({"TagKeys": ["team", "cost"]})

    assert keys == {"aws:TagKeys": ["team", "cost"]}


def test_no_tags_no_keys() -> None:
    assert actions.request_tag_keys({"Name": "x"}) == {}


def test_undeclared_operation_checked_on_any_resource() -> None:
    checks = actions.checks_for(_spec("UndeclaredForTest"), None, {}, None)  # type: ignore[arg-type]

    assert checks == (actions.Check("organizations:UndeclaredForTest", actions.ANY, {}),)


def test_resources_function_gives_targets() -> None:
    arns = ["arn:aws:iam::111122223333:role/A", "arn:aws:iam::111122223333:role/B"]
    spec = _spec("WithResourcesForTest", resources=lambda context, params: arns)

    checks = actions.checks_for(spec, None, {}, None)  # type: ignore[arg-type]

    assert [check.target.arn for check in checks] == arns
    assert {check.action for check in checks} == {"organizations:WithResourcesForTest"}


def test_target_account_from_arn() -> None:
    assert actions.Target(ROLE_ARN).account == ACCOUNT
    assert actions.Target("arn:aws:iam::aws:policy/AdministratorAccess").account is None
    assert actions.Target("*").account is None


def test_cache_reuses_entries_of_same_version() -> None:
    cache = LayerCache()
    facts = AccountFacts(ACCOUNT, organization_id="o-abcdefghij", management_account_id=ACCOUNT)
    loads: list[str] = []

    def load() -> AccountFacts:
        loads.append(ACCOUNT)
        return facts

    cache.account("v1", ACCOUNT, load)
    cache.account("v1", ACCOUNT, load)
    cache.account("v2", ACCOUNT, load)

    assert len(loads) == 2


def test_cache_skips_accounts_outside_organizations() -> None:
    cache = LayerCache()
    loads: list[str] = []

    def load() -> AccountFacts:
        loads.append(ACCOUNT)
        return AccountFacts(ACCOUNT)

    cache.account("v1", ACCOUNT, load)
    cache.account("v1", ACCOUNT, load)

    assert len(loads) == 2


def test_version_reader_rereads_store() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    reader = VersionReader(recheck_seconds=0)

    with engine.begin() as connection:
        before = reader.version(connection)
        token = bump_version(connection)
        after = reader.version(connection)
        stored = current_version(connection)

    assert before == ""
    assert after == token
    assert stored == token


def test_version_reader_keeps_learned_version() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    reader = VersionReader(recheck_seconds=3600)

    with engine.begin() as connection:
        reader.learn("local")
        bump_version(connection)

        assert reader.version(connection) == "local"


def test_root_principal_keys() -> None:
    root = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, ROOT, "AKIAEXAMPLEEXAMPLE12")
    account = AccountFacts(
        ACCOUNT,
        organization_id="o-abcdefghij",
        management_account_id="999988887777",
        org_path="o-abcdefghij/r-ab12/ou-ab12-11111111/",
    )

    keys = context.principal_keys(root, account, None)

    assert keys["aws:PrincipalArn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert keys["aws:PrincipalType"] == "Account"
    assert keys["aws:userid"] == ACCOUNT
    assert keys["aws:PrincipalOrgID"] == "o-abcdefghij"
    assert keys["aws:PrincipalOrgPaths"] == ["o-abcdefghij/r-ab12/ou-ab12-11111111/"]
    assert "aws:MultiFactorAuthPresent" not in keys
    assert "aws:username" not in keys


def test_session_principal_keys() -> None:
    session = SessionDetails(
        role_arn=ROLE_ARN,
        role_name="Ops",
        role_id="AROAEXAMPLEEXAMPLE1",
        session_name="alice",
        session_tags={"team": "blue"},
        source_identity="alice@example.com",
        issued_at="2026-01-01T00:00:00Z",
    )
    principal = Principal(
        ACCOUNT,
        f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/alice",
        "AROAEXAMPLEEXAMPLE1:alice",
        ASSUMED_ROLE,
        "ASIAEXAMPLEEXAMPLE12",
        session,
    )
    role = RoleFacts(
        ACCOUNT,
        "Ops",
        "AROAEXAMPLEEXAMPLE1",
        ROLE_ARN,
        "/",
        "{}",
        3600,
        tags={"team": "red", "cost": "42"},
    )

    keys = context.principal_keys(principal, AccountFacts(ACCOUNT), role)

    assert keys["aws:PrincipalArn"] == ROLE_ARN
    assert keys["aws:PrincipalType"] == "AssumedRole"
    assert keys["aws:userid"] == "AROAEXAMPLEEXAMPLE1:alice"
    assert keys["aws:PrincipalTag/team"] == "blue"
    assert keys["aws:PrincipalTag/cost"] == "42"
    assert keys["aws:MultiFactorAuthPresent"] is False
    assert keys["aws:SourceIdentity"] == "alice@example.com"
    assert keys["aws:TokenIssueTime"] == "2026-01-01T00:00:00Z"
    assert "aws:PrincipalOrgID" not in keys


def _denied_result() -> Any:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoOrgs", "Effect": "Deny", "Action": "organizations:*", "Resource": "*"}
        ],
    }
    identity = PolicyRef("inline", compile_policy(document, PolicyKind.IDENTITY))
    request = Request(
        action="organizations:ListAccounts",
        resource="*",
        principal_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/alice",
        context={"aws:RequestedRegion": "us-east-1"},
    )
    return evaluate(request, Layers(identity=(identity,)))


def test_encoded_message_round_trip() -> None:
    box = SecretBox(Fernet.generate_key())

    encoded = messages.encode(box, _denied_result(), "AROAEXAMPLEEXAMPLE1:alice", ACCOUNT)
    document = messages.decode(box, encoded)

    assert document["allowed"] is False
    assert document["explicitDeny"] is True
    assert document["principalAccount"] == ACCOUNT
    assert document["context"]["action"] == "organizations:ListAccounts"
    assert document["matchedStatements"]["items"][0]["statementId"] == "NoOrgs"
    assert "Decision: ExplicitDeny" in document["explanation"]


def test_encoded_message_from_other_key_rejected() -> None:
    encoded = messages.encode(
        SecretBox(Fernet.generate_key()), _denied_result(), "AROAEXAMPLEEXAMPLE1:alice", ACCOUNT
    )

    with pytest.raises(messages.InvalidMessage):
        messages.decode(SecretBox(Fernet.generate_key()), encoded)


def test_request_keys_time_and_transport() -> None:
    class _Context:
        region = "eu-west-1"
        source_ip = "127.0.0.1"

        def now(self) -> dt.datetime:
            return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    keys = context.request_keys(_Context(), {"x-forwarded-proto": "https"})  # type: ignore[arg-type]

    assert keys["aws:RequestedRegion"] == "eu-west-1"
    assert keys["aws:CurrentTime"] == "2026-01-02T03:04:05Z"
    assert keys["aws:EpochTime"] == 1767323045
    assert keys["aws:SecureTransport"] is True


def _ref(document: dict[str, Any]) -> PolicyRef:
    return PolicyRef("p", compile_policy(document, PolicyKind.IDENTITY))


def test_read_keys_of_conditions() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            }
        ],
    }

    assert decisions.read_keys([_ref(document)]) == frozenset({"aws:requestedregion"})


def test_read_keys_unknown_with_variables() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/${aws:userid}/*",
            }
        ],
    }

    assert decisions.read_keys([_ref(document)]) is None


def test_decision_key_ignores_unread_keys() -> None:
    read = frozenset({"aws:requestedregion"})
    first = decisions.decision_key(
        ("asker",), read, {"aws:RequestedRegion": "eu-west-1", "aws:CurrentTime": "1"}
    )
    second = decisions.decision_key(
        ("asker",), read, {"aws:RequestedRegion": "eu-west-1", "aws:CurrentTime": "2"}
    )
    other_region = decisions.decision_key(
        ("asker",), read, {"aws:RequestedRegion": "us-east-1", "aws:CurrentTime": "1"}
    )

    assert first == second
    assert first != other_region
