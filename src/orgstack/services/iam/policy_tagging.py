"""Tags of managed policies: TagPolicy, UntagPolicy and ListPolicyTags.

Only customer managed policies carry tags; an AWS managed policy lists none and cannot be tagged.
"""

from __future__ import annotations

from orgstack.services.iam import policy_store, resources, tags
from orgstack.services.iam.managed_policies import require_customer_policy, require_policy
from orgstack.services.iam.pagination import page
from orgstack.services.registry import Params, RequestContext, Result, operation


@operation("iam", "TagPolicy", read_only=False, resources=resources.policy)
def tag_policy(context: RequestContext, params: Params) -> Result:
    _, stored = require_customer_policy(context, params["PolicyArn"])
    added = tags.from_params(params["Tags"])
    tags.check_count(policy_store.policy_tags(context.db, stored.policy_id), added)
    policy_store.put_policy_tags(context.db, stored.policy_id, added)
    return {}


@operation("iam", "UntagPolicy", read_only=False, resources=resources.policy)
def untag_policy(context: RequestContext, params: Params) -> Result:
    _, stored = require_customer_policy(context, params["PolicyArn"])
    policy_store.remove_policy_tags(context.db, stored.policy_id, list(params["TagKeys"]))
    return {}


@operation("iam", "ListPolicyTags", read_only=True, resources=resources.policy)
def list_policy_tags(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    policy = require_policy(context.db, account_id, params["PolicyArn"])
    policy_tags = (
        [] if policy.aws_managed else policy_store.policy_tags(context.db, policy.policy_id)
    )
    selected, paging = page(policy_tags, params, lambda tag: tag[0].lower())
    return {"Tags": tags.to_reply(selected), **paging}
