"""The ASGI application: one port for every AWS service, the health check and the web pages."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.to_thread
import orjson

from orgstack import ids
from orgstack.asgi_body import BodyTooLarge, read_body
from orgstack.protocol.errors import RequestEntityTooLarge
from orgstack.protocol.json11 import error as json_error
from orgstack.protocol.wire import HttpRequest, HttpResponse
from orgstack.server.pipeline import Pipeline
from orgstack.server.routing import UnroutableRequest
from orgstack.store import jobs
from orgstack.web import app as web_app
from orgstack.web import http

log = logging.getLogger("orgstack.server")

HEALTH_PATH = "/_orgstack/health"
CLOCK_PATH = "/_orgstack/clock"
# Blocking store calls run on worker threads; the limit bounds open database connections.
WORKER_THREADS = 16

Scope = dict[str, Any]
Receive = Any
Send = Any


class OrgstackApp:
    """Routes each HTTP request to the AWS pipeline or to the server's own endpoints."""

    def __init__(self, pipeline: Pipeline, lifespan: Any = None) -> None:
        self.pipeline = pipeline
        self._lifespan = lifespan
        self._limiter = anyio.CapacityLimiter(WORKER_THREADS)
        self._portal = web_app.build(
            pipeline.database, pipeline.clock, pipeline.box, pipeline.settings
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._run_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return

        path = scope["path"]
        if path == HEALTH_PATH:
            await _send(send, HttpResponse(200, b'{"status":"ok"}'))
            return
        if path == CLOCK_PATH and self.pipeline.settings.test_clock:
            await self._clock(scope, receive, send)
            return
        # Browser pages of the access portal; their form posts must not reach the Query protocol.
        if web_app.is_portal_path(path):
            await self._portal(scope, receive, send)
            return

        try:
            body = await read_body(receive)
        except BodyTooLarge:
            request_id = ids.request_id()
            failure = RequestEntityTooLarge()
            _log_unserved(scope, 413, request_id)
            await _send(send, json_error("organizations", failure, request_id, "message"))
            return

        request = _http_request(scope, body)
        try:
            response, _ = await anyio.to_thread.run_sync(
                self.pipeline.handle, request, limiter=self._limiter
            )
        except UnroutableRequest:
            request_id = ids.request_id()
            _log_unserved(scope, 404, request_id)
            response = HttpResponse(
                404, b'{"message":"Not Found"}', [("x-amzn-RequestId", request_id)]
            )
        await _send(send, response)

    async def _clock(self, scope: Scope, receive: Receive, send: Send) -> None:
        import datetime as dt

        body = await read_body(receive)
        seconds = float(orjson.loads(body or b"{}").get("advance_seconds", 0))
        self.pipeline.clock.advance(dt.timedelta(seconds=seconds))
        # Jobs that came due with the new time run now, not after the worker's idle pause.
        jobs.wake_workers()
        now = self.pipeline.clock.now().isoformat()
        await _send(send, HttpResponse(200, orjson.dumps({"now": now})))

    async def _run_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self._lifespan is not None:
                    await anyio.to_thread.run_sync(self._lifespan.startup)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._lifespan is not None:
                    await anyio.to_thread.run_sync(self._lifespan.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _log_unserved(scope: Scope, status: int, request_id: str) -> None:
    """Log a request rejected before it reached an AWS operation (unknown path, body too large)."""
    client = scope.get("client") or ("-", 0)
    log.info(
        "request service=- operation=- status=%d latency_ms=0.00 request_id=%s account=- "
        "method=%s path=%s source_ip=%s",
        status,
        request_id,
        scope["method"],
        scope["path"],
        client[0],
    )


def _http_request(scope: Scope, body: bytes) -> HttpRequest:
    raw_headers = [
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in scope["headers"]
    ]
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    client = scope.get("client") or ("", 0)
    peer = client[0] or ""
    client_ip = http.forwarded_client_ip(peer, headers.get("x-forwarded-for"))
    # The authorizer reads aws:SecureTransport from X-Forwarded-Proto. The header stays only when
    # a trusted proxy sent it with the value https, because otherwise the client set it.
    if http.forwarded_https(peer, headers.get("x-forwarded-proto")):
        headers["x-forwarded-proto"] = "https"
    else:
        headers.pop("x-forwarded-proto", None)
    return HttpRequest(
        method=scope["method"],
        # Clients percent-encode paths and queries; raw UTF-8 bytes must survive unchanged so that
        # the signature computed over them still matches.
        path=scope.get("raw_path", scope["path"].encode()).decode("utf-8", "surrogateescape"),
        query_string=scope.get("query_string", b"").decode("utf-8", "surrogateescape"),
        headers=headers,
        raw_headers=raw_headers,
        body=body,
        client_ip=client_ip,
    )


async def _send(send: Send, response: HttpResponse) -> None:
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(response.body)).encode()),
    ]
    headers.extend((name.encode(), value.encode()) for name, value in response.headers)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
