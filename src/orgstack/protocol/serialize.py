"""Reply serialization driven by botocore output shapes.

Handlers return plain Python values (dicts, lists, strings, numbers, datetimes). The serializer
keeps only the members the output shape declares, drops None, and renders timestamps in the form
the protocol uses: epoch seconds for JSON protocols, ISO 8601 for the query protocols.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

Converter = Callable[[Any], Any]

EPOCH_SECONDS = "unixTimestamp"
ISO_8601 = "iso8601"


def to_wire(shape: Any, value: Any, timestamp_format: str) -> Any:
    """Return `value` shaped by `shape`, ready for JSON encoding or XML rendering."""
    if shape is None:
        return {}
    return _converter(shape, timestamp_format)(value)


@cache
def _converter(shape: Any, timestamp_format: str) -> Converter:
    kind = shape.type_name
    if shape.metadata.get("document"):
        # A Smithy document (such as an actor policy) is free-form JSON, sent as stored.
        return _identity
    if kind == "structure":
        return _structure_converter(shape, timestamp_format)
    if kind == "list":
        item = shape.member

        def convert_list(value: Any) -> Any:
            convert_item = _converter(item, timestamp_format)
            return [convert_item(element) for element in value]

        return convert_list
    if kind == "map":
        map_value = shape.value

        def convert_map(value: Any) -> Any:
            convert_value = _converter(map_value, timestamp_format)
            return {key: convert_value(element) for key, element in value.items()}

        return convert_map
    if kind == "timestamp":
        shape_format = shape.serialization.get("timestampFormat") or timestamp_format
        return lambda value: render_timestamp(value, shape_format)
    if kind == "blob":
        return lambda value: base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return _identity


def _identity(value: Any) -> Any:
    return value


def _structure_converter(shape: Any, timestamp_format: str) -> Converter:
    members = tuple(shape.members.items())

    def convert(value: Any) -> Any:
        result: dict[str, Any] = {}
        for name, member in members:
            element = value.get(name)
            if element is None:
                continue
            result[name] = _converter(member, timestamp_format)(element)
        return result

    return convert


def render_timestamp(value: Any, timestamp_format: str) -> Any:
    """Render a datetime (or epoch seconds) in one of botocore's timestamp formats."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if timestamp_format == EPOCH_SECONDS:
        # Millisecond precision, as AWS JSON services send it.
        return round(value.timestamp(), 3)
    if timestamp_format == ISO_8601:
        text = value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    return value.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
