"""Statement positions in policy text, and the principal ARNs a simulation accepts."""

from __future__ import annotations

import pytest

from orgstack.simulation.positions import Position, Span, statement_spans
from orgstack.simulation.principals import (
    PrincipalArnError,
    PrincipalKind,
    SimulatedPrincipal,
    parse_principal,
)


def test_positions_compact_document() -> None:
    document = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},'
        '{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}'
    )

    spans = statement_spans(document)

    first_end = document.index("},") + 2
    second_start = document.index('{"Effect":"Deny"') + 1
    assert spans == [
        Span(Position(1, 38), Position(1, first_end)),
        Span(Position(1, second_start), Position(1, len(document) - 1)),
    ]


def test_positions_across_lines() -> None:
    document = "\n".join(
        [
            "{",
            '  "Statement": [',
            "    {",
            '      "Effect": "Allow",',
            '      "Action": "*",',
            '      "Resource": "*"',
            "    }",
            "  ],",
            '  "Version": "2012-10-17"',
            "}",
        ]
    )

    assert statement_spans(document) == [Span(Position(3, 5), Position(7, 6))]


def test_positions_single_statement_object() -> None:
    document = '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'

    assert statement_spans(document) == [Span(Position(1, 15), Position(1, 66))]


def test_positions_skip_nested_brackets_and_strings() -> None:
    document = (
        '{"Id": "a}[b", "Statement": [{"Sid": "x]{", "Effect": "Allow", "Action": ["a:b", "c:d"],'
        ' "Resource": "*", "Condition": {"StringEquals": {"k": ["v"]}}}]}'
    )

    assert statement_spans(document) == [Span(Position(1, 30), Position(1, len(document) - 1))]


def test_positions_windows_line_endings() -> None:
    document = '{\r\n"Statement": [\r\n  {"Effect": "Allow", "Action": "*", "Resource": "*"}\r\n]}'

    assert statement_spans(document) == [Span(Position(3, 3), Position(3, 54))]


@pytest.mark.parametrize("document", ["", "[]", '{"Version": "2012-10-17"', "not json"])
def test_positions_unreadable_text(document: str) -> None:
    assert statement_spans(document) == []


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (
            "arn:aws:iam::111122223333:root",
            SimulatedPrincipal(
                "arn:aws:iam::111122223333:root", PrincipalKind.ROOT, "111122223333"
            ),
        ),
        (
            "arn:aws:iam::111122223333:role/ops/team/Deployer",
            SimulatedPrincipal(
                "arn:aws:iam::111122223333:role/ops/team/Deployer",
                PrincipalKind.ROLE,
                "111122223333",
                "Deployer",
                path="/ops/team/",
            ),
        ),
        (
            "arn:aws:sts::111122223333:assumed-role/Deployer/ci-run-7",
            SimulatedPrincipal(
                "arn:aws:sts::111122223333:assumed-role/Deployer/ci-run-7",
                PrincipalKind.SESSION,
                "111122223333",
                "Deployer",
                session_name="ci-run-7",
            ),
        ),
    ],
)
def test_principal_forms(arn: str, expected: SimulatedPrincipal) -> None:
    assert parse_principal(arn) == expected


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::11112222333:root",
        "arn:aws:sts::111122223333:assumed-role/Deployer",
        "arn:aws:iam::111122223333:role/",
        "111122223333",
    ],
)
def test_principal_rejected_forms(arn: str) -> None:
    with pytest.raises(PrincipalArnError) as raised:
        parse_principal(arn)

    assert str(raised.value).startswith(f"the principal ARN `{arn}` is not valid: use ")
