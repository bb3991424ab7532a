"""Who may call which Organizations operation.

AWS lets the management account call every operation. A delegated administrator (of any service)
may call the read-only operations. A member account may call a few operations about itself
(DescribeOrganization, LeaveOrganization, its handshakes, its effective policies); everything else
is `AccessDeniedException`. An account outside any organization gets
`AWSOrganizationsNotInUseException`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select

from orgstack.services.organizations.errors import (
    AccessDeniedException,
    AWSOrganizationsNotInUseException,
)
from orgstack.services.organizations.resource_policy_document import Request, allows, parse
from orgstack.services.registry import RequestContext
from orgstack.store.schema import (
    accounts,
    delegated_administrators,
    organizations,
    resource_policies,
    roots,
)

ACCESS_DENIED_MESSAGE = "You don't have permissions to access this resource."


@dataclass(frozen=True)
class OrganizationView:
    """The caller's organization and the caller's place in it."""

    id: str
    arn: str
    feature_set: str
    management_account_id: str
    root_id: str
    caller_account_id: str

    @property
    def caller_is_management(self) -> bool:
        return self.caller_account_id == self.management_account_id

    @property
    def all_features(self) -> bool:
        return self.feature_set == "ALL"


# Built once: this look-up runs on nearly every Organizations call.
_ORGANIZATION_OF_ACCOUNT = (
    select(
        organizations.c.id,
        organizations.c.arn,
        organizations.c.feature_set,
        organizations.c.management_account_id,
        roots.c.id.label("root_id"),
    )
    .select_from(accounts)
    .join(organizations, organizations.c.id == accounts.c.organization_id)
    .join(roots, roots.c.organization_id == organizations.c.id)
    .where(accounts.c.id == bindparam("account_id"))
)


def organization_of_account(connection: Connection, account_id: str) -> OrganizationView | None:
    """Return the organization the account belongs to, or None when it belongs to none."""
    row = connection.execute(_ORGANIZATION_OF_ACCOUNT, {"account_id": account_id}).first()
    if row is None:
        return None
    return OrganizationView(
        id=row.id,
        arn=row.arn,
        feature_set=row.feature_set,
        management_account_id=row.management_account_id,
        root_id=row.root_id,
        caller_account_id=account_id,
    )


def member_view(context: RequestContext) -> OrganizationView:
    """Return the caller's organization; any member may proceed."""
    caller = context.require_caller()
    view = organization_of_account(context.db, caller.account_id)
    if view is None:
        raise AWSOrganizationsNotInUseException()
    return view


def management_view(context: RequestContext) -> OrganizationView:
    """Return the caller's organization when the caller is its management account."""
    view = member_view(context)
    if not view.caller_is_management:
        raise AccessDeniedException(ACCESS_DENIED_MESSAGE)
    return view


def is_delegated_administrator(connection: Connection, account_id: str) -> bool:
    found = connection.execute(
        select(delegated_administrators.c.account_id)
        .where(delegated_administrators.c.account_id == account_id)
        .limit(1)
    ).first()
    return found is not None


def reader_view(context: RequestContext) -> OrganizationView:
    """Return the caller's organization when the caller may use read-only operations.

    That is the management account, a delegated administrator of any service, or a member account
    that the organization's resource policy allows the operation (`"Resource": "*"` statements
    only, because this check knows no resource ARN).
    """
    view = member_view(context)
    if view.caller_is_management or is_delegated_administrator(context.db, view.caller_account_id):
        return view
    return resource_policy_view(context, f"organizations:{context.operation}")


def resource_policy_view(
    context: RequestContext,
    action: str,
    resource_arns: Sequence[str] = (),
    policy_type: str | None = None,
) -> OrganizationView:
    """Return the caller's organization when the caller may perform `action` on the resources.

    That is the management account, or a member account that the organization's resource policy
    (PutResourcePolicy) allows `action` (`organizations:CreatePolicy` …) on every ARN of
    `resource_arns`, with `policy_type` as the `organizations:PolicyType` condition key.
    """
    view = member_view(context)
    if view.caller_is_management:
        return view
    content = context.db.execute(
        select(resource_policies.c.content).where(resource_policies.c.organization_id == view.id)
    ).scalar()
    if content is not None:
        caller = context.require_caller()
        request = Request(caller.account_id, caller.arn, action, resource_arns, policy_type)
        if allows(parse(content), request):
            return view
    raise AccessDeniedException(ACCESS_DENIED_MESSAGE)
