"""The Describe…Status and List…Status operations share these steps: find one request of a kind,
or page through the requests of a kind with an optional status filter."""

from __future__ import annotations

from orgstack.identity_center import Instance
from orgstack.services.registry import Params, RequestContext, Result
from orgstack.services.sso_admin import access, request_statuses
from orgstack.services.sso_admin.errors import ResourceNotFoundException
from orgstack.services.sso_admin.request_statuses import RequestStatus


def require_request(
    context: RequestContext, instance: Instance, kind: str, request_id: str
) -> RequestStatus:
    """Return the instance's request of `kind`; raise ResourceNotFoundException if absent."""
    found = request_statuses.find_of_kind(context.db, instance.instance_arn, kind, request_id)
    if found is None:
        # NOTE: AWS does not document this message; it names the request that was not found.
        raise ResourceNotFoundException(f"Request {request_id} not found.")
    return found


def list_requests(context: RequestContext, params: Params, kind: str, result_key: str) -> Result:
    """Page through the instance's requests of `kind`, oldest first."""
    instance = access.permission_set_instance(context, params["InstanceArn"])
    status_filter = (params.get("Filter") or {}).get("Status")
    found = request_statuses.list_of_kind(context.db, instance.instance_arn, kind, status_filter)
    scope = (kind, instance.instance_arn, status_filter)
    selected, token = access.page(context, params, scope, found, _sort_key)
    return access.with_token({result_key: [item.metadata() for item in selected]}, token)


def _sort_key(status: RequestStatus) -> str:
    return f"{status.created_at.isoformat()}|{status.request_id}"
