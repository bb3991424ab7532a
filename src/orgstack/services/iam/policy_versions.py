"""Versions of managed policies: IAM keeps up to five per customer managed policy.

Version ids count up from v1 and are never reused, even after a version is deleted. AWS managed
policies expose only their default version here (orgstack ships no older ones).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgstack.policy import PolicyKind
from orgstack.services.iam import aws_managed, documents, policy_store, resources
from orgstack.services.iam.errors import (
    DeleteConflictException,
    LimitExceededException,
    NoSuchEntityException,
)
from orgstack.services.iam.managed_policies import (
    check_policy_size,
    require_customer_policy,
    require_policy,
)
from orgstack.services.iam.pagination import page
from orgstack.services.registry import Params, RequestContext, Result, operation

VERSION_QUOTA = 5


def _version_reply(
    version_id: str, created_at: dt.datetime, default: bool, document: str | None
) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "VersionId": version_id,
        "IsDefaultVersion": default,
        "CreateDate": created_at,
    }
    if document is not None:
        reply["Document"] = documents.encode(document)
    return reply


def _no_such_version(arn: str, version_id: str) -> NoSuchEntityException:
    # NOTE: the wording of IAM's message for a missing version is not confirmed against AWS.
    return NoSuchEntityException(
        f"Policy {arn} version {version_id} does not exist or is not attachable."
    )


@operation("iam", "GetPolicyVersion", read_only=True, resources=resources.policy)
def get_policy_version(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    arn = params["PolicyArn"]
    version_id = params["VersionId"]
    policy = require_policy(context.db, account_id, arn)

    if policy.aws_managed:
        shipped = aws_managed.find(arn)
        if shipped is None or version_id != shipped.default_version_id:
            raise _no_such_version(arn, version_id)
        reply = _version_reply(version_id, shipped.version_created_at, True, shipped.document)
        return {"PolicyVersion": reply}

    version = policy_store.find_version(context.db, policy.policy_id, version_id)
    if version is None:
        raise _no_such_version(arn, version_id)
    default = version_id == policy.default_version_id
    reply = _version_reply(version_id, version.created_at, default, version.document)
    return {"PolicyVersion": reply}


@operation("iam", "ListPolicyVersions", read_only=True, resources=resources.policy)
def list_policy_versions(context: RequestContext, params: Params) -> Result:
    account_id = context.require_caller().account_id
    arn = params["PolicyArn"]
    policy = require_policy(context.db, account_id, arn)

    if policy.aws_managed:
        shipped = aws_managed.find(arn)
        assert shipped is not None
        entries = [
            _version_reply(shipped.default_version_id, shipped.version_created_at, True, None)
        ]
    else:
        entries = [
            _version_reply(
                version.version_id,
                version.created_at,
                version.version_id == policy.default_version_id,
                None,
            )
            for version in policy_store.versions(context.db, policy.policy_id)
        ]
    # Newest first, as IAM lists them; the marker key keeps that order by padding the number.
    shown, paging = page(entries, params, lambda entry: _descending_key(entry["VersionId"]))
    return {"Versions": shown, **paging}


def _descending_key(version_id: str) -> str:
    return f"{10**9 - int(version_id.removeprefix('v')):010d}"


@operation("iam", "CreatePolicyVersion", read_only=False, resources=resources.policy)
def create_policy_version(context: RequestContext, params: Params) -> Result:
    _, stored = require_customer_policy(context, params["PolicyArn"])
    document = params["PolicyDocument"]
    check_policy_size(document)
    documents.check(document, PolicyKind.IDENTITY)
    if len(policy_store.versions(context.db, stored.policy_id)) >= VERSION_QUOTA:
        raise LimitExceededException(
            f"A managed policy can have up to {VERSION_QUOTA} versions. Before you create a new "
            "version, you must delete an existing version."
        )

    now = context.now()
    version_id = f"v{stored.next_version_number}"
    policy_store.insert_version(context.db, stored.policy_id, version_id, document, now)
    values: dict[str, object] = {"next_version_number": stored.next_version_number + 1}
    default = bool(params.get("SetAsDefault", False))
    if default:
        values["default_version_id"] = version_id
        values["updated_at"] = now
    policy_store.update_policy(context.db, stored.policy_id, **values)
    return {"PolicyVersion": _version_reply(version_id, now, default, None)}


@operation("iam", "DeletePolicyVersion", read_only=False, resources=resources.policy)
def delete_policy_version(context: RequestContext, params: Params) -> Result:
    policy, stored = require_customer_policy(context, params["PolicyArn"])
    version_id = params["VersionId"]
    if policy_store.find_version(context.db, stored.policy_id, version_id) is None:
        raise _no_such_version(policy.arn, version_id)
    if version_id == stored.default_version_id:
        raise DeleteConflictException("Cannot delete the default version of a policy.")
    policy_store.delete_version(context.db, stored.policy_id, version_id)
    return {}


@operation("iam", "SetDefaultPolicyVersion", read_only=False, resources=resources.policy)
def set_default_policy_version(context: RequestContext, params: Params) -> Result:
    policy, stored = require_customer_policy(context, params["PolicyArn"])
    version_id = params["VersionId"]
    if policy_store.find_version(context.db, stored.policy_id, version_id) is None:
        raise _no_such_version(policy.arn, version_id)
    policy_store.update_policy(
        context.db, stored.policy_id, default_version_id=version_id, updated_at=context.now()
    )
    return {}
