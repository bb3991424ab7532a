"""The IAM actions, resources and condition keys of the STS operations (Service Authorization
Reference, "Actions, resources, and condition keys for AWS Security Token Service").

AssumeRole is authorized as `sts:AssumeRole` on the role, checked against the role's trust policy
as well as the caller's policies, with `sts:TagSession` when the new session gets tags and
`sts:SetSourceIdentity` when it gets a source identity. GetCallerIdentity needs no permission and
no policy can deny it (STS API Reference, GetCallerIdentity). The other operations have no resource
type and are authorized on `"*"` as their own action.
"""

from __future__ import annotations

from collections.abc import Sequence

from orgstack.authorize.actions import (
    CallerOrganization,
    Check,
    Target,
    authorizes,
    exempt,
    request_tag_keys,
)
from orgstack.policy.request import ContextValue
from orgstack.services.registry import Params, RequestContext
from orgstack.services.sts.roles import find_role

exempt("sts", "GetCallerIdentity")


@authorizes("sts", "AssumeRole")
def assume_role_checks(
    context: RequestContext, params: Params, organization: CallerOrganization | None
) -> Sequence[Check]:
    role_arn = str(params["RoleArn"])
    role = find_role(context.db, role_arn)
    if role is None:
        target = Target(role_arn, missing=True)
    else:
        target = Target(role.arn, trust_policy=role.trust_policy)

    keys: dict[str, ContextValue] = {"sts:RoleSessionName": str(params["RoleSessionName"])}
    if params.get("ExternalId") is not None:
        keys["sts:ExternalId"] = str(params["ExternalId"])
    if params.get("SourceIdentity") is not None:
        keys["sts:SourceIdentity"] = str(params["SourceIdentity"])
    if params.get("TransitiveTagKeys"):
        keys["sts:TransitiveTagKeys"] = [str(key) for key in params["TransitiveTagKeys"]]
    keys.update(request_tag_keys(params))

    checks = [Check("sts:AssumeRole", target, keys, reason_in_message=False)]
    caller = context.caller
    inherits_tags = (
        caller is not None
        and caller.session is not None
        and bool(caller.session.transitive_tag_keys)
    )
    if params.get("Tags") or inherits_tags:
        checks.append(Check("sts:TagSession", target, keys, reason_in_message=False))
    if params.get("SourceIdentity") is not None:
        checks.append(Check("sts:SetSourceIdentity", target, keys, reason_in_message=False))
    return checks
