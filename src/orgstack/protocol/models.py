"""Access to the botocore service models that serve as orgstack's request and reply schema."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session


@dataclass(frozen=True)
class ServiceSpec:
    """How one AWS service is reached on the wire.

    `name` is botocore's client name (``sso-admin``), `protocol` is the model's protocol and
    `target_prefixes` are the X-Amz-Target prefixes that JSON clients send.
    """

    name: str
    protocol: str
    signing_name: str
    target_prefixes: tuple[str, ...]
    api_version: str


@cache
def _session() -> Any:
    return botocore.session.get_session()


@cache
def service_model(name: str) -> Any:
    """Return botocore's ``ServiceModel`` for `name`, loaded once per process."""
    return _session().get_service_model(name)


@cache
def service_spec(name: str) -> ServiceSpec:
    model = service_model(name)
    prefixes: tuple[str, ...] = ()
    target_prefix = model.metadata.get("targetPrefix")
    if target_prefix:
        # The JavaScript SDK v3 drops the namespace that botocore keeps in CloudTrail's prefix
        # (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`), so both forms are accepted.
        short = target_prefix.rsplit(".", 1)[-1]
        prefixes = (target_prefix,) if short == target_prefix else (target_prefix, short)
    return ServiceSpec(
        name=name,
        protocol=model.protocol,
        signing_name=model.signing_name,
        target_prefixes=prefixes,
        api_version=model.api_version,
    )


def error_status(service: str, code: str) -> int | None:
    """Return the HTTP status that the model gives the error shape `code`, if it has one."""
    model = service_model(service)
    try:
        shape = model.shape_for(code)
    except Exception:  # botocore raises its own NoShapeFoundError
        return None
    error = shape.metadata.get("error") or {}
    status = error.get("httpStatusCode")
    return int(status) if status is not None else None
