"""One AWS API call from bytes to bytes.

The steps: route, parse, authenticate, validate, run the handler, record the audit event, reply.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from orgstack import ids
from orgstack.audit.events import (
    AuditEvent,
    CallFacts,
    api_call_event,
    camel_keys,
    redact,
    sensitive_mask,
)
from orgstack.audit.writer import AuditWriter
from orgstack.auth import sigv4
from orgstack.auth.credentials import KeyCache, find_key
from orgstack.auth.errors import SigV4Error, WireProtocol, WrongServiceScopeError
from orgstack.auth.principals import Principal
from orgstack.authorize import Authorizer
from orgstack.authorize.cache import VERSIONED_SERVICES, VersionChange, replace_version
from orgstack.authorize.errors import ENCODED_MESSAGE_HEADER, AccessDeniedException
from orgstack.clock import Clock
from orgstack.config import Settings
from orgstack.protocol import json11, query, restjson
from orgstack.protocol.errors import AwsError, InternalFailure, UnknownOperationException
from orgstack.protocol.models import service_model
from orgstack.protocol.validate import validate
from orgstack.protocol.wire import HttpRequest, HttpResponse
from orgstack.secrets_at_rest import SecretBox
from orgstack.server.routing import JSON, QUERY, REST_JSON, Route, route
from orgstack.services import registry, validation
from orgstack.services.registry import BEARER, SIGV4, OperationSpec, RequestContext
from orgstack.services.sso_portal import bearer
from orgstack.store.db import Database

log = logging.getLogger("orgstack.server")

GLOBAL_SERVICES = frozenset({"organizations", "iam"})
DEFAULT_REGION = "us-east-1"


@dataclass
class CallOutcome:
    """The facts of a finished call that its request log line reports."""

    service: str
    operation: str
    status: int
    caller_account: str | None
    request_id: str


class AuthenticationFailed(Exception):
    def __init__(self, error: SigV4Error) -> None:
        super().__init__(error.message)
        self.error = error


class Pipeline:
    """Runs AWS API calls against the store. Thread-safe: each call opens its own transaction."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        box: SecretBox,
        audit: AuditWriter,
        services: tuple[str, ...],
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.box = box
        self.audit = audit
        self.services = services
        self.keys = KeyCache()
        self.authorizer = Authorizer(box)

    def handle(self, request: HttpRequest) -> tuple[HttpResponse, CallOutcome]:
        """Handle one request. Raises `UnroutableRequest` when it is for no AWS service."""
        request_id = ids.request_id()
        started = time.perf_counter()

        try:
            call_route = route(request, self.services)
        except AwsError as failure:
            protocol = JSON if "x-amz-target" in request.headers else QUERY
            service = "organizations" if protocol == JSON else "sts"
            response = _render_error(service, protocol, "", failure, request_id)
            log.info(
                "rejected unroutable request status=%d request_id=%s error=%s",
                response.status,
                request_id,
                failure.code,
            )
            return response, CallOutcome("-", "-", response.status, None, request_id)

        response, caller = self._handle_routed(request, call_route, request_id)
        outcome = CallOutcome(
            call_route.service,
            call_route.operation,
            response.status,
            caller.account_id if caller else None,
            request_id,
        )
        log.info(
            "request service=%s operation=%s status=%d latency_ms=%.2f request_id=%s account=%s",
            outcome.service,
            outcome.operation,
            outcome.status,
            (time.perf_counter() - started) * 1000,
            request_id,
            outcome.caller_account or "-",
        )
        return response, outcome

    def _handle_routed(
        self, request: HttpRequest, call_route: Route, request_id: str
    ) -> tuple[HttpResponse, Principal | None]:
        service, operation = call_route.service, call_route.operation
        operation_model = service_model(service).operation_model(operation)
        spec = registry.find(service, operation)
        caller: Principal | None = None
        region = DEFAULT_REGION
        params: dict[str, Any] | None = None

        try:
            if spec is None:
                raise UnknownOperationException(f"orgstack does not implement {operation} yet.")
            params = _parse_params(request, call_route, operation_model)
            if spec.auth == SIGV4:
                caller, region = self._authenticate(request, service_model(service).signing_name)
            elif spec.auth == BEARER:
                caller = self._authenticate_bearer(params)
            violations = validate(operation_model.input_shape, params)
            if violations:
                raise validation.error_for(service, violations)
            result = self._run(spec, request, params, caller, region, request_id)
        except AuthenticationFailed as failed:
            log.info(
                "authentication failed service=%s operation=%s request_id=%s error=%s",
                service,
                operation,
                request_id,
                type(failed.error).__name__,
            )
            return _render_auth_error(call_route.protocol, failed.error, request_id, service), None
        except AwsError as failure:
            log.info(
                "request failed service=%s operation=%s request_id=%s error=%s",
                service,
                operation,
                request_id,
                failure.code,
            )
            if spec is not None:
                call = _Call(spec, request, caller, region, request_id)
                self._record_failure(call, params, failure)
            response = _render_error(service, call_route.protocol, operation, failure, request_id)
            if isinstance(failure, AccessDeniedException) and failure.encoded_message:
                response.headers.append((ENCODED_MESSAGE_HEADER, failure.encoded_message))
            return response, caller
        except Exception:
            log.exception(
                "unexpected failure service=%s operation=%s request_id=%s",
                service,
                operation,
                request_id,
            )
            internal = InternalFailure()
            if spec is not None:
                call = _Call(spec, request, caller, region, request_id)
                self._record_failure(call, params, internal)
            return _render_error(
                service, call_route.protocol, operation, internal, request_id
            ), caller

        return _render_success(
            call_route.protocol, service, operation_model, result, request_id
        ), caller

    def _authenticate(self, request: HttpRequest, signing_name: str) -> tuple[Principal, str]:
        parts = sigv4.HttpRequestParts(
            method=request.method,
            raw_path=request.path,
            raw_query=request.query_string,
            headers=request.raw_headers,
            body=request.body,
        )
        principals: dict[str, Principal] = {}

        def lookup(access_key_id: str) -> sigv4.SigningKey | None:
            stored = self.keys.get(access_key_id)
            if stored is None:
                with self.database.transaction(write=False) as connection:
                    stored = find_key(connection, self.box, access_key_id)
                if stored is None:
                    return None
                self.keys.put(stored)
            principals[access_key_id] = stored.principal
            return sigv4.SigningKey(
                secret_access_key=stored.secret_access_key,
                principal_id=stored.principal.principal_id,
                session_token=stored.session_token,
                expiration=_wall_clock_expiry(stored.expires_at, self.clock),
            )

        try:
            # Signatures are checked against the wall clock, because clients sign with theirs.
            verified = sigv4.verify(parts, lookup, dt.datetime.now(dt.UTC))
        except SigV4Error as error:
            raise AuthenticationFailed(error) from None
        # A signature scoped to another service must not be accepted here.
        if verified.service != signing_name:
            raise AuthenticationFailed(WrongServiceScopeError(signing_name))
        return principals[verified.access_key_id], verified.region

    def _authenticate_bearer(self, params: dict[str, Any]) -> Principal:
        """Return the Identity Center user of the call's bearer token (the access portal API).

        Raises the portal's UnauthorizedException for a missing, expired or revoked token.
        """
        token = params.get("accessToken")
        with self.database.transaction(write=False) as connection:
            session = bearer.authenticate(connection, token, self.clock.now())
        return bearer.principal(session)

    def _run(
        self,
        spec: OperationSpec,
        request: HttpRequest,
        params: dict[str, Any],
        caller: Principal | None,
        region: str,
        request_id: str,
    ) -> dict[str, Any]:
        call = _Call(spec, request, caller, region, request_id)
        region = call.event_region
        user_agent = call.user_agent
        request_parameters = _request_parameters(spec, params)

        def facts(context: RequestContext) -> CallFacts:
            return self._facts(call, context.audit.recipient_account_id)

        kept_failures: list[AwsError] = []

        def work(connection: Connection) -> tuple[dict[str, Any], AuditEvent, VersionChange | None]:
            context = RequestContext(
                request_id=request_id,
                service=spec.service,
                operation=spec.name,
                caller=caller,
                db=connection,
                clock=self.clock,
                settings=self.settings,
                box=self.box,
                region=region,
                source_ip=request.client_ip,
                user_agent=user_agent,
            )
            try:
                # Authorized inside the handler's transaction, so the decision and the handler
                # read the same state of the store.
                self.authorizer.authorize(context, spec, params, request.headers)
                result = spec.handler(context, params)
            except AwsError as failure:
                failed_event = api_call_event(
                    facts(context),
                    request_parameters,
                    None,
                    failure.code,
                    failure.message,
                    additional_event_data=context.audit.additional_event_data,
                    resources=context.audit.resources,
                )
                failure.__dict__["audit_event"] = failed_event
                if not getattr(failure, "keeps_changes", False):
                    raise
                # The failure's writes (a device-code poll's time, a revocation) must persist, so
                # the transaction commits and the failure is raised after it.
                kept_failures.append(failure)
                return {}, failed_event, None
            response_elements = context.audit.response_elements
            # Read-only events carry no reply (CloudTrail leaves responseElements null for them), so
            # the reply is only redacted for calls that change state.
            if response_elements is None and not spec.read_only:
                mask = sensitive_mask(spec.service)
                response_elements = camel_keys(redact(_output_shape(spec), result, mask)) or None
            event = api_call_event(
                facts(context),
                request_parameters,
                response_elements,
                additional_event_data=context.audit.additional_event_data,
                resources=context.audit.resources,
            )
            change: VersionChange | None = None
            if not spec.read_only:
                self.audit.write(connection, event)
                if spec.service in VERSIONED_SERVICES and context.invalidation.changes_anything:
                    # Cached policy layers are stale once this commits: on this server those in
                    # the change's scope, on other replicas all of them.
                    previous, version = replace_version(connection)
                    change = VersionChange(previous, version, context.invalidation)
            return result, event, change

        if spec.read_only:
            with self.database.transaction(write=False) as connection:
                result, event, change = work(connection)
        else:
            # On SQLite, concurrent writes share one commit, and each reply is sent after it.
            result, event, change = self.database.run_write(work)
        if change is not None:
            self.authorizer.apply_change(change)
        if kept_failures:
            raise kept_failures[0]
        if spec.read_only:
            self.audit.enqueue(event)
        return result

    def call_as(
        self, caller: Principal, service: str, operation: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Run an operation in-process as `caller`, with validation and an audit event.

        Used by the server itself (the example organization), so that it goes through the same
        rules as a client's call. Raises the operation's AwsError on failure.
        """
        spec = registry.find(service, operation)
        if spec is None:
            raise UnknownOperationException(f"orgstack does not implement {operation} yet.")
        operation_model = service_model(service).operation_model(operation)
        violations = validate(operation_model.input_shape, params)
        if violations:
            raise validation.error_for(service, violations)
        internal = HttpRequest("POST", "/", "", {"user-agent": "orgstack"}, [], b"", "127.0.0.1")
        request_id = ids.request_id()
        try:
            return self._run(spec, internal, params, caller, DEFAULT_REGION, request_id)
        except AwsError as failure:
            call = _Call(spec, internal, caller, DEFAULT_REGION, request_id)
            self._record_failure(call, params, failure)
            raise

    def _facts(self, call: _Call, recipient_account_id: str | None = None) -> CallFacts:
        caller = call.caller
        return CallFacts(
            service=call.spec.service,
            operation=call.spec.name,
            region=call.event_region,
            source_ip=call.request.client_ip,
            user_agent=call.user_agent,
            request_id=call.request_id,
            read_only=call.spec.read_only,
            caller=caller,
            event_time=self.clock.now(),
            recipient_account_id=recipient_account_id or (caller.account_id if caller else None),
        )

    def _record_failure(
        self, call: _Call, params: dict[str, Any] | None, failure: AwsError
    ) -> None:
        """Record the event of a failed call.

        A failure inside the handler carries its event (built with the handler's audit notes).
        A failure before it (input validation) gets one here, but only once the caller is known,
        because CloudTrail records no event of a request that failed authentication.
        """
        event = failure.__dict__.get("audit_event")
        if event is None and call.caller is not None:
            request_parameters = _request_parameters(call.spec, params) if params else None
            event = api_call_event(
                self._facts(call), request_parameters, None, failure.code, failure.message
            )
        if event is None:
            return
        if call.spec.read_only:
            self.audit.enqueue(event)
        else:
            self.audit.write_alone(event)


def _wall_clock_expiry(expires_at: dt.datetime | None, clock: Clock) -> dt.datetime | None:
    """Return when a session expires on the wall clock that the verifier compares with.

    Session expiry is set on the business clock, which tests move ahead of the wall clock; moving
    the expiry back by the same offset makes the verifier reject it when business time passes it.
    The verifier checks expiry on every call, so a key cached by `KeyCache` expires on time too.
    """
    if expires_at is None:
        return None
    return expires_at - clock.offset


@dataclass(frozen=True)
class _Call:
    """The facts of one call that its audit event needs, whether it succeeds or fails."""

    spec: OperationSpec
    request: HttpRequest
    caller: Principal | None
    signed_region: str
    request_id: str

    @property
    def event_region(self) -> str:
        # Global services sign with any region but AWS records their events in us-east-1.
        return DEFAULT_REGION if self.spec.service in GLOBAL_SERVICES else self.signed_region

    @property
    def user_agent(self) -> str:
        return self.request.headers.get("user-agent", "")


def _request_parameters(spec: OperationSpec, params: dict[str, Any]) -> Any:
    mask = sensitive_mask(spec.service)
    return camel_keys(redact(_input_shape(spec), params, mask)) or None


def _input_shape(spec: OperationSpec) -> Any:
    return service_model(spec.service).operation_model(spec.name).input_shape


def _output_shape(spec: OperationSpec) -> Any:
    return service_model(spec.service).operation_model(spec.name).output_shape


def _parse_params(request: HttpRequest, call_route: Route, operation_model: Any) -> dict[str, Any]:
    if call_route.protocol == JSON:
        return json11.parse_body(request.body)
    if call_route.protocol == QUERY:
        form = call_route.form or {}
        return dict(query.unflatten(operation_model.input_shape, form))
    if call_route.protocol == REST_JSON and call_route.rest is not None:
        return restjson.parse(request, call_route.rest)
    raise UnknownOperationException(f"The {call_route.protocol} protocol is not served.")


def _query_namespace(service: str) -> str:
    model = service_model(service)
    namespace = model.metadata.get("xmlNamespace")
    if namespace:
        return str(namespace)
    return f"https://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"


def _message_key(service: str, code: str) -> str:
    try:
        shape = service_model(service).shape_for(code)
    except Exception:  # botocore's NoShapeFoundError: the code is not one of the model's shapes
        return "message"
    return "Message" if "Message" in shape.members else "message"


def _render_success(
    protocol: str, service: str, operation_model: Any, result: dict[str, Any], request_id: str
) -> HttpResponse:
    if protocol == REST_JSON:
        return restjson.success(service, operation_model.name, result, request_id)
    if protocol == QUERY:
        return query.success(
            operation_model.name,
            _query_namespace(service),
            operation_model.output_shape,
            result,
            request_id,
        )
    return json11.success(operation_model.output_shape, result, request_id)


def _render_error(
    service: str, protocol: str, operation: str, failure: AwsError, request_id: str
) -> HttpResponse:
    if protocol == QUERY:
        return query.error(service, failure, request_id, _query_namespace(service))
    if protocol == REST_JSON:
        return restjson.error(service, failure, request_id)
    return json11.error(service, failure, request_id, _message_key(service, failure.code))


def _render_auth_error(
    protocol: str, error: SigV4Error, request_id: str, service: str
) -> HttpResponse:
    wire = WireProtocol.QUERY if protocol == QUERY else WireProtocol.JSON
    failure = AwsError(error.message)
    failure.code = error.code_for(wire)
    failure.status = error.status_for(wire)
    return _render_error(service, protocol, "", failure, request_id)
