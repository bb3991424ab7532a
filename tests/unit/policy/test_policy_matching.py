"""Wildcard matching of actions and resources: one test per metacharacter, then ARN fields."""

from __future__ import annotations

import pytest

from orgstack.policy import PolicyKind, compile_policy
from orgstack.policy.conditions import Context
from orgstack.policy.matching import build_action_matcher

NO_CONTEXT: Context = {}


def resource_matches(pattern: str, resource: str, context: Context = NO_CONTEXT) -> bool:
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern},
    }
    statement = compile_policy(document, PolicyKind.IDENTITY).statements[0]
    return statement.matches_resource(resource, context)


def action_matches(pattern: str, action: str) -> bool:
    return build_action_matcher([pattern]).matches(action.lower())


def test_star_matches_any_run_of_characters() -> None:
    assert action_matches("iam:*AccessKey*", "iam:CreateAccessKey")
    assert action_matches("iam:*AccessKey*", "iam:ListAccessKeys")
    assert not action_matches("iam:*AccessKey*", "iam:ListUsers")


def test_question_mark_matches_exactly_one_character() -> None:
    assert action_matches("ec2:Run?nstances", "ec2:RunInstances")
    assert not action_matches("ec2:Run?nstances", "ec2:RunIInstances")
    assert not action_matches("ec2:Run?Instances", "ec2:RunInstances")


def test_dot_in_pattern_is_literal() -> None:
    assert resource_matches("arn:aws:s3:::my.bucket/*", "arn:aws:s3:::my.bucket/a")
    assert not resource_matches("arn:aws:s3:::my.bucket/*", "arn:aws:s3:::myxbucket/a")


@pytest.mark.parametrize("character", list("+()[]{}^$|\\"))
def test_regex_metacharacter_in_pattern_is_literal(character: str) -> None:
    pattern = f"arn:aws:s3:::bucket/a{character}b"

    assert resource_matches(pattern, f"arn:aws:s3:::bucket/a{character}b")
    assert not resource_matches(pattern, "arn:aws:s3:::bucket/ab")
    assert not resource_matches(pattern, "arn:aws:s3:::bucket/axb")


def test_newline_in_resource_is_matched_by_star() -> None:
    assert resource_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a\nb")


def test_action_matching_ignores_case() -> None:
    assert action_matches("S3:getobject", "s3:GetObject")
    assert action_matches("s3:Get*", "S3:GETOBJECT")


def test_action_star_alone_matches_every_action() -> None:
    assert action_matches("*", "kms:Decrypt")


def test_action_service_prefix_must_match_whole() -> None:
    assert not action_matches("s3:*", "s3control:GetJobTagging")
    assert not action_matches("s3:GetObject", "s3:GetObjectAcl")


def test_resource_part_is_case_sensitive() -> None:
    assert not resource_matches(
        "arn:aws:s3:::bucket/Reports/*", "arn:aws:s3:::bucket/reports/q1.csv"
    )


def test_resource_star_crosses_slashes_and_colons() -> None:
    pattern = "arn:aws:logs:us-east-1:111122223333:log-group:*"
    resource = "arn:aws:logs:us-east-1:111122223333:log-group:app/web:log-stream:x"

    assert resource_matches(pattern, resource)


def test_question_marks_match_secret_suffix() -> None:
    pattern = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:db-creds-??????"

    assert resource_matches(pattern, pattern.replace("??????", "0ac6da"))
    assert not resource_matches(pattern, pattern.replace("??????", "0ac6d"))


def test_star_inside_field_does_not_cross_colon() -> None:
    pattern = "arn:aws:ec2:us-*-1:111122223333:instance/*"

    assert resource_matches(pattern, "arn:aws:ec2:us-east-1:111122223333:instance/i-1")
    assert not resource_matches(pattern, "arn:aws:ec2:us-east:x-1:111122223333:instance/i-1")


def test_question_mark_in_region_does_not_match_colon() -> None:
    assert not resource_matches("arn:aws:s3:?::bucket", "arn:aws:s3:::bucket")


def test_star_ending_field_may_cross_colons() -> None:
    assert resource_matches("arn:aws:s3:*", "arn:aws:s3:::bucket/key")


def test_resource_star_matches_non_arn_resource() -> None:
    assert resource_matches("*", "*")
    assert not resource_matches("arn:aws:s3:::*", "*")


def test_policy_variable_value_is_literal_text() -> None:
    context = {"aws:username": ("a*",)}

    assert resource_matches(
        "arn:aws:s3:::bucket/${aws:username}", "arn:aws:s3:::bucket/a*", context
    )
    assert not resource_matches(
        "arn:aws:s3:::bucket/${aws:username}", "arn:aws:s3:::bucket/abc", context
    )


@pytest.mark.parametrize(("escape", "literal"), [("${*}", "*"), ("${?}", "?"), ("${$}", "$")])
def test_escape_is_literal_character(escape: str, literal: str) -> None:
    pattern = f"arn:aws:s3:::bucket/{escape}data"

    assert resource_matches(pattern, f"arn:aws:s3:::bucket/{literal}data")
    assert not resource_matches(pattern, "arn:aws:s3:::bucket/Xdata")


def test_unset_variable_matches_nothing() -> None:
    assert not resource_matches("arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::bucket//x")


def test_variable_default_used_only_when_key_absent() -> None:
    pattern = "arn:aws:s3:::b-${aws:PrincipalTag/team, 'company-wide'}"

    assert resource_matches(pattern, "arn:aws:s3:::b-company-wide")
    assert not resource_matches(
        pattern, "arn:aws:s3:::b-company-wide", {"aws:principaltag/team": ("red",)}
    )
    assert resource_matches(pattern, "arn:aws:s3:::b-red", {"aws:principaltag/team": ("red",)})


def test_variables_are_literal_under_2008_version() -> None:
    document = {
        "Version": "2008-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/${aws:username}",
        },
    }
    statement = compile_policy(document, PolicyKind.IDENTITY).statements[0]
    context = {"aws:username": ("alice",)}

    assert statement.matches_resource("arn:aws:s3:::bucket/${aws:username}", context)
    assert not statement.matches_resource("arn:aws:s3:::bucket/alice", context)


def test_not_resource_applies_to_other_resources() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::keep/*"},
    }
    statement = compile_policy(document, PolicyKind.IDENTITY).statements[0]

    assert statement.matches_resource("arn:aws:s3:::other/x", NO_CONTEXT)
    assert not statement.matches_resource("arn:aws:s3:::keep/x", NO_CONTEXT)
