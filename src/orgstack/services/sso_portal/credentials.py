"""GetRoleCredentials and Logout (AWS SSO Portal API).

GetRoleCredentials issues session credentials of the role that provisioning created for the
permission set in the account (`AWSReservedSSO_<name>_<hex>`), named after the user, for the
permission set's session duration, with the instance's attributes for access control as session
tags. The credentials are the same kind that AssumeRole issues, so every other part of orgstack
treats them as a role session.
"""

from __future__ import annotations

import logging

from orgstack import ids
from orgstack.audit.events import format_time
from orgstack.auth.principals import ASSUMED_ROLE, SessionDetails
from orgstack.authorize import store
from orgstack.services.registry import BEARER, Params, RequestContext, Result, operation
from orgstack.services.sso_admin import permission_set_rules, permission_set_store
from orgstack.services.sso_oidc import tokens
from orgstack.services.sso_portal import abac, bearer, directory
from orgstack.services.sso_portal.errors import ForbiddenException
from orgstack.services.sts import sessions

log = logging.getLogger("orgstack.sso_portal")

DEFAULT_SESSION_SECONDS = 3600


@operation("sso", "GetRoleCredentials", read_only=False, auth=BEARER)
def get_role_credentials(context: RequestContext, params: Params) -> Result:
    """Return credentials of the user's role in the account, or raise ForbiddenException."""
    now = context.now()
    session = bearer.authenticate(context.db, params.get("accessToken"), now)
    account_id = str(params["accountId"])
    role_name = str(params["roleName"])

    matches = [
        item
        for item in directory.permission_sets_in(context.db, session, account_id)
        if item.name == role_name
    ]
    if not matches or not directory.is_active(context.db, account_id):
        raise ForbiddenException()
    permission_set = matches[0]
    provisioned = permission_set_store.provisioning(context.db, permission_set.arn, account_id)
    role = store.load_role(context.db, account_id, provisioned.role_name) if provisioned else None
    if role is None:
        # NOTE: AWS's response to an assignment whose role is not provisioned yet is not
        # documented; it is refused like an unassigned role.
        raise ForbiddenException()

    session_name = session.user_name
    details = SessionDetails(
        role_arn=role.arn,
        role_name=role.name,
        role_id=role.role_id,
        session_name=session_name,
        session_tags=abac.session_tags(context.db, session.instance.instance_arn, session.user),
        issued_at=format_time(now),
    )
    owner = sessions.SessionOwner(
        account_id=account_id,
        principal_type=ASSUMED_ROLE,
        principal_arn=ids.assumed_role_arn(account_id, role.name, session_name),
        principal_id=f"{role.role_id}:{session_name}",
    )
    seconds = permission_set_rules.session_seconds(permission_set.session_duration)
    duration = int(seconds) if seconds else DEFAULT_SESSION_SECONDS
    issued = sessions.issue(context.db, context.box, owner, details, now, duration)

    context.audit.resources.append(("AWS::IAM::Role", role.arn))
    context.audit.recipient_account_id = session.instance.owner_account_id
    log.info(
        "portal role credentials issued role_arn=%s user_id=%s access_key_id=%s",
        role.arn,
        session.user.user_id,
        issued.access_key_id,
    )
    return {
        "roleCredentials": {
            "accessKeyId": issued.access_key_id,
            "secretAccessKey": issued.secret_access_key,
            "sessionToken": issued.session_token,
            "expiration": int(issued.expiration.timestamp() * 1000),
        }
    }


@operation("sso", "Logout", read_only=False, auth=BEARER)
def logout(context: RequestContext, params: Params) -> Result:
    """End the sign-in session of the token: it and the tokens issued with it stop working.

    Role credentials already issued run until they expire, as in AWS.
    """
    session = bearer.authenticate(context.db, params.get("accessToken"), context.now())
    tokens.revoke_session(context.db, session.grant)
    return {}
