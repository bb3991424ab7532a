"""GetAccountAuthorizationDetails: every role and managed policy of the account with its documents.

The reply's four lists share one sequence of pages: roles first, then customer managed policies,
then the AWS managed policies that are in use in the account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from orgstack.services.iam import aws_managed, documents, policy_store, references, role_store
from orgstack.services.iam.managed_policies import Usage, policy_reply
from orgstack.services.iam.pagination import page
from orgstack.services.iam.roles import role_reply
from orgstack.services.registry import Params, RequestContext, Result, operation

ALL_FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


@operation("iam", "GetAccountAuthorizationDetails", read_only=True)
def get_account_authorization_details(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    filters = set(params.get("Filter") or ALL_FILTERS)
    usage = Usage(context.db, account_id)

    # Each entry is (sort key, list it belongs to, detail); keys keep the three kinds in order.
    entries: list[tuple[str, str, dict[str, Any]]] = []
    if "Role" in filters:
        for role in role_store.list_roles(context.db, account_id):
            detail = _role_detail(context.db, role)
            entries.append((f"1{role.name.lower()}", "RoleDetailList", detail))
    if "LocalManagedPolicy" in filters:
        for row in policy_store.list_policies(context.db, account_id):
            detail = _local_policy_detail(context.db, row, usage)
            entries.append((f"2{row.name.lower()}", "Policies", detail))
    if "AWSManagedPolicy" in filters:
        for shipped in aws_managed.all_policies().values():
            if usage.attached(shipped.arn) or usage.as_boundary(shipped.arn):
                detail = _aws_policy_detail(context.db, account_id, shipped, usage)
                entries.append((f"3{shipped.arn}", "Policies", detail))

    shown, paging = page(entries, params, lambda entry: entry[0])
    reply: dict[str, Any] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    for _, list_name, detail in shown:
        reply[list_name].append(detail)
    return {**reply, **paging}


def _role_detail(connection: Connection, role: role_store.RoleRow) -> dict[str, Any]:
    detail = role_reply(connection, role, details=True)
    detail.pop("Description", None)
    detail.pop("MaxSessionDuration", None)
    detail["RoleLastUsed"] = {}
    detail["InstanceProfileList"] = []
    detail["RolePolicyList"] = [
        {"PolicyName": name, "PolicyDocument": documents.encode(document)}
        for name, document in role_store.inline_policies(connection, role.account_id, role.name)
    ]
    attached = []
    for arn in role_store.attached_policy_arns(connection, role.account_id, role.name):
        policy = references.resolve(connection, role.account_id, arn)
        if policy is not None:
            attached.append({"PolicyName": policy.name, "PolicyArn": policy.arn})
    detail["AttachedManagedPolicies"] = attached
    return detail


def _local_policy_detail(
    connection: Connection, row: policy_store.PolicyRow, usage: Usage
) -> dict[str, Any]:
    detail = policy_reply(references.from_row(row), usage, description=True)
    detail["PolicyVersionList"] = [
        {
            "Document": documents.encode(version.document),
            "VersionId": version.version_id,
            "IsDefaultVersion": version.version_id == row.default_version_id,
            "CreateDate": version.created_at,
        }
        for version in policy_store.versions(connection, row.policy_id)
    ]
    return detail


def _aws_policy_detail(
    connection: Connection,
    account_id: str,
    shipped: aws_managed.AwsManagedPolicy,
    usage: Usage,
) -> dict[str, Any]:
    policy = references.resolve(connection, account_id, shipped.arn)
    assert policy is not None
    detail = policy_reply(policy, usage, description=True)
    detail["PolicyVersionList"] = [
        {
            "Document": documents.encode(shipped.document),
            "VersionId": shipped.default_version_id,
            "IsDefaultVersion": True,
            "CreateDate": shipped.version_created_at,
        }
    ]
    return detail
