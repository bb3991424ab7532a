"""Identity Store operations on the stores themselves: DescribeIdentityStore, ListIdentityStores,
UpdateIdentityStore.

ListIdentityStores returns the stores of the instances the caller administers: its own account
instance and, for the management account or a delegated administrator, the organization's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from orgstack import identity_center
from orgstack.identity_center import Instance
from orgstack.services.identitystore import pagination
from orgstack.services.identitystore.access import administered_store
from orgstack.services.registry import Params, RequestContext, Result, operation

NETWORK_SETTING = "identity_store_network"


@operation("identitystore", "DescribeIdentityStore", read_only=True)
def describe_identity_store(context: RequestContext, params: Params) -> Result:
    instance = administered_store(context, params["IdentityStoreId"])
    view = _view(instance)
    network = instance.settings.get(NETWORK_SETTING)
    if network is not None:
        view["NetworkConfiguration"] = network
    return view


@operation("identitystore", "ListIdentityStores", read_only=True)
def list_identity_stores(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    instances = sorted(
        identity_center.instances_for(context.db, account_id),
        key=lambda item: item.identity_store_id,
    )
    scope = pagination.scope_of("ListIdentityStores", account_id)
    after = pagination.decode_token(context, scope, params.get("NextToken"))
    if after is not None:
        instances = [item for item in instances if item.identity_store_id > after]
    size = pagination.page_size(params)
    count, token = pagination.next_token(
        context, scope, [item.identity_store_id for item in instances], size
    )
    result: dict[str, Any] = {"IdentityStores": [_view(item) for item in instances[:count]]}
    if token is not None:
        result["NextToken"] = token
    return result


@operation("identitystore", "UpdateIdentityStore", read_only=False)
def update_identity_store(context: RequestContext, params: Params) -> Result:
    """Save the network configuration, which DescribeIdentityStore returns."""
    instance = administered_store(context, params["IdentityStoreId"])
    network = params.get("NetworkConfiguration")
    if network is not None:
        # NOTE: orgstack stores the VPC endpoint and source IP restrictions but does not enforce
        # them on calls to the store.
        settings = {**instance.settings, NETWORK_SETTING: network}
        identity_center.save_instance(context.db, dataclasses.replace(instance, settings=settings))
    return _view(instance)


def _view(instance: Instance) -> dict[str, Any]:
    return {
        "IdentityStoreId": instance.identity_store_id,
        "IdentityStoreArn": instance.identity_store_arn,
    }
