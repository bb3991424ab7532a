"""Which service and operation a request on the shared port is for.

JSON services are distinguished by the `X-Amz-Target` prefix, query services (STS, IAM) by the
`Version` of the form or of a GET's query string and by the SigV4 scope, and REST services (the
sso portal and sso-oidc) by method and path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orgstack.protocol import restjson
from orgstack.protocol.errors import InvalidAction, UnknownOperationException
from orgstack.protocol.models import service_model, service_spec
from orgstack.protocol.query import parse_form
from orgstack.protocol.wire import HttpRequest

JSON = "json"
QUERY = "query"
REST_JSON = "rest-json"

# The query API versions of the services orgstack serves.
QUERY_VERSIONS = {"2011-06-15": "sts", "2010-05-08": "iam"}


class UnroutableRequest(Exception):
    """The request is for no AWS service orgstack serves, so the web app may handle it instead."""


@dataclass(frozen=True)
class Route:
    service: str
    operation: str
    protocol: str
    form: dict[str, str] | None = None
    rest: restjson.RestRoute | None = None


@cache
def _target_prefixes(services: tuple[str, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in services:
        for prefix in service_spec(name).target_prefixes:
            table[prefix] = name
    return table


def route(request: HttpRequest, services: tuple[str, ...]) -> Route:
    """Return the route of `request`, or raise an AwsError the client should see."""
    target = request.headers.get("x-amz-target")
    if target is not None:
        return _json_route(target, services)

    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        return _query_route(request, parse_form(request.body), services)

    # The query protocol takes its parameters from the URL of a GET to `/` as well. Presigned
    # GetCallerIdentity URLs (EKS tokens, Vault's AWS auth) depend on it.
    if request.method == "GET" and request.path == "/":
        url_form = parse_form(request.query_string.encode())
        if "Action" in url_form:
            return _query_route(request, url_form, services)

    rest_route = restjson.match(request, services)
    if rest_route is not None:
        return Route(rest_route.service, rest_route.operation, REST_JSON, rest=rest_route)

    raise UnroutableRequest(request.path)


def _json_route(target: str, services: tuple[str, ...]) -> Route:
    prefix, _, operation = target.rpartition(".")
    service = _target_prefixes(services).get(prefix)
    if service is None or not operation:
        raise UnknownOperationException(f"The target {target} is not known.")
    if operation not in service_model(service).operation_names:
        raise UnknownOperationException(f"The operation {operation} is not known.")
    return Route(service, operation, JSON)


def _query_route(request: HttpRequest, form: dict[str, str], services: tuple[str, ...]) -> Route:
    version = form.get("Version", "")
    service = QUERY_VERSIONS.get(version) or _scope_service(request, form)
    if service is None or service not in services:
        raise InvalidAction(
            f"Could not find operation {form.get('Action', '')} for version {version}"
        )
    action = form.get("Action", "")
    if action not in service_model(service).operation_names:
        raise InvalidAction(f"Could not find operation {action} for version {version}")
    return Route(service, action, QUERY, form)


def _scope_service(request: HttpRequest, form: dict[str, str]) -> str | None:
    authorization = request.headers.get("authorization", "")
    marker = "Credential="
    start = authorization.find(marker)
    if start >= 0:
        credential = authorization[start + len(marker) :].split(",", 1)[0]
    else:
        # A presigned request carries its credential scope in the query string.
        credential = form.get("X-Amz-Credential", "")
    scope = credential.split("/")
    return scope[3] if len(scope) >= 5 else None
