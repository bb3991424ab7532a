"""Pure parts of portal sign-in: password rules, TOTP steps, durations and redirect targets."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from orgstack.cli.commands import CommandError
from orgstack.cli.signin_commands import parse_duration
from orgstack.services.signin import passwords, totp
from orgstack.web.http import safe_next

MOMENT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short", ["The password must have at least 8 characters."]),
        ("x" * 65, ["The password must have at most 64 characters."]),
        ("Password123", ["This password is too common. Choose another one."]),
        ("alice.smith", ["The password must differ from the username."]),
        ("x" * 64, []),
        ("eight ch", []),
    ],
)
def test_password_rules(password: str, problems: list[str]) -> None:
    assert passwords.problems_with(password, "Alice.Smith") == problems


def test_password_hash_is_argon2id() -> None:
    hashed = passwords.hash_password("a long passphrase")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "a long passphrase")
    assert not passwords.verify(hashed, "another passphrase")
    assert not passwords.verify(None, "a long passphrase")


def test_totp_accepts_one_step_of_drift() -> None:
    secret = totp.new_secret()
    generator = pyotp.TOTP(secret)
    current = generator.timecode(MOMENT)
    for offset in (-1, 0, 1):
        code = generator.generate_otp(current + offset)
        assert totp.matching_step(secret, code, MOMENT) == current + offset
    assert totp.matching_step(secret, generator.generate_otp(current + 2), MOMENT) is None
    assert totp.matching_step(secret, generator.generate_otp(current - 2), MOMENT) is None


def test_totp_rejects_malformed_codes() -> None:
    secret = totp.new_secret()
    for code in ("", "12345", "1234567", "abcdef"):
        assert totp.matching_step(secret, code, MOMENT) is None


def test_qr_code_is_inline_svg() -> None:
    uri = totp.provisioning_uri(totp.new_secret(), "alice")
    assert uri.startswith("otpauth://totp/AWS%20IAM%20Identity%20Center:alice?secret=")
    assert totp.qr_code_data_uri(uri).startswith("data:image/svg+xml;base64,")


@pytest.mark.parametrize(("text", "seconds"), [("8h", 28800), ("1h30m", 5400), ("90d", 7776000)])
def test_duration_parsing(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "8", "h8", "8x", "1h 30m"])
def test_duration_parsing_rejects(text: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_duration(text)
    assert str(raised.value) == (
        f"duration `{text}` is invalid: write it like 8h, 90m, 1h30m or 30d."
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/start/device?user_code=BCDF-GHJK", "/start/device?user_code=BCDF-GHJK"),
        ("/authorize?client_id=x", "/authorize?client_id=x"),
        ("https://evil.example/start", "/start"),
        ("//evil.example/start", "/start"),
        ("/\\evil.example", "/start"),
        ("/_orgstack/clock", "/start"),
        ("javascript:alert(1)", "/start"),
    ],
)
def test_next_targets_stay_on_portal(target: str, expected: str) -> None:
    assert safe_next(target) == expected
