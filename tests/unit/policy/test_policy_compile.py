"""The compile cache and the service-prefix index."""

from __future__ import annotations

import json

import pytest

from orgstack.policy import PolicyKind, PolicySyntaxError, cache_info, compile_policy

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "S3", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Sid": "Any", "Effect": "Deny", "Action": "*:Delete*", "Resource": "*"},
        {"Sid": "NotIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Sid": "Ec2", "Effect": "Allow", "Action": ["ec2:Run*", "EC2:Stop*"], "Resource": "*"},
    ],
}


def test_same_content_compiles_once() -> None:
    first = compile_policy(DOCUMENT, PolicyKind.IDENTITY)
    hits_before = cache_info()["hits"]

    second = compile_policy(json.loads(json.dumps(DOCUMENT)), PolicyKind.IDENTITY)

    assert second is first
    assert cache_info()["hits"] == hits_before + 1


def test_kind_is_part_of_cache_key() -> None:
    identity = compile_policy(DOCUMENT, PolicyKind.IDENTITY)
    boundary = compile_policy(DOCUMENT, PolicyKind.PERMISSIONS_BOUNDARY)

    assert identity is not boundary
    assert boundary.kind is PolicyKind.PERMISSIONS_BOUNDARY


def test_text_and_mapping_compile_alike() -> None:
    compiled = compile_policy(json.dumps(DOCUMENT), PolicyKind.IDENTITY)

    assert [s.sid for s in compiled.statements] == ["S3", "Any", "NotIam", "Ec2"]


def test_candidates_follow_service_prefix() -> None:
    compiled = compile_policy(DOCUMENT, PolicyKind.IDENTITY)

    assert [s.sid for s in compiled.candidates("s3")] == ["S3", "Any", "NotIam"]
    assert [s.sid for s in compiled.candidates("ec2")] == ["Any", "NotIam", "Ec2"]
    assert [s.sid for s in compiled.candidates("kms")] == ["Any", "NotIam"]


def test_structural_error_raises_syntax_error() -> None:
    with pytest.raises(PolicySyntaxError) as raised:
        compile_policy('{"Version": "2012-10-17"}', PolicyKind.IDENTITY)

    assert [f.issue_code for f in raised.value.errors] == ["MISSING_STATEMENT"]


def test_unknown_operator_compiles_with_error() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEqualsAny": {"aws:username": "a"}},
        },
    }

    statement = compile_policy(document, PolicyKind.IDENTITY).statements[0]

    assert len(statement.errors) == 1
    assert "`StringEqualsAny`" in statement.errors[0]
