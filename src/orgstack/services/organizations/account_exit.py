"""Accounts leaving service or the organization: CloseAccount, RemoveAccountFromOrganization and
LeaveOrganization.

CloseAccount marks the account `PENDING_CLOSURE` and enqueues a job that suspends it a few minutes
later; a closed account stays in the organization. Removal and leaving make the account standalone:
its policy attachments and tags go, its IAM roles and keys stay.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select, update

from orgstack import ids
from orgstack.audit.events import format_time
from orgstack.services.organizations import access, service_events
from orgstack.services.organizations.delegation import (
    ACCOUNT_NOT_FOUND_MESSAGE,
    NOT_ALL_FEATURES_MESSAGE,
)
from orgstack.services.organizations.errors import (
    AccountAlreadyClosedException,
    AccountNotFoundException,
    ConstraintViolationException,
    MasterCannotLeaveOrganizationException,
)
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store import jobs
from orgstack.store.schema import (
    accounts,
    delegated_administrators,
    organizations,
    policy_attachments,
    tags,
)

log = logging.getLogger("orgstack.organizations")

ACTIVE = "ACTIVE"
PENDING_CLOSURE = "PENDING_CLOSURE"
SUSPENDED = "SUSPENDED"
CLOSED = "CLOSED"
CLOSING_STATES = (PENDING_CLOSURE, SUSPENDED, CLOSED)
CREATED = "CREATED"

ACCOUNT_RESOURCE_TYPE = "AWS::Organizations::Account"
SUSPEND_ACCOUNT_JOB = "organizations.suspend_closed_account"
FINISH_CLOSURE_JOB = "organizations.finish_account_closure"

# AWS documents closure as taking "a few minutes". orgstack suspends the account after this delay
# on the business clock, so that tests can observe PENDING_CLOSURE and then move the clock.
CLOSURE_DELAY = dt.timedelta(minutes=5)
# AWS keeps a suspended account reopenable for 90 days (the post-closure period), then closes it
# for good.
POST_CLOSURE_PERIOD = dt.timedelta(days=90)

# The CloseAccount quota as botocore's model documents it: within a rolling 30 days, the higher of
# 250 and 20% of the member accounts, and never more than 1,000.
CLOSE_QUOTA_WINDOW = dt.timedelta(days=30)
CLOSE_QUOTA_FLOOR = 250
CLOSE_QUOTA_SHARE = 0.20
CLOSE_QUOTA_CEILING = 1000

# A created account can leave or be removed only four days after its creation, as botocore's
# model documents for the WAIT_PERIOD_ACTIVE reason. Invited accounts have no waiting period.
CREATED_ACCOUNT_WAIT = dt.timedelta(days=4)

MASTER_CANNOT_LEAVE_MESSAGE = (
    "You can't remove a management account from an organization. If you want the management "
    "account to become a member account in another organization, you must first delete the "
    "current organization."
)

# NOTE: AWS also rejects removal of an account that lacks what a standalone account needs (a
# payment method, phone verification, the customer agreement) with reasons such as
# ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION. orgstack accounts have no billing data, so those
# reasons never occur here.


@dataclass(frozen=True)
class MemberAccount:
    id: str
    state: str
    joined_method: str | None
    created_at: dt.datetime


def _find_member(connection: Connection, organization_id: str, account_id: str) -> MemberAccount:
    row = connection.execute(
        select(accounts.c.id, accounts.c.state, accounts.c.joined_method, accounts.c.created_at)
        .where(accounts.c.id == account_id)
        .where(accounts.c.organization_id == organization_id)
    ).first()
    if row is None:
        raise AccountNotFoundException(ACCOUNT_NOT_FOUND_MESSAGE)
    return MemberAccount(row.id, row.state, row.joined_method, row.created_at)


def _constraint(reason: str, message: str) -> ConstraintViolationException:
    return ConstraintViolationException(message, Reason=reason)


# CloseAccount


@operation("organizations", "CloseAccount", read_only=False)
def close_account(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    if not view.all_features:
        # AWS's CloseAccount reference: "You can close an account when all features are enabled."
        raise _constraint("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE", NOT_ALL_FEATURES_MESSAGE)
    account = _find_member(context.db, view.id, params["AccountId"])
    if account.id == view.management_account_id:
        raise _constraint(
            "CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
            "You attempted to close the management account. To close the management account for "
            "the organization, you must first either remove or close all member accounts in the "
            "organization.",
        )
    if account.state in CLOSING_STATES:
        raise AccountAlreadyClosedException()

    now = context.now()
    if closures_in_window(context.db, view.id, now) >= close_quota(
        member_count(context.db, view.id, view.management_account_id)
    ):
        raise _constraint(
            "CLOSE_ACCOUNT_QUOTA_EXCEEDED",
            "You have exceeded close account quota for the past 30 days.",
        )

    _set_state(context.db, account.id, PENDING_CLOSURE, PENDING_CLOSURE, now)
    jobs.enqueue(context.db, SUSPEND_ACCOUNT_JOB, {"account_id": account.id}, now + CLOSURE_DELAY)
    context.audit.resources.append(
        (ACCOUNT_RESOURCE_TYPE, ids.account_arn(view.management_account_id, view.id, account.id))
    )
    log.info("account closure requested account_id=%s organization_id=%s", account.id, view.id)
    return {}


def close_quota(members: int) -> int:
    return min(CLOSE_QUOTA_CEILING, max(CLOSE_QUOTA_FLOOR, int(members * CLOSE_QUOTA_SHARE)))


def member_count(connection: Connection, organization_id: str, management_id: str) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(accounts)
            .where(accounts.c.organization_id == organization_id)
            .where(accounts.c.id != management_id)
        ).scalar_one()
    )


def closures_in_window(connection: Connection, organization_id: str, now: dt.datetime) -> int:
    """Count the organization's accounts whose closure began within the quota window.

    A closing account's `status_changed_at` is when CloseAccount ran, or a few minutes later when
    it was suspended, which is close enough for a 30-day window.
    """
    return int(
        connection.execute(
            select(func.count())
            .select_from(accounts)
            .where(accounts.c.organization_id == organization_id)
            .where(accounts.c.state.in_(CLOSING_STATES))
            .where(accounts.c.status_changed_at > now - CLOSE_QUOTA_WINDOW)
        ).scalar_one()
    )


def _set_state(
    connection: Connection, account_id: str, status: str, state: str, now: dt.datetime
) -> None:
    connection.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(status=status, state=state, status_changed_at=now)
    )


def run_suspend_account(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Finish a closure: a PENDING_CLOSURE account becomes SUSPENDED."""
    account_id = str(payload["account_id"])
    state = context.db.execute(select(accounts.c.state).where(accounts.c.id == account_id)).scalar()
    if state != PENDING_CLOSURE:
        # The account was removed from the store or its closure already finished.
        return
    now = context.now()
    # NOTE: AWS stops a suspended account from using services; orgstack still accepts requests
    # signed with the account's keys or role sessions.
    _set_state(context.db, account_id, SUSPENDED, SUSPENDED, now)
    _record_closure(context, account_id, now)
    jobs.enqueue(
        context.db, FINISH_CLOSURE_JOB, {"account_id": account_id}, now + POST_CLOSURE_PERIOD
    )
    log.info("account suspended after closure account_id=%s", account_id)


def _record_closure(context: jobs.JobContext, account_id: str, now: dt.datetime) -> None:
    """Record the CloseAccountResult event in the management account's trail."""
    row = context.db.execute(
        select(organizations.c.id, organizations.c.management_account_id)
        .select_from(accounts)
        .join(organizations, organizations.c.id == accounts.c.organization_id)
        .where(accounts.c.id == account_id)
    ).first()
    if row is None:
        return
    # NOTE: AWS documents the CloseAccountResult event but not its details; this shape mirrors
    # the createAccountStatus block of CreateAccountResult.
    details = {
        "closeAccountStatus": {
            "accountId": account_id,
            "state": "SUCCEEDED",
            "completedTimestamp": format_time(now),
        }
    }
    arn = ids.account_arn(row.management_account_id, row.id, account_id)
    service_events.record_service_event(
        context.db,
        "CloseAccountResult",
        row.management_account_id,
        now,
        details,
        [(ACCOUNT_RESOURCE_TYPE, arn)],
    )


def run_finish_closure(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """End the post-closure period: a SUSPENDED account's state becomes CLOSED.

    Its status stays SUSPENDED, because the model's account status has no CLOSED value.
    """
    account_id = str(payload["account_id"])
    state = context.db.execute(select(accounts.c.state).where(accounts.c.id == account_id)).scalar()
    if state != SUSPENDED:
        return
    # NOTE: AWS later removes a permanently closed account from its organization (departure method
    # CLEANED) at a time it does not publish. orgstack keeps the account in it as CLOSED.
    context.db.execute(update(accounts).where(accounts.c.id == account_id).values(state=CLOSED))
    log.info("account closed for good account_id=%s", account_id)


jobs.register(SUSPEND_ACCOUNT_JOB, run_suspend_account)
jobs.register(FINISH_CLOSURE_JOB, run_finish_closure)


# Removal and leaving


@operation("organizations", "RemoveAccountFromOrganization", read_only=False)
def remove_account_from_organization(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    account = _find_member(context.db, view.id, params["AccountId"])
    if account.id == view.management_account_id:
        raise MasterCannotLeaveOrganizationException(MASTER_CANNOT_LEAVE_MESSAGE)
    _check_can_depart(context, account)

    _make_standalone(context.db, account.id)
    context.audit.resources.append(
        (ACCOUNT_RESOURCE_TYPE, ids.account_arn(view.management_account_id, view.id, account.id))
    )
    log.info(
        "account removed from organization account_id=%s organization_id=%s", account.id, view.id
    )
    return {}


@operation("organizations", "LeaveOrganization", read_only=False)
def leave_organization(context: RequestContext, params: Params) -> Result:
    view = access.member_view(context)
    if view.caller_is_management:
        raise MasterCannotLeaveOrganizationException(MASTER_CANNOT_LEAVE_MESSAGE)
    account = _find_member(context.db, view.id, view.caller_account_id)
    _check_can_depart(context, account)

    _make_standalone(context.db, account.id)
    context.audit.resources.append(
        (ACCOUNT_RESOURCE_TYPE, ids.account_arn(view.management_account_id, view.id, account.id))
    )
    log.info("account left organization account_id=%s organization_id=%s", account.id, view.id)
    return {}


def _check_can_depart(context: RequestContext, account: MemberAccount) -> None:
    if _is_delegated_administrator(context.db, account.id):
        raise _constraint(
            "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG",
            "You attempted to remove an account that is registered as a delegated administrator "
            "for a service integrated with your organization. To complete this operation, you must"
            " first deregister this account as a delegated administrator.",
        )
    if account.joined_method == CREATED and context.now() < account.created_at + (
        CREATED_ACCOUNT_WAIT
    ):
        raise _constraint(
            "WAIT_PERIOD_ACTIVE",
            "After you create an Amazon Web Services account, you must wait until at least four "
            "days after the account was created. Invited accounts aren't subject to this waiting "
            "period.",
        )


def _is_delegated_administrator(connection: Connection, account_id: str) -> bool:
    found = connection.execute(
        select(delegated_administrators.c.account_id)
        .where(delegated_administrators.c.account_id == account_id)
        .limit(1)
    ).first()
    return found is not None


def _make_standalone(connection: Connection, account_id: str) -> None:
    """Detach the account from its organization: policies and tags go with the membership."""
    connection.execute(
        delete(policy_attachments).where(policy_attachments.c.target_id == account_id)
    )
    # AWS deletes an account's tags when it leaves, because standalone accounts have none.
    connection.execute(delete(tags).where(tags.c.resource_id == account_id))
    connection.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(organization_id=None, parent_id=None, joined_method=None, joined_at=None)
    )
