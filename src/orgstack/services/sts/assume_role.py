"""AssumeRole: temporary credentials for a role session.

The call is authorized before this handler runs (`authorization.py`): the caller's policies and
the role's trust policy must allow `sts:AssumeRole`, and `sts:TagSession` or
`sts:SetSourceIdentity` when the request passes session tags or a source identity. The handler
applies the rules that remain: session duration limits, session policies, session tags (with the
transitive tags a chained session inherits) and the source identity.
"""

from __future__ import annotations

import logging
from typing import Any

from orgstack import ids, policy
from orgstack.audit.events import format_time
from orgstack.auth.principals import ASSUMED_ROLE, Principal, SessionDetails
from orgstack.authorize import store
from orgstack.authorize.errors import AccessDeniedException
from orgstack.protocol.errors import ValidationError
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sts import sessions
from orgstack.services.sts.errors import InvalidParameterValue, MalformedPolicyDocumentException
from orgstack.services.sts.roles import find_role

log = logging.getLogger("orgstack.sts")

DEFAULT_DURATION_SECONDS = 3600
# A session assumed with another role session's credentials lasts at most one hour (IAM User
# Guide, "Role chaining").
CHAINED_MAX_SECONDS = 3600
# The plain-text limit of an inline session policy (STS API Reference, AssumeRole `Policy`).
MAX_SESSION_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10


@operation(
    "sts",
    "AssumeRole",
    read_only=False,
    not_honoured=("SerialNumber", "TokenCode", "ProvidedContexts"),
    notes="No MFA devices exist yet, so a session is never MFA-authenticated.",
)
def assume_role(context: RequestContext, params: Params) -> Result:
    # NOTE: AWS rejects AssumeRole signed with root user credentials ("Roles may not be assumed by
    # root accounts."). orgstack has no IAM users yet, so an account's root key is the only
    # long-term credential and may assume roles.
    caller = context.require_caller()
    role = find_role(context.db, params["RoleArn"])
    if role is None:
        # The authorizer denies a missing role first; this guards a role deleted in between.
        raise AccessDeniedException(
            f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{params['RoleArn']}"
        )

    duration = _duration(params, role, caller)
    session_policy = _session_policy(params)
    policy_arns = _policy_arns(context, role.account_id, params)
    tags, transitive = session_tags(params, caller)
    source_identity = _source_identity(params, caller)

    now = context.now()
    session_name = str(params["RoleSessionName"])
    session = SessionDetails(
        role_arn=role.arn,
        role_name=role.name,
        role_id=role.role_id,
        session_name=session_name,
        session_tags=tags,
        transitive_tag_keys=transitive,
        session_policy=session_policy,
        session_policy_arns=policy_arns,
        source_identity=source_identity,
        mfa_authenticated=caller.session is not None and caller.session.mfa_authenticated,
        issued_at=format_time(now),
    )
    owner = sessions.SessionOwner(
        account_id=role.account_id,
        principal_type=ASSUMED_ROLE,
        principal_arn=ids.assumed_role_arn(role.account_id, role.name, session_name),
        principal_id=f"{role.role_id}:{session_name}",
    )
    credentials = sessions.issue(
        context.db,
        context.box,
        owner,
        session,
        now,
        duration,
        params.get("MinimumSessionTokenSize"),
    )
    context.audit.resources.append(("AWS::IAM::Role", role.arn))
    log.info(
        "role assumed role_arn=%s session=%s access_key_id=%s",
        role.arn,
        session_name,
        credentials.access_key_id,
    )

    result: dict[str, Any] = {
        "Credentials": credentials.as_result(),
        "AssumedRoleUser": {"AssumedRoleId": owner.principal_id, "Arn": owner.principal_arn},
    }
    if source_identity is not None:
        result["SourceIdentity"] = source_identity
    return result


def _duration(params: Params, role: store.RoleFacts, caller: Principal) -> int:
    requested = params.get("DurationSeconds")
    if requested is None:
        return DEFAULT_DURATION_SECONDS
    duration = int(requested)
    if caller.type == ASSUMED_ROLE and duration > CHAINED_MAX_SECONDS:
        raise ValidationError(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
            "role chaining."
        )
    if duration > role.max_session_duration:
        raise ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    return duration


def _session_policy(params: Params) -> str | None:
    document = params.get("Policy")
    if document is None:
        return None
    text = str(document)
    if len(text) > MAX_SESSION_POLICY_CHARS:
        raise ValidationError(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member "
            f"must have length less than or equal to {MAX_SESSION_POLICY_CHARS}"
        )
    findings = policy.validate(text, policy.PolicyKind.SESSION)
    if any(finding.finding_type is policy.FindingType.ERROR for finding in findings):
        raise MalformedPolicyDocumentException()
    return text


def _policy_arns(context: RequestContext, account_id: str, params: Params) -> tuple[str, ...]:
    entries = params.get("PolicyArns") or []
    if len(entries) > MAX_POLICY_ARNS:
        raise ValidationError(
            "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_POLICY_ARNS}"
        )
    arns: list[str] = []
    for entry in entries:
        arn = str(entry.get("arn", ""))
        found = store.managed_policy(context.db, account_id, arn, policy.PolicyKind.SESSION)
        if found is None:
            # NOTE: the AWS text for a PolicyArns entry that names no policy was not found; this
            # states the problem in AWS's usual words.
            raise InvalidParameterValue(f"Policy {arn} does not exist or is not attachable.")
        arns.append(arn)
    return tuple(arns)


def session_tags(params: Params, caller: Principal) -> tuple[dict[str, str], tuple[str, ...]]:
    """Return the new session's tags and transitive tag keys.

    A chained session inherits the caller's transitive tags, which the request cannot override
    (IAM User Guide, "Chaining roles with session tags"). Tag keys are compared without regard to
    case.
    """
    inherited: dict[str, str] = {}
    inherited_keys: tuple[str, ...] = ()
    session = caller.session
    if session is not None:
        inherited_keys = session.transitive_tag_keys
        lowered = {key.lower() for key in inherited_keys}
        inherited = {k: v for k, v in session.session_tags.items() if k.lower() in lowered}

    tags: dict[str, str] = {}
    seen: set[str] = set()
    for tag in params.get("Tags") or []:
        key, value = str(tag["Key"]), str(tag["Value"])
        if key.lower() in seen:
            raise ValidationError(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(key.lower())
        tags[key] = value

    conflicts = sorted(key for key in inherited if key.lower() in seen)
    if conflicts:
        # NOTE: the AWS text for this case was not found; AWS rejects the request as invalid.
        raise InvalidParameterValue(
            f"Session tag {conflicts[0]} is a transitive tag inherited from the calling session "
            "and cannot be set again."
        )

    transitive = [str(key) for key in params.get("TransitiveTagKeys") or []]
    unknown = [key for key in transitive if key.lower() not in seen]
    if unknown:
        # NOTE: the AWS text for this case was not found.
        raise InvalidParameterValue(
            f"Transitive tag key {unknown[0]} is not the key of a session tag in this request."
        )
    return {**inherited, **tags}, tuple(dict.fromkeys([*inherited_keys, *transitive]))


def _source_identity(params: Params, caller: Principal) -> str | None:
    """Return the session's source identity; once set on a session it carries over unchanged."""
    requested = params.get("SourceIdentity")
    inherited = caller.session.source_identity if caller.session is not None else None
    if inherited is not None and requested is not None and requested != inherited:
        # NOTE: the AWS text for this case was not found; AWS keeps a set source identity.
        raise InvalidParameterValue(
            f"The source identity {inherited} is set on the calling session and cannot be changed."
        )
    return inherited if inherited is not None else requested
