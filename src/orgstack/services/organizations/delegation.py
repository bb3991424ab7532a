"""Trusted service access and delegated administrators: EnableAWSServiceAccess,
DisableAWSServiceAccess, ListAWSServiceAccessForOrganization, RegisterDelegatedAdministrator,
DeregisterDelegatedAdministrator, ListDelegatedAdministrators and ListDelegatedServicesForAccount.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from orgstack import ids
from orgstack.services.organizations import access
from orgstack.services.organizations.errors import (
    AccountAlreadyRegisteredException,
    AccountNotFoundException,
    AccountNotRegisteredException,
    ConstraintViolationException,
)
from orgstack.services.organizations.handshake_store import lock_organization
from orgstack.services.organizations.pagination import page
from orgstack.services.organizations.service_principals import (
    delegated_administrator_limit,
    require_recognized,
)
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store.schema import accounts, delegated_administrators, service_access

log = logging.getLogger("orgstack.organizations")

ACCOUNT_NOT_FOUND_MESSAGE = "You specified an account that doesn't exist."
NOT_ALL_FEATURES_MESSAGE = (
    "You attempted to perform an operation that requires the organization to be configured to "
    "support all features. An organization that supports only consolidated billing features "
    "can't perform this operation."
)


def _require_all_features(view: access.OrganizationView) -> None:
    if not view.all_features:
        raise ConstraintViolationException(
            NOT_ALL_FEATURES_MESSAGE, Reason="ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"
        )


# Trusted service access


def _access_enabled_at(connection: Connection, organization_id: str, principal: str) -> Any:
    return connection.execute(
        select(service_access.c.enabled_at)
        .where(service_access.c.organization_id == organization_id)
        .where(service_access.c.service_principal == principal)
    ).first()


@operation("organizations", "EnableAWSServiceAccess", read_only=False)
def enable_aws_service_access(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    principal = require_recognized(params["ServicePrincipal"])
    _require_all_features(view)
    lock_organization(context.db, view.id)

    # Enabling twice succeeds and keeps the first date, as AWS does.
    if _access_enabled_at(context.db, view.id, principal) is None:
        context.db.execute(
            insert(service_access).values(
                organization_id=view.id, service_principal=principal, enabled_at=context.now()
            )
        )
        log.info("enabled service access organization_id=%s principal=%s", view.id, principal)
    context.audit.resources.append(("AWS::Organizations::Organization", view.arn))
    return {}


@operation("organizations", "DisableAWSServiceAccess", read_only=False)
def disable_aws_service_access(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    principal = require_recognized(params["ServicePrincipal"])

    context.db.execute(
        delete(service_access)
        .where(service_access.c.organization_id == view.id)
        .where(service_access.c.service_principal == principal)
    )
    # NOTE: delegated administrators of the service stay registered. The API reference does not
    # say whether AWS removes them, only that the service cleans up its own data.
    log.info("disabled service access organization_id=%s principal=%s", view.id, principal)
    context.audit.resources.append(("AWS::Organizations::Organization", view.arn))
    return {}


@operation("organizations", "ListAWSServiceAccessForOrganization", read_only=True)
def list_aws_service_access(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    rows = context.db.execute(
        select(service_access.c.service_principal, service_access.c.enabled_at)
        .where(service_access.c.organization_id == view.id)
        .order_by(service_access.c.service_principal)
    ).all()
    items = [
        {"ServicePrincipal": row.service_principal, "DateEnabled": row.enabled_at} for row in rows
    ]
    keys = [[row.service_principal] for row in rows]
    chunk, token = page(context, items, keys, params, "service-access")
    return {"EnabledServicePrincipals": chunk, "NextToken": token}


# Delegated administrators


def _member_account(context: RequestContext, view: access.OrganizationView, account_id: str) -> Any:
    row = context.db.execute(
        select(accounts)
        .where(accounts.c.id == account_id)
        .where(accounts.c.organization_id == view.id)
    ).first()
    if row is None:
        raise AccountNotFoundException(ACCOUNT_NOT_FOUND_MESSAGE)
    return row


def _registration(connection: Connection, account_id: str, principal: str) -> Any:
    return connection.execute(
        select(delegated_administrators.c.delegated_at)
        .where(delegated_administrators.c.account_id == account_id)
        .where(delegated_administrators.c.service_principal == principal)
    ).first()


def _administrator_count(connection: Connection, organization_id: str, principal: str) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(delegated_administrators)
            .where(delegated_administrators.c.organization_id == organization_id)
            .where(delegated_administrators.c.service_principal == principal)
        ).scalar_one()
    )


def _check_registrable(
    context: RequestContext, view: access.OrganizationView, account: Any, principal: str
) -> None:
    if account.id == view.management_account_id:
        raise ConstraintViolationException(
            "You attempted to register the management account of the organization as a delegated "
            "administrator for an Amazon Web Services service integrated with Organizations. You "
            "can designate only a member account as a delegated administrator.",
            Reason="CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
        )
    if account.status != "ACTIVE":
        raise ConstraintViolationException(
            "You cannot register a suspended account as a delegated administrator.",
            Reason="CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR",
        )
    if _access_enabled_at(context.db, view.id, principal) is None:
        raise ConstraintViolationException(
            "You attempted to register a delegated administrator before you enabled service "
            "access. Call the EnableAWSServiceAccess API first.",
            Reason="SERVICE_ACCESS_NOT_ENABLED",
        )
    if _registration(context.db, account.id, principal) is not None:
        raise AccountAlreadyRegisteredException()
    if _administrator_count(context.db, view.id, principal) >= delegated_administrator_limit(
        principal
    ):
        raise ConstraintViolationException(
            "You attempted to register more delegated administrators than allowed for the service "
            "principal.",
            Reason="MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED",
        )


@operation("organizations", "RegisterDelegatedAdministrator", read_only=False)
def register_delegated_administrator(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    principal = require_recognized(params["ServicePrincipal"])
    _require_all_features(view)
    lock_organization(context.db, view.id)
    account = _member_account(context, view, params["AccountId"])
    _check_registrable(context, view, account, principal)

    context.db.execute(
        insert(delegated_administrators).values(
            organization_id=view.id,
            account_id=account.id,
            service_principal=principal,
            delegated_at=context.now(),
        )
    )
    log.info("registered delegated administrator account_id=%s principal=%s", account.id, principal)
    context.audit.resources.append(
        (
            "AWS::Organizations::Account",
            ids.account_arn(view.management_account_id, view.id, account.id),
        )
    )
    return {}


@operation("organizations", "DeregisterDelegatedAdministrator", read_only=False)
def deregister_delegated_administrator(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    principal = require_recognized(params["ServicePrincipal"])
    account = _member_account(context, view, params["AccountId"])
    if _registration(context.db, account.id, principal) is None:
        raise AccountNotRegisteredException()

    context.db.execute(
        delete(delegated_administrators)
        .where(delegated_administrators.c.account_id == account.id)
        .where(delegated_administrators.c.service_principal == principal)
    )
    log.info(
        "deregistered delegated administrator account_id=%s principal=%s", account.id, principal
    )
    context.audit.resources.append(
        (
            "AWS::Organizations::Account",
            ids.account_arn(view.management_account_id, view.id, account.id),
        )
    )
    return {}


def _administrator_record(view: access.OrganizationView, row: Any) -> dict[str, Any]:
    return {
        "Id": row.id,
        "Arn": ids.account_arn(view.management_account_id, view.id, row.id),
        "Email": row.email,
        "Name": row.name,
        "Status": row.status,
        "State": row.state,
        "JoinedMethod": row.joined_method,
        "JoinedTimestamp": row.joined_at,
        "DelegationEnabledDate": row.delegated_at,
    }


@operation("organizations", "ListDelegatedAdministrators", read_only=True)
def list_delegated_administrators(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    principal = params.get("ServicePrincipal")

    # One entry per account: its earliest delegation, or its delegation for the named service.
    query = (
        select(
            accounts.c.id,
            accounts.c.email,
            accounts.c.name,
            accounts.c.status,
            accounts.c.state,
            accounts.c.joined_method,
            accounts.c.joined_at,
            func.min(delegated_administrators.c.delegated_at).label("delegated_at"),
        )
        .select_from(delegated_administrators)
        .join(accounts, accounts.c.id == delegated_administrators.c.account_id)
        .where(delegated_administrators.c.organization_id == view.id)
        .group_by(
            accounts.c.id,
            accounts.c.email,
            accounts.c.name,
            accounts.c.status,
            accounts.c.state,
            accounts.c.joined_method,
            accounts.c.joined_at,
        )
        .order_by(accounts.c.id)
    )
    if principal is not None:
        query = query.where(delegated_administrators.c.service_principal == principal)
    rows = context.db.execute(query).all()

    items = [_administrator_record(view, row) for row in rows]
    keys = [[row.id] for row in rows]
    chunk, token = page(context, items, keys, params, f"delegated-administrators:{principal}")
    return {"DelegatedAdministrators": chunk, "NextToken": token}


@operation("organizations", "ListDelegatedServicesForAccount", read_only=True)
def list_delegated_services_for_account(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    account = _member_account(context, view, params["AccountId"])
    rows = context.db.execute(
        select(
            delegated_administrators.c.service_principal, delegated_administrators.c.delegated_at
        )
        .where(delegated_administrators.c.account_id == account.id)
        .order_by(delegated_administrators.c.service_principal)
    ).all()
    if not rows:
        raise AccountNotRegisteredException()

    items = [
        {"ServicePrincipal": row.service_principal, "DelegationEnabledDate": row.delegated_at}
        for row in rows
    ]
    keys = [[row.service_principal] for row in rows]
    chunk, token = page(context, items, keys, params, f"delegated-services:{account.id}")
    return {"DelegatedServices": chunk, "NextToken": token}
