"""The resource ARNs that IAM operations are authorized on (the `resources=` of each operation).

The Service Authorization Reference gives role actions the role's ARN and policy actions the
policy's ARN. A role's ARN contains its path, so the stored role supplies it. A role that does not
exist gets the path the request names, else `/`.
"""

from __future__ import annotations

from orgstack import ids
from orgstack.services.iam import aws_managed, role_store
from orgstack.services.registry import Params, RequestContext

# NOTE: the condition keys IAM adds for some actions (iam:PolicyARN, iam:PermissionsBoundary) are
# not derived, so policies that test them see the keys as absent.


def role(context: RequestContext, params: Params) -> list[str]:
    account_id = context.require_caller().account_id
    name = str(params["RoleName"])
    stored = role_store.find_role(context.db, account_id, name)
    if stored is not None:
        return [stored.arn]
    return [ids.role_arn(account_id, str(params.get("Path", "/")), name)]


def new_policy(context: RequestContext, params: Params) -> list[str]:
    account_id = context.require_caller().account_id
    path = str(params.get("Path", "/"))
    return [f"arn:aws:iam::{account_id}:policy{path}{params['PolicyName']}"]


def policy(context: RequestContext, params: Params) -> list[str]:
    arn = str(params["PolicyArn"])
    if aws_managed.is_aws_arn(arn):
        # NOTE: an AWS managed policy's ARN names the account `aws`, which the authorizer would
        # treat as another account and deny. IAM lets every account read and attach these
        # policies, so they are authorized on `*` until the authorizer can mark a resource as
        # belonging to the caller's account from a `resources=` function.
        return []
    return [arn]
