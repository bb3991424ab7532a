"""Validation findings per policy kind, and `parse` raising PolicySyntaxError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orgstack.policy import FindingType, PolicyKind, PolicySyntaxError, parse, validate


def document(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    policy: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        policy["Version"] = version
    return policy


ALLOW_S3 = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
RCP_FULL = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def codes(policy: Any, kind: PolicyKind = PolicyKind.IDENTITY) -> list[str]:
    return [f.issue_code for f in validate(policy, kind) if f.finding_type is FindingType.ERROR]


def test_clean_identity_policy_has_no_findings() -> None:
    assert validate(document(ALLOW_S3), PolicyKind.IDENTITY) == []


def test_statement_may_be_single_object() -> None:
    policy = {"Version": "2012-10-17", "Statement": ALLOW_S3}

    assert parse(json.dumps(policy), PolicyKind.IDENTITY).statements[0].actions == ("s3:GetObject",)


def test_invalid_json_is_syntax_error() -> None:
    assert codes("{not json") == ["JSON_SYNTAX_ERROR"]


def test_duplicate_json_key_is_syntax_error() -> None:
    text = '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}'

    assert codes(text)[0] == "JSON_SYNTAX_ERROR"


def test_invalid_version_is_error() -> None:
    assert codes(document(ALLOW_S3, version="2012-10-18")) == ["INVALID_VERSION"]


def test_2008_version_is_valid() -> None:
    assert codes(document(ALLOW_S3, version="2008-10-17")) == []


def test_missing_version_is_warning() -> None:
    findings = validate(document(ALLOW_S3, version=None), PolicyKind.IDENTITY)

    assert [(f.finding_type, f.issue_code) for f in findings] == [
        (FindingType.WARNING, "MISSING_VERSION")
    ]


def test_invalid_effect_names_statement_and_sid() -> None:
    statement = {**ALLOW_S3, "Sid": "Bad", "Effect": "allow"}
    finding = validate(document(ALLOW_S3, statement), PolicyKind.IDENTITY)[0]

    assert finding.issue_code == "INVALID_EFFECT"
    assert finding.location.statement_index == 1
    assert finding.location.sid == "Bad"
    assert finding.location.element == "Effect"
    assert finding.location.path == ("Statement", 1, "Effect")


def test_action_and_not_action_together_is_error() -> None:
    statement = {**ALLOW_S3, "NotAction": "iam:*"}

    assert codes(document(statement)) == ["UNSUPPORTED_ELEMENT_COMBINATION"]


def test_missing_action_is_error() -> None:
    assert codes(document({"Effect": "Allow", "Resource": "*"})) == ["MISSING_ACTION"]


def test_missing_resource_is_error_outside_trust_policies() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject"}

    assert codes(document(statement)) == ["MISSING_RESOURCE"]


def test_trust_policy_without_resource_is_valid() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "sts:AssumeRole",
    }

    assert codes(document(statement), PolicyKind.TRUST) == []


def test_resource_policy_requires_principal() -> None:
    assert codes(document(ALLOW_S3), PolicyKind.RESOURCE) == ["MISSING_PRINCIPAL"]


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (PolicyKind.IDENTITY, "UNSUPPORTED_PRINCIPAL"),
        (PolicyKind.PERMISSIONS_BOUNDARY, "UNSUPPORTED_PRINCIPAL"),
        (PolicyKind.SESSION, "UNSUPPORTED_PRINCIPAL"),
        (PolicyKind.SCP, "SCP_SYNTAX_ERROR_PRINCIPAL"),
    ],
)
def test_principal_forbidden_in_kind(kind: PolicyKind, code: str) -> None:
    statement = {**ALLOW_S3, "Principal": "*"}

    assert codes(document(statement), kind) == [code]


def test_duplicate_sids_are_error() -> None:
    first = {**ALLOW_S3, "Sid": "Same"}
    second = {**ALLOW_S3, "Sid": "Same"}

    assert codes(document(first, second)) == ["UNIQUE_SIDS_REQUIRED"]


def test_unknown_condition_operator_is_error() -> None:
    statement = {**ALLOW_S3, "Condition": {"StringEqualz": {"aws:username": "a"}}}

    assert codes(document(statement)) == ["INVALID_CONDITION_OPERATOR"]


def test_null_if_exists_is_error() -> None:
    statement = {**ALLOW_S3, "Condition": {"NullIfExists": {"aws:username": "true"}}}

    assert codes(document(statement)) == ["NULL_WITH_IF_EXISTS"]


def test_condition_value_of_wrong_type_is_error() -> None:
    statement = {**ALLOW_S3, "Condition": {"IpAddress": {"aws:SourceIp": "not-an-ip"}}}

    assert codes(document(statement)) == ["DATA_TYPE_MISMATCH"]


def test_duplicate_condition_keys_with_different_case_is_error() -> None:
    condition = {"StringEquals": {"aws:username": "a", "AWS:UserName": "b"}}

    assert codes(document({**ALLOW_S3, "Condition": condition})) == [
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE"
    ]


def test_unclosed_variable_is_error() -> None:
    statement = {**ALLOW_S3, "Resource": "arn:aws:s3:::bucket/${aws:username"}

    assert codes(document(statement)) == ["MISSING_BRACE_IN_VARIABLE"]


def test_variable_under_2008_version_is_warning() -> None:
    statement = {**ALLOW_S3, "Resource": "arn:aws:s3:::bucket/${aws:username}"}
    findings = validate(document(statement, version="2008-10-17"), PolicyKind.IDENTITY)

    assert [f.issue_code for f in findings] == ["VARIABLE_UNSUPPORTED_IN_VERSION"]


def test_resource_without_arn_prefix_is_error() -> None:
    assert codes(document({**ALLOW_S3, "Resource": "bucket/key"})) == ["INVALID_ARN_PREFIX"]


def test_malformed_action_is_error() -> None:
    assert codes(document({**ALLOW_S3, "Action": "s3GetObject"})) == ["INVALID_ACTION"]


def test_legacy_scp_is_valid() -> None:
    statement = {"Effect": "Deny", "Action": ["dynamodb:*"], "Resource": "*"}

    assert codes(document(statement), PolicyKind.SCP) == []


def test_full_language_scp_is_valid() -> None:
    statement = {
        "Effect": "Allow",
        "NotAction": ["iam:*"],
        "Resource": "arn:aws:ec2:*:*:instance/*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }

    assert validate(document(statement), PolicyKind.SCP) == []


def test_rcp_full_access_is_valid() -> None:
    assert codes(document(RCP_FULL), PolicyKind.RCP) == []


def test_rcp_custom_allow_is_error() -> None:
    statement = {**RCP_FULL, "Action": "s3:*"}

    assert codes(document(statement), PolicyKind.RCP) == ["RCP_ALLOW_NOT_SUPPORTED"]


def test_rcp_principal_must_be_star() -> None:
    statement = {**RCP_FULL, "Effect": "Deny", "Principal": {"AWS": "111122223333"}}

    assert codes(document(statement), PolicyKind.RCP) == ["RCP_PRINCIPAL_MUST_BE_WILDCARD"]


def test_rcp_not_principal_is_error() -> None:
    statement = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": "111122223333"},
        "Action": "s3:*",
        "Resource": "*",
    }

    assert codes(document(statement), PolicyKind.RCP) == ["RCP_NOT_PRINCIPAL_NOT_SUPPORTED"]


def test_rcp_unsupported_service_is_error() -> None:
    statement = {"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"}

    assert codes(document(statement), PolicyKind.RCP) == ["RCP_UNSUPPORTED_SERVICE"]


@pytest.mark.parametrize(
    "service",
    ["s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "cognito-idp", "logs", "dynamodb"],
)
def test_rcp_supported_service_is_valid(service: str) -> None:
    statement = {"Effect": "Deny", "Principal": "*", "Action": f"{service}:*", "Resource": "*"}

    assert codes(document(statement), PolicyKind.RCP) == []


def test_allow_with_not_principal_is_security_warning() -> None:
    statement = {**ALLOW_S3, "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}
    findings = validate(document(statement), PolicyKind.RESOURCE)

    assert [(f.finding_type, f.issue_code) for f in findings] == [
        (FindingType.SECURITY_WARNING, "ALLOW_WITH_NOT_PRINCIPAL")
    ]


def test_parse_raises_on_error_finding() -> None:
    statement = {"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}

    with pytest.raises(PolicySyntaxError) as raised:
        parse(document(statement), PolicyKind.IDENTITY)

    assert [f.issue_code for f in raised.value.errors] == ["INVALID_EFFECT"]
    assert "INVALID_EFFECT at statement 0, Effect" in str(raised.value)


def test_finding_renders_access_analyzer_shape() -> None:
    finding = validate(document({**ALLOW_S3, "Effect": "allow"}), PolicyKind.IDENTITY)[0]

    assert finding.to_dict()["findingType"] == "ERROR"
    assert finding.to_dict()["locations"] == [
        {"path": [{"value": "Statement"}, {"index": 0}, {"value": "Effect"}]}
    ]
