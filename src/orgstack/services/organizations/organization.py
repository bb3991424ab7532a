"""The organization itself: CreateOrganization, DescribeOrganization, DeleteOrganization,
ListRoots."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, insert, select, update

from orgstack import ids
from orgstack.services.organizations import access, responsibility_transfers
from orgstack.services.organizations.attachments import (
    ENABLED,
    FULL_AWS_ACCESS_ID,
    SERVICE_CONTROL_POLICY,
    attach,
    ensure_managed_policies,
)
from orgstack.services.organizations.errors import (
    AlreadyInOrganizationException,
    ConstraintViolationException,
    OrganizationNotEmptyException,
)
from orgstack.services.organizations.pagination import page
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import (
    accounts,
    organizations,
    policies,
    policy_attachments,
    root_policy_types,
    roots,
    tags,
)

log = logging.getLogger("orgstack.organizations")

ALL = "ALL"
ROOT_NAME = "Root"


def _management_email(context: RequestContext, account_id: str) -> str:
    return str(
        context.db.execute(select(accounts.c.email).where(accounts.c.id == account_id)).scalar_one()
    )


def organization_record(context: RequestContext, view: access.OrganizationView) -> dict[str, Any]:
    available = [{"Type": SERVICE_CONTROL_POLICY, "Status": ENABLED}] if view.all_features else []
    return {
        "Id": view.id,
        "Arn": view.arn,
        "FeatureSet": view.feature_set,
        "MasterAccountArn": ids.account_arn(
            view.management_account_id, view.id, view.management_account_id
        ),
        "MasterAccountId": view.management_account_id,
        "MasterAccountEmail": _management_email(context, view.management_account_id),
        # AWS documents this member as deprecated; it still reports SCPs for all-features orgs.
        "AvailablePolicyTypes": available,
    }


@operation("organizations", "CreateOrganization", read_only=False)
def create_organization(context: RequestContext, params: Params) -> Result:
    caller = context.require_caller()
    if access.organization_of_account(context.db, caller.account_id) is not None:
        raise AlreadyInOrganizationException(
            "The AWS account is already a member of an organization."
        )

    now = context.now()
    feature_set = params.get("FeatureSet", ALL)
    organization_id = ids.organization_id()
    root_id = _unused_root_id(context)
    management = caller.account_id
    ensure_managed_policies(context.db, now)

    context.db.execute(
        insert(organizations).values(
            id=organization_id,
            arn=ids.organization_arn(management, organization_id),
            feature_set=feature_set,
            management_account_id=management,
            created_at=now,
        )
    )
    context.db.execute(
        insert(roots).values(
            id=root_id,
            organization_id=organization_id,
            name=ROOT_NAME,
            arn=ids.root_arn(management, organization_id, root_id),
        )
    )
    context.db.execute(
        update(accounts)
        .where(accounts.c.id == management)
        .values(
            organization_id=organization_id,
            parent_id=root_id,
            joined_method="INVITED",
            joined_at=now,
        )
    )
    if feature_set == ALL:
        # An all-features organization starts with SCPs enabled and FullAWSAccess on the root and
        # on the management account.
        context.db.execute(
            insert(root_policy_types).values(
                root_id=root_id, policy_type=SERVICE_CONTROL_POLICY, status=ENABLED
            )
        )
        attach(context.db, FULL_AWS_ACCESS_ID, root_id, "ROOT", organization_id, now)
        attach(context.db, FULL_AWS_ACCESS_ID, management, "ACCOUNT", organization_id, now)

    log.info(
        "created organization organization_id=%s management_account=%s", organization_id, management
    )
    view = access.OrganizationView(
        organization_id,
        ids.organization_arn(management, organization_id),
        feature_set,
        management,
        root_id,
        management,
    )
    context.audit.resources.append(("AWS::Organizations::Organization", view.arn))
    return {"Organization": organization_record(context, view)}


def _unused_root_id(context: RequestContext) -> str:
    # Root ids have four random characters, as AWS's do, so one store with many organizations
    # must check for a collision.
    while True:
        candidate = ids.root_id()
        taken = context.db.execute(select(roots.c.id).where(roots.c.id == candidate)).first()
        if taken is None:
            return candidate


@operation("organizations", "DescribeOrganization", read_only=True)
def describe_organization(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    return {"Organization": organization_record(context, view)}


@operation("organizations", "DeleteOrganization", read_only=False)
def delete_organization(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    members = context.db.execute(
        select(accounts.c.id)
        .where(accounts.c.organization_id == view.id)
        .where(accounts.c.id != view.management_account_id)
        .limit(1)
    ).first()
    if members is not None:
        raise OrganizationNotEmptyException(
            "To delete an organization you must first remove all member accounts (except the "
            "master)."
        )
    if responsibility_transfers.has_active_transfer(context.db, view.id, context.now()):
        raise ConstraintViolationException(
            "You cannot delete organization due to an ongoing responsibility transfer process. "
            "For example, a pending invitation or an in-progress transfer. To delete the "
            "organization, you must resolve the current transfer process.",
            Reason="ACTIVE_RESPONSIBILITY_TRANSFER_PROCESS",
        )

    _delete_organization_rows(context, view)
    log.info("deleted organization organization_id=%s", view.id)
    return {}


def _delete_organization_rows(context: RequestContext, view: access.OrganizationView) -> None:
    from orgstack.services.organizations import cleanup

    cleanup.delete_organization_data(context.db, view.id, view.root_id)
    context.db.execute(
        update(accounts)
        .where(accounts.c.id == view.management_account_id)
        .values(organization_id=None, parent_id=None, joined_method=None, joined_at=None)
    )
    context.db.execute(delete(tags).where(tags.c.resource_id == view.root_id))
    context.db.execute(
        delete(policy_attachments).where(policy_attachments.c.organization_id == view.id)
    )
    context.db.execute(delete(policies).where(policies.c.organization_id == view.id))
    context.db.execute(delete(root_policy_types).where(root_policy_types.c.root_id == view.root_id))
    context.db.execute(delete(roots).where(roots.c.id == view.root_id))
    context.db.execute(delete(organizations).where(organizations.c.id == view.id))


def root_record(context: RequestContext, view: access.OrganizationView) -> dict[str, Any]:
    types = context.db.execute(
        select(root_policy_types.c.policy_type, root_policy_types.c.status)
        .where(root_policy_types.c.root_id == view.root_id)
        .order_by(root_policy_types.c.policy_type)
    ).all()
    return {
        "Id": view.root_id,
        "Arn": ids.root_arn(view.management_account_id, view.id, view.root_id),
        "Name": ROOT_NAME,
        "PolicyTypes": [{"Type": row.policy_type, "Status": row.status} for row in types],
    }


@operation("organizations", "ListRoots", read_only=True)
def list_roots(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    items, token = page(context, [root_record(context, view)], [[view.root_id]], params, "roots")
    return {"Roots": items, "NextToken": token}
