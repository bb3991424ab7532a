"""Encryption of secrets at rest (secret access keys, later TOTP seeds and signing keys).

The master key is a Fernet key (AES-128-CBC with HMAC-SHA256) taken from `ORGSTACK_MASTER_KEY` or,
when unset, from `master.key` in the data directory, created with mode 0600 on first start.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

MASTER_KEY_FILE = "master.key"


class MasterKeyError(Exception):
    """The master key is missing, malformed, or does not decrypt the stored secrets."""


class SecretBox:
    """Encrypts and decrypts short secrets with the master key."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise MasterKeyError(
                "The master key is not a valid Fernet key: give 32 url-safe base64-encoded bytes."
            ) from error

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def derive_key(self, purpose: str) -> bytes:
        """Return a key for `purpose` (such as signing page tokens), derived from the master key.

        Every replica that shares the master key derives the same key.
        """
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise MasterKeyError(
                "A stored secret does not decrypt with this master key: start with the key that "
                "encrypted the store (ORGSTACK_MASTER_KEY or master.key in the data directory)."
            ) from error


def load_master_key(data_dir: Path, configured: str | None) -> bytes:
    """Return the configured master key, else the data directory's, creating it when absent."""
    if configured:
        return configured.encode()
    path = data_dir / MASTER_KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    return key
