"""The one declaration of every operation orgstack serves.

A declaration names the handler, the IAM action it is authorized as, how its resource ARNs are
derived, whether it only reads, and the request parameters not honoured yet. The server, the
authorizer and the generated coverage page all read these declarations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from orgstack.auth.principals import Principal
from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.secrets_at_rest import SecretBox
from orgstack.services.invalidation import EVERYTHING, Invalidation

Params = dict[str, Any]
Result = dict[str, Any]

SIGV4 = "sigv4"
BEARER = "bearer"
NONE = "none"


@dataclass
class AuditNotes:
    """What a handler adds to its call's CloudTrail event beyond the request and reply."""

    resources: list[tuple[str, str]] = field(default_factory=list)
    additional_event_data: dict[str, Any] = field(default_factory=dict)
    # Replaces the reply in `responseElements`, for replies that hold secrets.
    response_elements: dict[str, Any] | None = None
    recipient_account_id: str | None = None


@dataclass
class RequestContext:
    """Everything a handler may use: the caller, the open transaction and the server's services."""

    request_id: str
    service: str
    operation: str
    caller: Principal | None
    db: Connection
    clock: Clock
    settings: Settings
    box: SecretBox
    region: str
    source_ip: str
    user_agent: str
    audit: AuditNotes = field(default_factory=AuditNotes)
    # The cached authorization facts that this call's change can make stale, once it commits.
    invalidation: Invalidation = EVERYTHING

    def now(self) -> dt.datetime:
        return self.clock.now()

    def require_caller(self) -> Principal:
        if self.caller is None:
            raise RuntimeError(f"{self.operation} is declared signed but ran without a caller")
        return self.caller


Handler = Callable[[RequestContext, Params], Result]
ResourceDeriver = Callable[[RequestContext, Params], list[str]]


@dataclass(frozen=True)
class OperationSpec:
    service: str
    name: str
    handler: Handler
    action: str
    read_only: bool
    auth: str = SIGV4
    resources: ResourceDeriver | None = None
    not_honoured: tuple[str, ...] = ()
    notes: str = ""


REGISTRY: dict[tuple[str, str], OperationSpec] = {}


def operation(
    service: str,
    name: str,
    *,
    read_only: bool,
    action: str | None = None,
    auth: str = SIGV4,
    resources: ResourceDeriver | None = None,
    not_honoured: tuple[str, ...] = (),
    notes: str = "",
) -> Callable[[Handler], Handler]:
    """Register `handler` as the implementation of `service`'s operation `name`.

    `action` defaults to `<signing name>:<name>`, which is right for most AWS operations.
    """

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in REGISTRY:
            raise RuntimeError(f"operation {service}.{name} is registered twice")
        REGISTRY[key] = OperationSpec(
            service=service,
            name=name,
            handler=handler,
            action=action or f"{_action_prefix(service)}:{name}",
            read_only=read_only,
            auth=auth,
            resources=resources,
            not_honoured=not_honoured,
            notes=notes,
        )
        return handler

    return register


def _action_prefix(service: str) -> str:
    prefixes = {"sso-admin": "sso", "sso-oidc": "sso-oauth"}
    return prefixes.get(service, service)


def find(service: str, name: str) -> OperationSpec | None:
    return REGISTRY.get((service, name))


def load_all() -> None:
    """Import every service package so that its operations register themselves."""
    from orgstack.services import catalog

    catalog.import_services()
