"""Portal passwords: the acceptance rule, argon2id hashing and one-time passwords.

The rule follows NIST SP 800-63B and OWASP ASVS 5.0: at least 8 and at most 64 characters, no
composition rules, and not on a list of common passwords.
"""

from __future__ import annotations

import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 64
# Long enough to resist guessing during the short time before the user replaces it.
ONE_TIME_PASSWORD_BYTES = 12

# argon2-cffi's defaults are RFC 9106's second recommended option (argon2id, 64 MiB, t=3, p=4).
_hasher = PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    text = resources.files("orgstack").joinpath("data/common_passwords.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def problems_with(password: str, user_name: str) -> list[str]:
    """Return why `password` cannot be accepted as a new password; empty when it can."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"The password must have at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append("This password is too common. Choose another one.")
    elif user_name and lowered == user_name.lower():
        problems.append("The password must differ from the username.")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _stand_in_hash() -> str:
    """Return the hash of a random password, checked when a user or its hash is missing."""
    return _hasher.hash(secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES))


def verify(password_hash: str | None, password: str) -> bool:
    """Tell whether `password` matches the argon2id hash; False when there is no hash."""
    if not password_hash:
        # Spend the time of a real check, so that timing does not reveal missing users.
        _check(_stand_in_hash(), password)
        return False
    return _check(password_hash, password)


def _check(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_one_time_password() -> str:
    return secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)
