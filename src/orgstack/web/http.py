"""HTTP details shared by the portal pages: the client address, cookies, CSRF tokens, headers."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "orgstack_portal"
KNOWN_DEVICE_COOKIE = "orgstack_mfa_device"
DIRECTORY_COOKIE = "orgstack_directory"
KNOWN_DEVICE_SECONDS = 30 * 86400
# Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed,
# comma-separated; requests from anywhere else are taken at face value.
TRUSTED_PROXIES_VARIABLE = "ORGSTACK_TRUSTED_PROXIES"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self' "
        "http://127.0.0.1:* http://localhost:* http://[::1]:*; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    text = os.environ.get(TRUSTED_PROXIES_VARIABLE, "")
    return [ipaddress.ip_network(item.strip()) for item in text.split(",") if item.strip()]


def is_trusted_proxy(peer: str) -> bool:
    """Tell whether the TCP peer `peer` is a reverse proxy named in ORGSTACK_TRUSTED_PROXIES."""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in _trusted_proxies())


def forwarded_client_ip(peer: str, forwarded_for: str | None) -> str:
    """Return the visitor's address: the last X-Forwarded-For entry when `peer` is trusted.

    The last entry is the one the trusted proxy appended; earlier entries come from the client.
    This and `forwarded_https` are the only places that believe forwarded headers, for the portal
    and for the AWS APIs alike.
    """
    if forwarded_for and is_trusted_proxy(peer):
        return forwarded_for.split(",")[-1].strip() or peer
    return peer


def forwarded_https(peer: str, forwarded_proto: str | None) -> bool:
    """Tell whether a trusted proxy in front of `peer` received the request over HTTPS."""
    return (forwarded_proto or "").strip().lower() == "https" and is_trusted_proxy(peer)


def _peer(request: Request) -> str:
    return request.client.host if request.client else ""


def client_ip(request: Request) -> str:
    """Return the visitor's address: the proxy's X-Forwarded-For entry when the peer is trusted."""
    return forwarded_client_ip(_peer(request), request.headers.get("x-forwarded-for"))


def is_https(request: Request, public_base_url: str) -> bool:
    if request.url.scheme == "https" or public_base_url.startswith("https://"):
        return True
    return forwarded_https(_peer(request), request.headers.get("x-forwarded-proto"))


def set_cookie(
    response: Response, request: Request, base_url: str, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, base_url),
    )


def known_device_value(key: bytes, store_id: str, user_id: str) -> str:
    """Return the cookie value that marks a browser where the user passed MFA.

    NOTE: the value is the same for every browser of the user and cannot be revoked one by one;
    context-aware MFA still requires the password with it.
    """
    return hmac.new(key, f"{store_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def safe_next(target: str) -> str:
    """Return `target` when it is a path on this server; otherwise the account list.

    Only paths under /start and /authorize are accepted, so a crafted link cannot send a user
    to another site after sign-in.
    """
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or "\\" in target:
        return "/start"
    if parts.path == "/start" or parts.path.startswith(("/start/", "/authorize")):
        return target
    return "/start"


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response
