"""Temporary credentials: an `ASIA…` access key, its secret and session token, stored encrypted
with the session they stand for and the time they expire (on the server's business clock)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert

from orgstack import ids
from orgstack.auth.credentials import ACTIVE
from orgstack.auth.principals import SessionDetails
from orgstack.secrets_at_rest import SecretBox
from orgstack.store.schema import access_keys

# AWS session tokens are opaque strings of several hundred characters; 256 random bytes in
# URL-safe base64 give 342 characters.
SESSION_TOKEN_BYTES = 256


@dataclass(frozen=True)
class IssuedCredentials:
    """The `Credentials` member that GetSessionToken and AssumeRole return."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime

    def as_result(self) -> dict[str, object]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration,
        }


@dataclass(frozen=True)
class SessionOwner:
    """The principal that temporary credentials sign as."""

    account_id: str
    principal_type: str
    principal_arn: str
    principal_id: str


def issue(
    connection: Connection,
    box: SecretBox,
    owner: SessionOwner,
    session: SessionDetails | None,
    now: dt.datetime,
    duration_seconds: int,
    minimum_token_size: int | None = None,
) -> IssuedCredentials:
    """Store new temporary credentials for `owner` and return them.

    `minimum_token_size` is the request's `MinimumSessionTokenSize`: the token is at least that
    many characters long.
    """
    credentials = IssuedCredentials(
        access_key_id=ids.access_key_id(temporary=True),
        secret_access_key=ids.secret_access_key(),
        session_token=_session_token(minimum_token_size or 0),
        expiration=(now + dt.timedelta(seconds=duration_seconds)).replace(microsecond=0),
    )
    connection.execute(
        insert(access_keys).values(
            access_key_id=credentials.access_key_id,
            account_id=owner.account_id,
            principal_type=owner.principal_type,
            principal_arn=owner.principal_arn,
            principal_id=owner.principal_id,
            secret_encrypted=box.encrypt(credentials.secret_access_key),
            session_token_encrypted=box.encrypt(credentials.session_token),
            session_json=_session_json(session),
            expires_at=credentials.expiration,
            status=ACTIVE,
            created_at=now,
        )
    )
    return credentials


def _session_token(minimum_size: int) -> str:
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    while len(token) < minimum_size:
        token += secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    return token


def _session_json(session: SessionDetails | None) -> str | None:
    if session is None:
        return None
    return json.dumps(dataclasses.asdict(session), sort_keys=True)
