"""Reading `PolicyExclusionList` entries and matching role policies against them."""

from __future__ import annotations

from typing import Any

import pytest

from orgstack.services.iam.errors import InvalidInputException
from orgstack.services.iam.simulate_exclusions import read_exclusions, wildcard_pattern

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
CUSTOMER = "arn:aws:iam::111122223333:policy/team/Deploy.v2"


def test_exclusion_entry_needs_one_member() -> None:
    entry = {"PolicyType": "inline", "PolicyArn": READ_ONLY}

    with pytest.raises(InvalidInputException) as raised:
        read_exclusions({"PolicyExclusionList": [entry]})

    assert raised.value.message == (
        "A PolicyExclusionList entry is not valid: give exactly one of PolicyType, PolicyArn or "
        "InlinePolicyIdentifier."
    )


@pytest.mark.parametrize(
    ("entries", "reference", "excluded"),
    [
        ([{"PolicyType": "inline"}], "AppAccess", True),
        ([{"PolicyType": "inline"}], READ_ONLY, False),
        ([{"PolicyType": "aws-managed"}], READ_ONLY, True),
        ([{"PolicyType": "aws-managed"}], CUSTOMER, False),
        ([{"PolicyType": "user-managed"}], CUSTOMER, True),
        ([{"PolicyArn": "arn:aws:iam::aws:policy/Read*"}], READ_ONLY, True),
        ([{"PolicyArn": "arn:aws:iam::aws:policy/Read?nlyAccess"}], READ_ONLY, True),
        ([{"PolicyArn": "arn:aws:iam::111122223333:policy/team/Deploy?v2"}], CUSTOMER, True),
        # `.` in the ARN is literal, so it does not match another character.
        ([{"PolicyArn": "arn:aws:iam::111122223333:policy/team/Deploy.v2"}],
         "arn:aws:iam::111122223333:policy/team/DeployXv2", False),
        (
            [{"InlinePolicyIdentifier": {"PolicyName": "AppAccess", "AttachmentType": "role",
                                         "AttachmentName": "App"}}],
            "AppAccess",
            True,
        ),
        (
            [{"InlinePolicyIdentifier": {"PolicyName": "AppAccess", "AttachmentType": "user",
                                         "AttachmentName": "App"}}],
            "AppAccess",
            False,
        ),
        ([{"PolicyType": "rcp"}], "AppAccess", False),
    ],
)  # fmt: skip
def test_exclusion_matches(entries: list[dict[str, Any]], reference: str, excluded: bool) -> None:
    exclusions = read_exclusions({"PolicyExclusionList": entries})

    assert exclusions.excludes_role_policy(reference, "App") is excluded


def test_exclusion_types_for_boundary_and_scps() -> None:
    exclusions = read_exclusions(
        {"PolicyExclusionList": [{"PolicyType": "permission-boundary"}, {"PolicyType": "scp"}]}
    )

    assert exclusions.boundary is True
    assert exclusions.scps is True


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a*c", "abbbc", True),
        ("a*c", "ac", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a.c", "abc", False),
        ("a[b]c", "a[b]c", True),
        ("a+c", "aac", False),
    ],
)
def test_wildcard_pattern(pattern: str, text: str, matches: bool) -> None:
    assert (wildcard_pattern(pattern).fullmatch(text) is not None) is matches
