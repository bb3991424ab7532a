"""Account creation: CreateAccount, CreateGovCloudAccount, DescribeCreateAccountStatus and
ListCreateAccountStatus.

CreateAccount is asynchronous as in AWS: the call stores a request `IN_PROGRESS` and enqueues a
job in the same transaction. The job creates the account (or records why it cannot) and moves the
request to `SUCCEEDED` or `FAILED`; callers poll DescribeCreateAccountStatus.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.engine import Row

from orgstack import accounts as account_store
from orgstack import ids
from orgstack.services.organizations import (
    access,
    handshake_store,
    member_role,
    service_events,
    tagging,
)
from orgstack.services.organizations.attachments import attach_defaults
from orgstack.services.organizations.errors import (
    ConstraintViolationException,
    CreateAccountStatusNotFoundException,
)
from orgstack.services.organizations.input_errors import invalid_next_token
from orgstack.services.organizations.pagination import decode_token, encode_token, page_size
from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.store import jobs
from orgstack.store.schema import accounts, create_account_requests, organizations, roots

log = logging.getLogger("orgstack.organizations")

IN_PROGRESS = "IN_PROGRESS"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

CREATED = "CREATED"

EMAIL_ALREADY_EXISTS = "EMAIL_ALREADY_EXISTS"
ACCOUNT_LIMIT_EXCEEDED = "ACCOUNT_LIMIT_EXCEEDED"
INVALID_EMAIL = "INVALID_EMAIL"
INTERNAL_FAILURE = "INTERNAL_FAILURE"

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
CREATE_ACCOUNT_JOB = "organizations.create_account"

# The model's pattern (`[^\s@]+@[^\s@]+\.[^\s@]+`) accepts addresses no mail system delivers to,
# such as `a@b..c` or `a@-b.c`; those fail later with INVALID_EMAIL.
# NOTE: AWS does not publish its own address check. This one requires a dot-separated domain of
# letters, digits and inner hyphens that ends in a label of two or more letters.
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_TOP_LEVEL_LABEL = re.compile(r"[A-Za-z]{2,63}")

# NOTE: AWS also fails a request with ConstraintViolationException
# ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED when too many creations are in progress at once. AWS
# publishes no number for that limit and orgstack finishes a creation within milliseconds, so the
# limit is not modelled.


def _status_record(row: Row[Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": row.id,
        "AccountName": row.account_name,
        "State": row.state,
        "RequestedTimestamp": row.requested_at,
    }
    if row.completed_at is not None:
        record["CompletedTimestamp"] = row.completed_at
    if row.account_id is not None:
        record["AccountId"] = row.account_id
    if row.gov_cloud_account_id is not None:
        record["GovCloudAccountId"] = row.gov_cloud_account_id
    if row.failure_reason is not None:
        record["FailureReason"] = row.failure_reason
    return record


def _load_request(connection: Connection, request_id: str) -> Row[Any] | None:
    return connection.execute(
        select(create_account_requests).where(create_account_requests.c.id == request_id)
    ).first()


def _check_tags(params: Params) -> list[dict[str, str]]:
    """Reject the request's tags as TagResource would, before the account exists."""
    requested_tags: list[dict[str, str]] = params.get("Tags") or []
    tagging.validate_tags(requested_tags)
    return requested_tags


@operation("organizations", "CreateAccount", read_only=False)
def create_account(context: RequestContext, params: Params) -> Result:
    view = access.management_view(context)
    requested_tags = _check_tags(params)
    now = context.now()
    request_id = ids.create_account_request_id()

    context.db.execute(
        insert(create_account_requests).values(
            id=request_id,
            organization_id=view.id,
            account_name=params["AccountName"],
            email=params["Email"],
            role_name=params.get("RoleName") or DEFAULT_ROLE_NAME,
            iam_user_access_to_billing=params.get("IamUserAccessToBilling") or "ALLOW",
            tags_json=orjson.dumps(requested_tags).decode(),
            state=IN_PROGRESS,
            requested_at=now,
        )
    )
    jobs.enqueue(context.db, CREATE_ACCOUNT_JOB, {"request_id": request_id}, now)

    log.info("account creation requested request_id=%s organization_id=%s", request_id, view.id)
    row = _load_request(context.db, request_id)
    assert row is not None
    return {"CreateAccountStatus": _status_record(row)}


@operation("organizations", "CreateGovCloudAccount", read_only=False)
def create_gov_cloud_account(context: RequestContext, params: Params) -> Result:
    access.management_view(context)
    _check_tags(params)
    # An orgstack organization has no AWS GovCloud (US) partition, so no management account can
    # have the paired GovCloud account that this operation requires.
    raise ConstraintViolationException(
        "To complete this operation, the management account must have an associated account in "
        "the Amazon Web Services GovCloud (US-West) Region.",
        Reason="MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED",
    )


@operation("organizations", "DescribeCreateAccountStatus", read_only=True)
def describe_create_account_status(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    row = _load_request(context.db, params["CreateAccountRequestId"])
    if row is None or row.organization_id != view.id:
        raise CreateAccountStatusNotFoundException()
    return {"CreateAccountStatus": _status_record(row)}


@operation("organizations", "ListCreateAccountStatus", read_only=True)
def list_create_account_status(context: RequestContext, params: Params) -> Result:
    view = access.reader_view(context)
    states = sorted(set(params.get("States") or []))
    scope = "create-account-status:" + ",".join(states)
    after = decode_token(context, scope, params.get("NextToken"))
    size = page_size(params)

    query = select(create_account_requests).where(
        create_account_requests.c.organization_id == view.id
    )
    if states:
        query = query.where(create_account_requests.c.state.in_(states))
    if after is not None:
        query = query.where(_after_key(after))
    query = query.order_by(
        create_account_requests.c.requested_at, create_account_requests.c.id
    ).limit(size + 1)
    rows = context.db.execute(query).all()

    token = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        token = encode_token(context, scope, [last.requested_at.isoformat(), last.id])
    return {"CreateAccountStatuses": [_status_record(row) for row in rows], "NextToken": token}


def _after_key(after: list[Any]) -> Any:
    """Return the SQL condition for rows after the key (requested time, id) of a previous page."""
    try:
        requested_at = dt.datetime.fromisoformat(str(after[0]))
        last_id = str(after[1])
    except (IndexError, ValueError):
        raise invalid_next_token() from None
    column = create_account_requests.c
    return or_(
        column.requested_at > requested_at,
        and_(column.requested_at == requested_at, column.id > last_id),
    )


# The job


def run_create_account(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Create the account of one request, or record why it failed."""
    request = _load_request(context.db, str(payload["request_id"]))
    if request is None or request.state != IN_PROGRESS:
        # The organization was deleted meanwhile, or an earlier attempt already finished.
        return
    organization = _lock_organization(context.db, request.organization_id)
    if organization is None:
        _finish(context, request, FAILED, failure_reason=INTERNAL_FAILURE)
        return

    failure = _failure_reason(context, request)
    if failure is not None:
        _finish(context, request, FAILED, failure_reason=failure)
        log.info("account creation failed request_id=%s reason=%s", request.id, failure)
        return

    account_id = _create_member(context, request, organization.management_account_id)
    _finish(context, request, SUCCEEDED, account_id=account_id)
    log.info("account created request_id=%s account_id=%s", request.id, account_id)


def _lock_organization(connection: Connection, organization_id: str) -> Row[Any] | None:
    """Load the organization, locking its row on PostgreSQL so that two workers creating accounts
    in one organization count its accounts one after the other."""
    query = select(organizations).where(organizations.c.id == organization_id)
    if connection.dialect.name != "sqlite":
        query = query.with_for_update()
    return connection.execute(query).first()


def _failure_reason(context: jobs.JobContext, request: Row[Any]) -> str | None:
    if not valid_email(request.email):
        return INVALID_EMAIL
    if account_store.email_in_use(context.db, request.email):
        return EMAIL_ALREADY_EXISTS
    # The quota counts every account in the organization (the management account and closed
    # accounts not yet removed included) and every open invitation.
    used = organization_account_count(context.db, request.organization_id)
    used += open_invitation_count(context.db, request.organization_id, context.now())
    if used >= context.settings.max_accounts:
        return ACCOUNT_LIMIT_EXCEEDED
    return None


def valid_email(email: str) -> bool:
    local, _, domain = email.rpartition("@")
    if not local or len(local) > 64:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not _TOP_LEVEL_LABEL.fullmatch(labels[-1]):
        return False
    return all(_DOMAIN_LABEL.fullmatch(label) and len(label) <= 63 for label in labels)


def organization_account_count(connection: Connection, organization_id: str) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(accounts)
            .where(accounts.c.organization_id == organization_id)
        ).scalar_one()
    )


def open_invitation_count(connection: Connection, organization_id: str, now: dt.datetime) -> int:
    return sum(
        1
        for handshake in handshake_store.handshakes_of_organization(connection, organization_id)
        if handshake.action == handshake_store.INVITE
        and handshake.effective_state(now) in handshake_store.PENDING_STATES
    )


def _root_id(connection: Connection, organization_id: str) -> str:
    return str(
        connection.execute(
            select(roots.c.id).where(roots.c.organization_id == organization_id)
        ).scalar_one()
    )


def _create_member(context: jobs.JobContext, request: Row[Any], management_id: str) -> str:
    connection = context.db
    now = context.now()
    organization_id = request.organization_id
    root_id = _root_id(connection, organization_id)
    account_id = account_store.new_account_id(connection)

    account_store.insert_account_row(
        connection, account_id, request.account_name, request.email, now
    )
    connection.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(
            organization_id=organization_id,
            parent_id=root_id,
            joined_method=CREATED,
            joined_at=now,
        )
    )
    attach_defaults(connection, root_id, account_id, "ACCOUNT", organization_id, now)
    tagging.tag_new_resource(connection, account_id, orjson.loads(request.tags_json))
    # AWS gives a created member account no access keys; principals of the management account
    # reach it through this role.
    member_role.create_access_role(connection, account_id, request.role_name, management_id, now)
    return account_id


def _finish(
    context: jobs.JobContext,
    request: Row[Any],
    state: str,
    *,
    account_id: str | None = None,
    failure_reason: str | None = None,
) -> None:
    """Store the request's outcome and record the CreateAccountResult event."""
    now = context.now()
    context.db.execute(
        update(create_account_requests)
        .where(create_account_requests.c.id == request.id)
        .values(
            state=state,
            account_id=account_id,
            failure_reason=failure_reason,
            completed_at=now,
        )
    )

    management_id = context.db.execute(
        select(organizations.c.management_account_id).where(
            organizations.c.id == request.organization_id
        )
    ).scalar()
    if management_id is None:
        return
    details = service_events.create_account_details(request, account_id, state, failure_reason, now)
    resources = []
    if account_id is not None:
        arn = ids.account_arn(management_id, request.organization_id, account_id)
        resources.append((service_events.ACCOUNT_RESOURCE_TYPE, arn))
    service_events.record_service_event(
        context.db, "CreateAccountResult", management_id, now, details, resources
    )


def give_up_create_account(context: jobs.JobContext, payload: jobs.Payload) -> None:
    """Fail a request whose job failed on every attempt, so it does not stay IN_PROGRESS."""
    request = _load_request(context.db, str(payload["request_id"]))
    if request is not None and request.state == IN_PROGRESS:
        _finish(context, request, FAILED, failure_reason=INTERNAL_FAILURE)


jobs.register(CREATE_ACCOUNT_JOB, run_create_account, on_give_up=give_up_create_account)
