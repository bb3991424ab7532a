"""Policy types of the root: EnablePolicyType and DisablePolicyType."""

from __future__ import annotations

import logging

from sqlalchemy import delete, insert

from orgstack.services.organizations import access, policy_store
from orgstack.services.organizations.attachments import (
    DEFAULT_POLICY_FOR_TYPE,
    ENABLED,
    enabled_policy_types,
    ensure_managed_policies,
)
from orgstack.services.organizations.errors import (
    PolicyTypeAlreadyEnabledException,
    PolicyTypeNotAvailableForOrganizationException,
    PolicyTypeNotEnabledException,
    RootNotFoundException,
)
from orgstack.services.organizations.organization import root_record
from orgstack.services.organizations.policy_access import require_manager
from orgstack.services.organizations.policy_targets import target_arn
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import root_policy_types

log = logging.getLogger("orgstack.organizations")


def _require_root(view: access.OrganizationView, root_id: str) -> None:
    if root_id != view.root_id:
        raise RootNotFoundException()


def _audit_root(context: RequestContext, view: access.OrganizationView) -> None:
    root = root_record(context, view)
    context.audit.resources.append(("AWS::Organizations::Root", root["Arn"]))


@operation("organizations", "EnablePolicyType", read_only=False)
def enable_policy_type(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["PolicyType"]
    root_arn = target_arn(view, params["RootId"])
    require_manager(context, view, "EnablePolicyType", [root_arn], policy_type)
    policy_store.lock_organization(context.db, view.id)
    _require_root(view, params["RootId"])

    # Every policy type needs all features; the API reference names enabling SCPs in a
    # consolidated billing organization as the example of this error.
    if not view.all_features:
        raise PolicyTypeNotAvailableForOrganizationException()
    if policy_type in enabled_policy_types(context.db, view.root_id):
        raise PolicyTypeAlreadyEnabledException()
    # TODO: AWS requires trusted access for some types first (for example Security Hub and
    # Inspector policies, ConstraintViolationException SERVICE_ACCESS_NOT_ENABLED); orgstack
    # enables every type without that check.

    # NOTE: AWS enables a type asynchronously (PENDING_ENABLE, then ENABLED); orgstack
    # enables it at once, so the reply already shows ENABLED.
    context.db.execute(
        insert(root_policy_types).values(
            root_id=view.root_id, policy_type=policy_type, status=ENABLED
        )
    )
    default = DEFAULT_POLICY_FOR_TYPE.get(policy_type)
    if default is not None:
        ensure_managed_policies(context.db, context.now())
        # FullAWSAccess (SCPs) and RCPFullAWSAccess (RCPs) go on the root, every OU and every
        # account; `attachments.attach_defaults` adds them to OUs and accounts created later.
        policy_store.attach_everywhere(context.db, default, view.id, view.root_id, context.now())

    log.info("enabled policy type policy_type=%s root_id=%s", policy_type, view.root_id)
    _audit_root(context, view)
    return {"Root": root_record(context, view)}


@operation("organizations", "DisablePolicyType", read_only=False)
def disable_policy_type(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    policy_type = params["PolicyType"]
    root_arn = target_arn(view, params["RootId"])
    require_manager(context, view, "DisablePolicyType", [root_arn], policy_type)
    policy_store.lock_organization(context.db, view.id)
    _require_root(view, params["RootId"])

    if policy_type not in enabled_policy_types(context.db, view.root_id):
        raise PolicyTypeNotEnabledException()

    # Disabling a type detaches all its policies; the policies themselves remain.
    policy_store.detach_type(context.db, view.id, policy_type)
    context.db.execute(
        delete(root_policy_types)
        .where(root_policy_types.c.root_id == view.root_id)
        .where(root_policy_types.c.policy_type == policy_type)
    )

    log.info("disabled policy type policy_type=%s root_id=%s", policy_type, view.root_id)
    _audit_root(context, view)
    return {"Root": root_record(context, view)}
