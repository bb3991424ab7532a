"""The AWS JSON 1.1 protocol (`X-Amz-Target` header, JSON body), used by Organizations,
sso-admin, identitystore and CloudTrail."""

from __future__ import annotations

from typing import Any

import orjson

from orgstack.json_depth import TOO_DEEP_BODY_MESSAGE, exceeds_nesting_depth
from orgstack.protocol.errors import AwsError, SerializationException
from orgstack.protocol.serialize import EPOCH_SECONDS, to_wire
from orgstack.protocol.wire import HttpResponse

CONTENT_TYPE = "application/x-amz-json-1.1"


def parse_body(body: bytes) -> dict[str, Any]:
    """Decode a request body. An empty body is an empty input; anything but an object fails."""
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


def success(output_shape: Any, result: dict[str, Any], request_id: str) -> HttpResponse:
    body = orjson.dumps(to_wire(output_shape, result, EPOCH_SECONDS))
    return HttpResponse(200, body, [("x-amzn-RequestId", request_id)], CONTENT_TYPE)


def error(service: str, failure: AwsError, request_id: str, message_key: str) -> HttpResponse:
    """Render `failure` as `{"__type": code, "message": …}` plus the error shape's own members."""
    payload: dict[str, Any] = {"__type": failure.code, message_key: failure.message}
    payload.update({key: value for key, value in failure.fields.items() if value is not None})
    headers = [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", failure.code)]
    return HttpResponse(failure.http_status(service), orjson.dumps(payload), headers, CONTENT_TYPE)
