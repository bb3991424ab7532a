"""AWS STS operations."""

from __future__ import annotations

from orgstack.services.registry import Params, RequestContext, Result, operation


@operation("sts", "GetCallerIdentity", read_only=True)
def get_caller_identity(context: RequestContext, params: Params) -> Result:
    caller = context.require_caller()
    return {"UserId": caller.principal_id, "Account": caller.account_id, "Arn": caller.arn}
