"""AWS STS operations: importing this module registers every one.

AssumeRole lives in `assume_role.py`; the identity, session-token, key and message operations are
here.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from orgstack.auth.principals import Principal
from orgstack.authorize import messages
from orgstack.authorize.errors import AccessDeniedException
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sts import assume_role, sessions  # noqa: F401  (assume_role registers)
from orgstack.services.sts.errors import InvalidAuthorizationMessageException, InvalidParameterValue
from orgstack.store.schema import access_keys

log = logging.getLogger("orgstack.sts")

TEMPORARY_KEY_PREFIX = "ASIA"
# GetSessionToken durations (STS API Reference, GetSessionToken `DurationSeconds`): 12 hours by
# default, and at most one hour for the account root user.
DEFAULT_SESSION_TOKEN_SECONDS = 43200
ROOT_MAX_SESSION_TOKEN_SECONDS = 3600


@operation("sts", "GetCallerIdentity", read_only=True)
def get_caller_identity(context: RequestContext, params: Params) -> Result:
    caller = context.require_caller()
    return {"UserId": caller.principal_id, "Account": caller.account_id, "Arn": caller.arn}


@operation(
    "sts",
    "GetSessionToken",
    read_only=False,
    not_honoured=("SerialNumber", "TokenCode"),
    notes="No MFA devices exist yet, so the credentials are never MFA-authenticated.",
)
def get_session_token(context: RequestContext, params: Params) -> Result:
    caller = context.require_caller()
    if _is_temporary(caller):
        raise AccessDeniedException("Cannot call GetSessionToken with session credentials")

    duration = int(params.get("DurationSeconds") or DEFAULT_SESSION_TOKEN_SECONDS)
    if caller.is_root:
        # AWS shortens a root user's request to the root limit instead of rejecting it.
        duration = min(duration, ROOT_MAX_SESSION_TOKEN_SECONDS)
    owner = sessions.SessionOwner(
        account_id=caller.account_id,
        principal_type=caller.type,
        principal_arn=caller.arn,
        principal_id=caller.principal_id,
    )
    credentials = sessions.issue(
        context.db,
        context.box,
        owner,
        None,
        context.now(),
        duration,
        params.get("MinimumSessionTokenSize"),
    )
    log.info(
        "session token issued principal=%s access_key_id=%s", caller.arn, credentials.access_key_id
    )
    return {"Credentials": credentials.as_result()}


def _is_temporary(caller: Principal) -> bool:
    return bool(caller.access_key_id and caller.access_key_id.startswith(TEMPORARY_KEY_PREFIX))


@operation("sts", "GetAccessKeyInfo", read_only=True)
def get_access_key_info(context: RequestContext, params: Params) -> Result:
    key_id = str(params["AccessKeyId"])
    account = context.db.execute(
        select(access_keys.c.account_id).where(access_keys.c.access_key_id == key_id)
    ).scalar()
    if account is None:
        # NOTE: AWS reads the account out of any well-formed key id, issued or not. orgstack's key
        # ids do not encode their account, so it returns the account only for keys it has stored.
        raise InvalidParameterValue(
            f"The access key ID {key_id} is not a key that this server issued."
        )
    return {"Account": str(account)}


@operation("sts", "DecodeAuthorizationMessage", read_only=True)
def decode_authorization_message(context: RequestContext, params: Params) -> Result:
    caller = context.require_caller()
    try:
        document = messages.decode(context.box, str(params["EncodedMessage"]))
    except messages.InvalidMessage:
        raise InvalidAuthorizationMessageException() from None

    # The AWS documentation names no rule beyond the permission for who may read a message.
    # orgstack lets only the denied principal's account read it, because it names that account's
    # policies.
    if document.pop("principalAccount", None) != caller.account_id:
        raise InvalidAuthorizationMessageException()
    return {"DecodedMessage": json.dumps(document)}
