"""Removal of the access that account and application assignments give a user or group.

IAM Identity Center removes a user's or group's access to AWS accounts and applications when the
user or group is deleted (IAM Identity Center user guide, "Delete users in IAM Identity Center").
Removing the last assignment of a permission set in an account also removes the set's
AWSReservedSSO_* role there, as DeleteAccountAssignment does.
"""

from __future__ import annotations

from sqlalchemy import Connection

from orgstack.services.sso_admin import application_store, assignment_store, role_provisioning
from orgstack.services.sso_admin.assignment_store import Assignment


def remove_assignment(connection: Connection, assignment: Assignment) -> bool:
    """Delete the assignment and, when it was the set's last one in the account, the set's role.

    Returns False when the assignment did not exist.
    """
    if assignment_store.delete_assignment(connection, assignment) == 0:
        return False
    remaining = assignment_store.count_for_account_and_set(
        connection, assignment.account_id, assignment.permission_set_arn
    )
    if remaining == 0:
        role_provisioning.deprovision(
            connection, assignment.permission_set_arn, assignment.account_id
        )
    return True


def remove_principal_access(
    connection: Connection, instance_arn: str, principal_type: str, principal_id: str
) -> None:
    """Delete every account and application assignment of the user or group in the instance."""
    for assignment in assignment_store.for_principal(
        connection, instance_arn, principal_type, principal_id, None
    ):
        remove_assignment(connection, assignment)

    for record in application_store.in_instance(
        connection, application_store.ASSIGNMENT, instance_arn
    ):
        if (record.record["PrincipalType"], record.record["PrincipalId"]) == (
            principal_type,
            principal_id,
        ):
            application_store.remove(connection, application_store.ASSIGNMENT, record.key)
