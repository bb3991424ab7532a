"""The parts of an HTTP exchange that the protocol codecs read and write."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    raw_headers: list[tuple[str, str]]
    body: bytes
    client_ip: str


@dataclass
class HttpResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json"
