"""Which identity store a call addresses, and whether the caller may use it.

The identity store of the organization instance is managed from the management account or from a
delegated administrator for sso.amazonaws.com. The store of an account instance is managed from
the account that owns it. Any other caller gets AccessDeniedException, also for a store that does
not exist, so that a caller cannot learn which store ids exist in other accounts.
"""

from __future__ import annotations

import uuid

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.services.identitystore.errors import AccessDeniedException
from orgstack.services.registry import RequestContext

STORE_ARN_MARKER = ":identitystore/"
RESOURCE_ARN_PREFIX = "arn:aws:identitystore:::"


def store_id_of(value: str) -> str:
    """Return the store id of an `IdentityStoreId` parameter, which may also be the store's ARN."""
    if STORE_ARN_MARKER in value:
        return value.rsplit("/", 1)[-1]
    return value


def resource_id_of(value: str) -> str:
    """Return the id of a `ResourceId` parameter, which may also be a user, group or membership
    ARN."""
    if value.startswith("arn:"):
        return value.rsplit("/", 1)[-1]
    return value


def resource_arn(kind: str, resource_id: str) -> str:
    """Return the ARN of a user, group or membership (`kind` is `user`, `group`, `membership`)."""
    return f"{RESOURCE_ARN_PREFIX}{kind}/{resource_id}"


def new_resource_id(store_id: str) -> str:
    """Return a new user, group or membership id: the store's 10 hex digits, `-`, a UUID."""
    return f"{store_id.removeprefix('d-')}-{uuid.uuid4()}"


def administered_store(context: RequestContext, parameter: str) -> Instance:
    """Return the instance whose identity store `parameter` names, if the caller may manage it.

    Raises AccessDeniedException otherwise.
    """
    caller = context.require_caller()
    store_id = store_id_of(parameter)
    instance = identity_center.find_by_store(context.db, store_id)
    if instance is not None and identity_center.may_administer(
        context.db, instance, caller.account_id
    ):
        context.audit.recipient_account_id = instance.owner_account_id
        return instance

    owner = instance.owner_account_id if instance is not None else caller.account_id
    resource = identity_center.identity_store_arn(owner, store_id)
    # NOTE: this is the text of an IAM denial; AWS does not document the message it sends when
    # the store belongs to an instance the caller's account does not administer.
    raise AccessDeniedException(
        f"User: {caller.arn} is not authorized to perform: "
        f"identitystore:{context.operation} on resource: {resource}"
    )
