"""The global condition keys that AWS puts in every request context.

The keys and their values follow the IAM User Guide page "AWS global condition context keys":
principal keys describe the caller (for a role session, `aws:PrincipalArn` is the role's ARN and
`aws:userid` is `<role id>:<session name>`), network and time keys describe the request, and
resource keys describe the resource's account and tags. `aws:CalledVia` and its companions are
never set, because no orgstack service calls another on a principal's behalf.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from orgstack.auth.principals import ASSUMED_ROLE, IAM_USER, ROOT, Principal
from orgstack.authorize.store import AccountFacts, RoleFacts
from orgstack.policy.request import ContextValue
from orgstack.services.registry import RequestContext

# `aws:PrincipalType` by the principal types that CloudTrail's `userIdentity` uses.
PRINCIPAL_TYPES = {ROOT: "Account", IAM_USER: "User", ASSUMED_ROLE: "AssumedRole"}
TEMPORARY_KEY_PREFIX = "ASIA"

Keys = dict[str, ContextValue]


def principal_keys(principal: Principal, account: AccountFacts, role: RoleFacts | None) -> Keys:
    """Return the keys that describe the caller; they are the same for every action it takes."""
    session = principal.session
    keys: Keys = {
        "aws:PrincipalArn": role.arn if role is not None else _principal_arn(principal),
        "aws:PrincipalAccount": principal.account_id,
        "aws:PrincipalType": PRINCIPAL_TYPES.get(principal.type, principal.type),
        "aws:userid": principal.principal_id,
        "aws:PrincipalIsAWSService": False,
    }
    if principal.username is not None:
        keys["aws:username"] = principal.username
    if account.organization_id is not None and account.org_path is not None:
        keys["aws:PrincipalOrgID"] = account.organization_id
        keys["aws:PrincipalOrgPaths"] = [account.org_path]

    # Session tags win over the role's tags with the same key (IAM User Guide, "Passing session
    # tags in AWS STS").
    tags = dict(role.tags) if role is not None else {}
    if session is not None:
        tags.update(session.session_tags)
    for key, value in tags.items():
        keys[f"aws:PrincipalTag/{key}"] = value

    # AWS sets the MFA keys only for temporary credentials; long-term keys leave them absent.
    if principal.access_key_id and principal.access_key_id.startswith(TEMPORARY_KEY_PREFIX):
        mfa = session is not None and session.mfa_authenticated
        keys["aws:MultiFactorAuthPresent"] = mfa
        if session is not None and session.issued_at:
            keys["aws:TokenIssueTime"] = session.issued_at
    if session is not None and session.source_identity:
        keys["aws:SourceIdentity"] = session.source_identity
    return keys


def _principal_arn(principal: Principal) -> str:
    session = principal.session
    if principal.type == ASSUMED_ROLE and session is not None:
        return session.role_arn
    return principal.arn


def request_keys(context: RequestContext, headers: Mapping[str, str]) -> Keys:
    """Return the keys that describe this request: region, source address, time and transport."""
    now = context.now()
    return {
        "aws:RequestedRegion": context.region,
        "aws:SourceIp": context.source_ip,
        "aws:CurrentTime": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": int(now.timestamp()),
        # orgstack may sit behind a TLS-terminating proxy, which says so in X-Forwarded-Proto.
        # The server keeps that header only when ORGSTACK_TRUSTED_PROXIES names the sender.
        "aws:SecureTransport": headers.get("x-forwarded-proto", "").lower() == "https",
        "aws:ViaAWSService": False,
    }


def resource_keys(owner: AccountFacts | None, resource_tags: Mapping[str, str]) -> Keys:
    """Return the keys that describe the resource: its account, organization and tags."""
    keys: Keys = {}
    if owner is not None:
        keys["aws:ResourceAccount"] = owner.account_id
        if owner.organization_id is not None and owner.org_path is not None:
            keys["aws:ResourceOrgID"] = owner.organization_id
            keys["aws:ResourceOrgPaths"] = [owner.org_path]
    for key, value in resource_tags.items():
        keys[f"aws:ResourceTag/{key}"] = value
    return keys
