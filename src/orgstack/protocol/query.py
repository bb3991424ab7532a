"""The AWS query protocol (form-encoded POST, XML reply), used by STS and IAM."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from orgstack.protocol.errors import AwsError
from orgstack.protocol.serialize import ISO_8601, to_wire
from orgstack.protocol.wire import HttpResponse

CONTENT_TYPE = "text/xml"


def parse_form(body: bytes) -> dict[str, str]:
    """Decode a form body into its flat key/value pairs (a repeated key keeps its last value)."""
    text = body.decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))


def unflatten(shape: Any, form: dict[str, str], prefix: str = "") -> Any:
    """Turn flat query keys (`Tags.member.1.Key`) into the nested input `shape` describes.

    Values keep their string form except numbers and booleans, which are converted when the shape
    declares them. A value that does not convert is kept as text so validation reports it.
    """
    if shape is None:
        return {}
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        key = f"{prefix}{member.serialization.get('name', name)}"
        value = _member_value(member, form, key)
        if value is not None:
            result[name] = value
    return result


def _member_value(shape: Any, form: dict[str, str], key: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not any(existing.startswith(key + ".") for existing in form):
            return None
        return unflatten(shape, form, key + ".")
    if kind == "list":
        return _list_value(shape, form, key)
    if kind == "map":
        return _map_value(shape, form, key)
    if key not in form:
        return None
    return _scalar(shape, form[key])


def _list_value(shape: Any, form: dict[str, str], key: str) -> list[Any] | None:
    flattened = shape.serialization.get("flattened", False)
    item_name = shape.member.serialization.get("name", "member")
    base = key if flattened else f"{key}.{item_name}"
    if key in form and form[key] == "":
        return []
    items: list[Any] = []
    index = 1
    while True:
        value = _member_value(shape.member, form, f"{base}.{index}")
        if value is None:
            break
        items.append(value)
        index += 1
    return items if items else None


def _map_value(shape: Any, form: dict[str, str], key: str) -> dict[str, Any] | None:
    entries: dict[str, Any] = {}
    index = 1
    while True:
        entry = f"{key}.entry.{index}"
        if f"{entry}.key" not in form:
            break
        entries[form[f"{entry}.key"]] = _member_value(shape.value, form, f"{entry}.value")
        index += 1
    return entries if entries else None


def _scalar(shape: Any, text: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return text
    return text


def success(
    operation: str, namespace: str, output_shape: Any, result: dict[str, Any], request_id: str
) -> HttpResponse:
    """Render `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata>`."""
    wire = to_wire(output_shape, result, ISO_8601) if output_shape is not None else {}
    inner = _render_members(output_shape, wire) if output_shape is not None else ""
    result_element = (
        f"<{operation}Result>{inner}</{operation}Result>" if output_shape is not None else ""
    )
    body = (
        f'<{operation}Response xmlns="{namespace}">{result_element}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return HttpResponse(200, body.encode(), [("x-amzn-RequestId", request_id)], CONTENT_TYPE)


def _render_members(shape: Any, value: dict[str, Any]) -> str:
    parts: list[str] = []
    for name, member in shape.members.items():
        if name not in value:
            continue
        tag = member.serialization.get("name", name)
        parts.append(_render(member, tag, value[name]))
    return "".join(parts)


def _render(shape: Any, tag: str, value: Any) -> str:
    kind = shape.type_name
    if kind == "structure":
        return f"<{tag}>{_render_members(shape, value)}</{tag}>"
    if kind == "list":
        item_tag = shape.member.serialization.get("name", "member")
        items = "".join(_render(shape.member, item_tag, item) for item in value)
        return f"<{tag}>{items}</{tag}>"
    if kind == "map":
        entries = "".join(
            f"<entry>{_render(shape.key, 'key', key)}{_render(shape.value, 'value', item)}</entry>"
            for key, item in value.items()
        )
        return f"<{tag}>{entries}</{tag}>"
    if kind == "boolean":
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def error(service: str, failure: AwsError, request_id: str, namespace: str) -> HttpResponse:
    code = failure.query_code or failure.code
    fault = "Sender" if failure.sender_fault else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{fault}</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(failure.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    headers = [("x-amzn-RequestId", request_id)]
    return HttpResponse(failure.http_status(service), body.encode(), headers, CONTENT_TYPE)
