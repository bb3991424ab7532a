"""The resource ARNs that sso-admin operations are authorized on (the `resources=` of each
operation).

IAM policies for Identity Center name the instance, the permission set and the account an action
touches (`arn:aws:sso:::instance/…`, `arn:aws:sso:::permissionSet/…/…`,
`arn:aws:sso:::account/<id>`), and a call must be allowed on each of them. These ARNs name no
account, so the authorizer checks them against the caller's own policies.
"""

from __future__ import annotations

from orgstack.services.registry import Params, RequestContext

ACCOUNT_ARN_PREFIX = "arn:aws:sso:::account/"


def account_arn(account_id: str) -> str:
    return f"{ACCOUNT_ARN_PREFIX}{account_id}"


def instance(context: RequestContext, params: Params) -> list[str]:
    return [str(params["InstanceArn"])]


def permission_set(context: RequestContext, params: Params) -> list[str]:
    return [str(params["InstanceArn"]), str(params["PermissionSetArn"])]


def assignment_target(context: RequestContext, params: Params) -> list[str]:
    """Return the instance, the permission set and the `TargetId` account of an assignment."""
    return [*permission_set(context, params), account_arn(str(params["TargetId"]))]


def assignments_in_account(context: RequestContext, params: Params) -> list[str]:
    return [*permission_set(context, params), account_arn(str(params["AccountId"]))]


def sets_in_account(context: RequestContext, params: Params) -> list[str]:
    return [str(params["InstanceArn"]), account_arn(str(params["AccountId"]))]


def provisioning_target(context: RequestContext, params: Params) -> list[str]:
    """Return the instance, the permission set and, for one account, that account."""
    arns = permission_set(context, params)
    if params.get("TargetId") is not None:
        arns.append(account_arn(str(params["TargetId"])))
    return arns


def tagged_resource(context: RequestContext, params: Params) -> list[str]:
    """Return the tagged resource, and the instance when the request names it."""
    arns = [str(params["ResourceArn"])]
    if params.get("InstanceArn") is not None and params["InstanceArn"] != params["ResourceArn"]:
        arns.insert(0, str(params["InstanceArn"]))
    return arns
