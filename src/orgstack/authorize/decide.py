"""The authorization step that runs before every signed call's handler.

For each check that an operation declares (an IAM action on a resource), the authorizer gathers
the policy layers that apply and builds the request context, then evaluates them with the policy
engine. The layers are the SCPs of the caller's account, the RCPs of the resource's account, the
caller's identity policies, permissions boundary and session policies, and a role's trust policy
for the STS role actions. The first denial ends the call with AWS's access-denied error and
message, and the call's CloudTrail event records the decision and the statements behind it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from orgstack.auth.principals import ASSUMED_ROLE, Principal
from orgstack.authorize import actions, context, decisions, messages, store
from orgstack.authorize.cache import LayerCache, VersionChange, VersionReader
from orgstack.authorize.errors import AccessDeniedException
from orgstack.policy import (
    POLICY_TYPE_NAMES,
    RCP_SERVICES,
    Decision,
    Effect,
    EvaluationResult,
    Layer,
    Layers,
    MissingAllow,
    PolicyKind,
    PolicyRef,
    PolicySyntaxError,
    Request,
    compile_policy,
    denial_message,
    evaluate,
)
from orgstack.secrets_at_rest import SecretBox
from orgstack.services.registry import OperationSpec, Params, RequestContext

log = logging.getLogger("orgstack.authorize")

# `arn:aws:iam::<account>:role/<path>/<name>`: the role's tags are its `aws:ResourceTag/*`.
ROLE_ARN = re.compile(r"^arn:aws:iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)$")


@dataclass(frozen=True)
class Subject:
    """The caller with everything about it that does not depend on the action."""

    principal: Principal
    account: store.AccountFacts
    role: store.RoleFacts | None
    session_policies: tuple[PolicyRef, ...]
    keys: context.Keys
    # The condition keys that the caller's own layers read (None: unknown, see `decisions`).
    read_keys: frozenset[str] | None


class Authorizer:
    """Decides whether signed calls may run; shared by the request threads of one server."""

    def __init__(self, box: SecretBox) -> None:
        self.box = box
        self.cache = LayerCache()
        self.versions = VersionReader()
        actions.load_declarations()

    def authorize(
        self,
        call: RequestContext,
        spec: OperationSpec,
        params: Params,
        headers: Mapping[str, str],
    ) -> None:
        """Raise AccessDeniedException unless every check of the call is allowed.

        Calls without a caller (unsigned operations) and exempt operations pass unchecked.
        """
        caller = call.caller
        if caller is None or actions.is_exempt(spec):
            return

        version = self.versions.version(call.db)
        subject = self.subject(call.db, caller, version)
        checks = actions.checks_for(spec, call, params, _organization(subject))
        request_keys = context.request_keys(call, headers)
        for check in checks:
            result = self.evaluate(call.db, subject, check, request_keys, version)
            if not result.allowed:
                raise self._denial(call, subject, check, result)

    def apply_change(self, change: VersionChange) -> None:
        """Drop the cached facts a committed change can affect and use its version from now on."""
        self.cache.advance(change)
        self.versions.learn(change.version)

    def subject(self, connection: Connection, caller: Principal, version: str) -> Subject:
        """Return the caller's facts: account and organization, role, session policies."""
        key = (caller.access_key_id, caller.arn)
        return self.cache.subject(
            version, key, lambda: self._load_subject(connection, caller, version)
        )

    def _load_subject(self, connection: Connection, caller: Principal, version: str) -> Subject:
        account = self.cache.account(
            version, caller.account_id, lambda: store.load_account(connection, caller.account_id)
        )
        role = None
        session = caller.session
        if caller.type == ASSUMED_ROLE and session is not None:
            role = self.cache.role(
                version,
                caller.account_id,
                session.role_name,
                lambda: store.load_role(connection, caller.account_id, session.role_name),
            )
        session_policies = _session_policies(connection, caller)
        own = [*session_policies, *decisions.level_refs(account.scp_levels)]
        if role is not None:
            own.extend(role.identity)
            if role.boundary is not None:
                own.append(role.boundary)
        return Subject(
            principal=caller,
            account=account,
            role=role,
            session_policies=session_policies,
            keys=context.principal_keys(caller, account, role),
            read_keys=decisions.read_keys(own),
        )

    def evaluate(
        self,
        connection: Connection,
        subject: Subject,
        check: actions.Check,
        request_keys: context.Keys,
        version: str,
    ) -> EvaluationResult:
        """Evaluate one check for the subject and return the engine's result."""
        target = check.target
        owner = None
        if target.account is not None:
            owner = self.cache.account(
                version,
                target.account,
                lambda: store.load_account(connection, target.account or ""),
            )
        tags = self._resource_tags(connection, target, version)
        keys: dict[str, Any] = {**request_keys, **subject.keys}
        keys.update(context.resource_keys(owner, tags))
        keys.update(check.keys)
        # A resource whose ARN names no account (`*`, AWS managed policies) is evaluated in the
        # caller's account, like one marked so.
        resource_account = target.account
        if target.in_caller_account or resource_account is None:
            resource_account = subject.principal.account_id
        request = Request(
            action=check.action,
            resource=target.arn,
            principal_arn=subject.principal.arn,
            context=keys,
            principal_account=subject.principal.account_id,
            resource_account=resource_account,
        )
        layers = self._layers(subject, check, owner)

        # An allow is reused for requests that agree on everything the policies read.
        resource_side = [*decisions.level_refs(layers.rcp_levels)]
        if layers.resource is not None:
            resource_side.append(layers.resource)
        read = decisions.read_keys(resource_side)
        decision_key = None
        if read is not None and subject.read_keys is not None:
            read |= subject.read_keys
            asker = (
                subject.principal.access_key_id,
                subject.principal.arn,
                check.action.lower(),
                target.arn,
                target.trust_policy,
                target.resource_policy,
                target.missing,
                resource_account,
            )
            decision_key = decisions.decision_key(asker, read, keys)
            kept = self.cache.decision(version, decision_key)
            if kept is not None:
                return kept

        result = evaluate(request, layers)
        if result.allowed and _needs_trust(target) and not _trust_grants(result):
            result = _denied_by_trust(result)
        if decision_key is not None and result.allowed:
            self.cache.keep_decision(version, decision_key, result)
        return result

    def _resource_tags(
        self, connection: Connection, target: actions.Target, version: str
    ) -> dict[str, str]:
        """Return the tags of an Organizations resource (by `tag_id`) or of an IAM role."""
        tag_id = target.tag_id
        if tag_id is not None:
            return self.cache.tags(version, tag_id, lambda: store.resource_tags(connection, tag_id))

        role = ROLE_ARN.match(target.arn)
        if role is None or target.missing:
            return {}
        account_id, name = role["account"], role["name"]
        facts = self.cache.role(
            version, account_id, name, lambda: store.load_role(connection, account_id, name)
        )
        return dict(facts.tags) if facts is not None else {}

    def _layers(
        self, subject: Subject, check: actions.Check, owner: store.AccountFacts | None
    ) -> Layers:
        role = subject.role
        service = check.action.split(":", 1)[0].lower()
        rcp_levels = None
        if owner is not None and service in RCP_SERVICES:
            rcp_levels = owner.rcp_levels
        return Layers(
            identity=role.identity if role is not None else (),
            boundary=role.boundary if role is not None else None,
            session=subject.session_policies,
            resource=_trust_policy(check.target) or _resource_policy(check.target),
            scp_levels=subject.account.scp_levels,
            rcp_levels=rcp_levels,
            principal_account_is_management=subject.account.is_management,
            principal_is_service_linked_role=role is not None and role.is_service_linked,
            resource_account_is_management=owner is not None and owner.is_management,
        )

    def _denial(
        self,
        call: RequestContext,
        subject: Subject,
        check: actions.Check,
        result: EvaluationResult,
    ) -> AccessDeniedException:
        principal = subject.principal
        if check.reason_in_message:
            message = denial_message(result) or _short_message(result)
        else:
            message = _short_message(result)
        log.info(
            "request denied request_id=%s action=%s resource=%s decision=%s layer=%s",
            call.request_id,
            check.action,
            check.target.arn,
            result.decision,
            result.denied_by,
        )
        call.audit.additional_event_data["authorizationDecision"] = _audit_record(result)
        failure = AccessDeniedException(message)
        failure.encoded_message = messages.encode(
            self.box, result, principal.principal_id, principal.account_id
        )
        return failure


def _organization(subject: Subject) -> actions.CallerOrganization | None:
    account = subject.account
    if account.organization_id is None or account.management_account_id is None:
        return None
    return actions.CallerOrganization(
        organization_id=account.organization_id,
        management_account_id=account.management_account_id,
        caller_account_id=account.account_id,
    )


def _session_policies(connection: Connection, caller: Principal) -> tuple[PolicyRef, ...]:
    """Return the compiled session policies (inline and managed) of a role session."""
    session = caller.session
    if session is None:
        return ()
    refs: list[PolicyRef] = []
    if session.session_policy:
        try:
            refs.append(
                PolicyRef(
                    "session policy", compile_policy(session.session_policy, PolicyKind.SESSION)
                )
            )
        except PolicySyntaxError:
            refs.append(_allows_nothing("session policy", PolicyKind.SESSION))
    for arn in session.session_policy_arns:
        ref = store.managed_policy(connection, caller.account_id, arn, PolicyKind.SESSION)
        # A managed session policy deleted since the session began grants nothing.
        refs.append(ref if ref is not None else _allows_nothing(arn, PolicyKind.SESSION))
    return tuple(refs)


def _allows_nothing(name: str, kind: PolicyKind) -> PolicyRef:
    return PolicyRef(name, compile_policy(store.ALLOWS_NOTHING, kind))


def _needs_trust(target: actions.Target) -> bool:
    return target.trust_policy is not None or target.missing


def _trust_policy(target: actions.Target) -> PolicyRef | None:
    if not _needs_trust(target):
        return None
    if target.missing or target.trust_policy is None:
        return _allows_nothing("trust policy", PolicyKind.TRUST)
    try:
        return PolicyRef("trust policy", compile_policy(target.trust_policy, PolicyKind.TRUST))
    except PolicySyntaxError:
        return _allows_nothing("trust policy", PolicyKind.TRUST)


def _resource_policy(target: actions.Target) -> PolicyRef | None:
    if target.resource_policy is None:
        return None
    try:
        compiled = compile_policy(target.resource_policy, PolicyKind.RESOURCE)
    except PolicySyntaxError:
        # A policy that does not compile grants nothing, as if the resource had none.
        return None
    return PolicyRef("resource-based policy", compiled)


def _trust_grants(result: EvaluationResult) -> bool:
    """Whether a trust-policy Allow statement matched the caller (by name or by account).

    A role may be assumed only when its trust policy names the caller or the caller's account.
    Unlike other resources, an identity-based Allow alone never suffices, even in one account.
    """
    return any(ref.layer is Layer.RESOURCE and ref.effect is Effect.ALLOW for ref in result.matched)


def _denied_by_trust(result: EvaluationResult) -> EvaluationResult:
    return dataclasses.replace(
        result,
        decision=Decision.IMPLICIT_DENY,
        denied_by=Layer.RESOURCE,
        deciding=(),
        missing_allows=(MissingAllow(Layer.RESOURCE, None),),
    )


def _short_message(result: EvaluationResult) -> str:
    """Return the denial message without its reason, as STS sends it for the role actions."""
    request = result.request
    message = f"User: {request.principal_arn} is not authorized to perform: {request.action}"
    if request.resource != actions.ANY_RESOURCE:
        message += f" on resource: {request.resource}"
    return message


def _audit_record(result: EvaluationResult) -> dict[str, Any]:
    """Return the decision as the call's CloudTrail event records it in additionalEventData."""
    statements = result.blocking if result.decision is Decision.EXPLICIT_DENY else result.deciding
    record: dict[str, Any] = {
        "decision": str(result.decision),
        "action": result.request.action,
        "resource": result.request.resource,
        "policyType": POLICY_TYPE_NAMES[result.denied_by] if result.denied_by else None,
        "statements": [ref.describe() for ref in statements],
    }
    if result.missing_allows:
        record["missingAllows"] = [
            f"{missing.layer}" + (f" at {missing.level}" if missing.level else "")
            for missing in result.missing_allows
        ]
    if result.errors:
        record["errors"] = list(result.errors)
    return record
