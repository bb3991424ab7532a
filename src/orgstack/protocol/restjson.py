"""The AWS REST-JSON protocol, used by the sso portal API and sso-oidc.

The method and path name the operation, and members travel in the path, query string, headers or
JSON body."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

import orjson
import regex

from orgstack.json_depth import TOO_DEEP_BODY_MESSAGE, exceeds_nesting_depth
from orgstack.protocol.errors import AwsError, SerializationException
from orgstack.protocol.models import service_model
from orgstack.protocol.serialize import EPOCH_SECONDS, to_wire
from orgstack.protocol.wire import HttpRequest, HttpResponse

CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class RestRoute:
    service: str
    operation: str
    method: str
    path_pattern: Any
    # Query parameters the request URI fixes, such as `aws_iam=t` on CreateTokenWithIAM.
    fixed_query: tuple[tuple[str, str], ...]


def _compile_uri(request_uri: str) -> tuple[Any, tuple[tuple[str, str], ...]]:
    path, _, query = request_uri.partition("?")
    fixed = tuple(
        (name, values[0] if values else "")
        for name, values in parse_qs(query, keep_blank_values=True).items()
    )
    pattern = ""
    for piece in regex.split(r"(\{[^}]+\})", path):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1].rstrip("+")
            greedy = piece.endswith("+}")
            pattern += f"(?P<{name}>{'.+' if greedy else '[^/]+'})"
        else:
            pattern += regex.escape(piece)
    return regex.compile(pattern), fixed


@cache
def routes(services: tuple[str, ...]) -> tuple[RestRoute, ...]:
    found: list[RestRoute] = []
    for service in services:
        model = service_model(service)
        if model.protocol != "rest-json":
            continue
        for name in model.operation_names:
            http = model.operation_model(name).http
            pattern, fixed = _compile_uri(http["requestUri"])
            found.append(RestRoute(service, name, http["method"], pattern, fixed))
    # Routes that fix query parameters are more specific and are tried first.
    found.sort(key=lambda route: -len(route.fixed_query))
    return tuple(found)


def match(request: HttpRequest, services: tuple[str, ...]) -> RestRoute | None:
    query = parse_qs(request.query_string, keep_blank_values=True)
    path = request.path.split("?", 1)[0]
    for route in routes(services):
        if route.method != request.method or route.path_pattern.fullmatch(path) is None:
            continue
        if all(query.get(name, [None])[0] == value for name, value in route.fixed_query):
            return route
    return None


def parse(request: HttpRequest, route: RestRoute) -> dict[str, Any]:
    """Collect input members from the path labels, query string, headers and JSON body."""
    operation = service_model(route.service).operation_model(route.operation)
    shape = operation.input_shape
    if shape is None:
        return {}
    path = request.path.split("?", 1)[0]
    labels = route.path_pattern.fullmatch(path)
    query = parse_qs(request.query_string, keep_blank_values=True)
    body = _json_body(request.body) if _has_body_members(shape) else {}
    params: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri" and labels is not None:
            params[name] = unquote(labels.group(wire_name))
        elif location == "querystring" and wire_name in query:
            params[name] = _scalar(member, query[wire_name][0])
        elif location == "header" and wire_name.lower() in request.headers:
            params[name] = _scalar(member, request.headers[wire_name.lower()])
        elif location is None and name in body:
            params[name] = body[name]
    return params


def _has_body_members(shape: Any) -> bool:
    return any(member.serialization.get("location") is None for member in shape.members.values())


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    if exceeds_nesting_depth(body):
        raise SerializationException(TOO_DEEP_BODY_MESSAGE)
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise SerializationException(f"Malformed JSON in the request body: {error}") from None
    if not isinstance(decoded, dict):
        raise SerializationException("The request body must be a JSON object.")
    return decoded


def _scalar(shape: Any, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text
    if shape.type_name == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def success(
    service: str, operation_name: str, result: dict[str, Any], request_id: str
) -> HttpResponse:
    operation = service_model(service).operation_model(operation_name)
    shape = operation.output_shape
    headers = [("x-amzn-RequestId", request_id)]
    body: dict[str, Any] = {}
    if shape is not None:
        wire = to_wire(shape, result, EPOCH_SECONDS)
        for name, member in shape.members.items():
            if name not in wire:
                continue
            if member.serialization.get("location") == "header":
                headers.append((member.serialization.get("name", name), str(wire[name])))
            else:
                body[name] = wire[name]
    status = int(operation.http.get("responseCode", 200))
    return HttpResponse(status, orjson.dumps(body), headers, CONTENT_TYPE)


def error(service: str, failure: AwsError, request_id: str) -> HttpResponse:
    """Render an error: `x-amzn-ErrorType` names it (botocore reads the header first)."""
    payload: dict[str, Any] = {"message": failure.message}
    payload.update({key: value for key, value in failure.fields.items() if value is not None})
    headers = [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", failure.code)]
    return HttpResponse(failure.http_status(service), orjson.dumps(payload), headers, CONTENT_TYPE)
