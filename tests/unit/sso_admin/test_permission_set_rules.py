"""Session durations and inline policies as permission sets accept them."""

from __future__ import annotations

import json

import pytest

from orgstack.protocol.errors import ValidationException
from orgstack.services.sso_admin import permission_set_rules
from orgstack.services.sso_admin.errors import ServiceQuotaExceededException


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        ("PT1H", 3600),
        ("PT12H", 43200),
        ("PT90M", 5400),
        ("PT3600S", 3600),
        ("PT1H30M15S", 5415),
        ("PT0.5S", 0.5),
        ("P1D", 86400),
        ("P1W", 604800),
        ("P1DT1H", 90000),
    ],
)
def test_session_seconds_of_fixed_durations(duration: str, seconds: float) -> None:
    assert permission_set_rules.session_seconds(duration) == seconds


@pytest.mark.parametrize("duration", ["P1Y", "P1M", "-PT1H", "PT", "1H", "PT1H "])
def test_session_seconds_without_fixed_length(duration: str) -> None:
    assert permission_set_rules.session_seconds(duration) is None


@pytest.mark.parametrize("duration", ["PT59M59S", "PT12H0.1S", "P1D", "P1M"])
def test_session_duration_outside_range_rejected(duration: str) -> None:
    with pytest.raises(ValidationException) as raised:
        permission_set_rules.check_session_duration(duration)

    assert raised.value.message == "The session duration must be between 1 hour and 12 hours."


@pytest.mark.parametrize("duration", ["PT60M", "PT43200S", "PT11H59M"])
def test_session_duration_inside_range_kept(duration: str) -> None:
    assert permission_set_rules.check_session_duration(duration) == duration


def test_inline_policy_counts_characters_without_whitespace() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    compact = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    padded = compact.replace(",", "," + " " * 20000)

    assert permission_set_rules.check_inline_policy(padded) == padded


def test_inline_policy_over_quota_rejected() -> None:
    actions = [f"s3:Get{index:05d}" for index in range(1000)]
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    with pytest.raises(ServiceQuotaExceededException):
        permission_set_rules.check_inline_policy(document)


def test_managed_policy_quota_allows_twenty() -> None:
    permission_set_rules.check_managed_policy_count(19)

    with pytest.raises(ServiceQuotaExceededException):
        permission_set_rules.check_managed_policy_count(20)
