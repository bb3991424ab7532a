"""The identity-based policies and permissions boundary that apply to a role, for authorization."""

from __future__ import annotations

from sqlalchemy import Connection

from orgstack.services.iam import references, role_store

# Stands in for a boundary whose policy can no longer be found, so that the role fails closed
# instead of losing its boundary.
DENY_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'


def identity_policies_for_role(
    connection: Connection, account_id: str, role_name: str
) -> tuple[list[tuple[str, str]], str | None]:
    """Return the role's identity policies and its permissions boundary document.

    The policies are (reference, document) pairs: inline policies by name, then attached managed
    policies (customer managed at their default version, and AWS managed) by ARN. The boundary is
    None when the role has none, and denies everything when its policy is missing. A role that
    does not exist has no policies: ([], None).
    """
    role = role_store.find_role(connection, account_id, role_name)
    if role is None:
        return [], None

    policies = list(role_store.inline_policies(connection, account_id, role.name))
    for arn in role_store.attached_policy_arns(connection, account_id, role.name):
        document = references.default_document(connection, account_id, arn)
        if document is not None:
            policies.append((arn, document))

    boundary = None
    if role.permissions_boundary_arn is not None:
        boundary = references.default_document(
            connection, account_id, role.permissions_boundary_arn
        )
        boundary = boundary if boundary is not None else DENY_ALL
    return policies, boundary
