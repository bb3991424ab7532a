"""A small OpenID Connect issuer on 127.0.0.1 for the trusted token issuer tests.

It serves a discovery document and a JSON Web Key Set over plain HTTP, which orgstack accepts
for loopback issuers, and signs JWTs with its RSA key. `rotate()` replaces the key, so tests can
check that a token signed with an unknown key is refused.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks.json"


@dataclass
class Issuer:
    """A running issuer: its URL, its current signing key and the requests it served."""

    url: str
    key: RSAKey
    server: ThreadingHTTPServer
    served: list[str] = field(default_factory=list)
    # What the discovery document names as issuer, when a test wants it wrong.
    advertised_issuer: str | None = None

    def token(self, claims: dict[str, Any], key: RSAKey | ECKey | None = None) -> str:
        """Return a JWT with `claims`, signed with the issuer's key unless `key` is given."""
        signer = key or self.key
        algorithm = "RS256" if isinstance(signer, RSAKey) else "ES256"
        header = {"alg": algorithm, "kid": signer.kid, "typ": "JWT"}
        return jwt.encode(header, claims, signer, algorithms=[algorithm])

    def claims(self, audience: str, email: str, lifetime: int = 300) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.url,
            "sub": email,
            "aud": audience,
            "email": email,
            "iat": now,
            "exp": now + lifetime,
        }

    def rotate(self) -> None:
        self.key = new_rsa_key()


def new_rsa_key() -> RSAKey:
    key = RSAKey.generate_key(2048)
    key.ensure_kid()
    return key


def start_issuer() -> Iterator[Issuer]:
    """Start an issuer on a free loopback port; stop it when the generator closes."""
    holder: dict[str, Issuer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = holder["issuer"]
            issuer.served.append(self.path)
            if self.path == DISCOVERY_PATH:
                body: dict[str, Any] = {
                    "issuer": issuer.advertised_issuer or issuer.url,
                    "jwks_uri": issuer.url + JWKS_PATH,
                }
            elif self.path == JWKS_PATH:
                body = {"keys": [issuer.key.as_dict(private=False)]}
            else:
                self.send_error(404)
                return
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    http_server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{http_server.server_address[1]}"
    issuer = Issuer(url=url, key=new_rsa_key(), server=http_server)
    holder["issuer"] = issuer
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        http_server.shutdown()
        http_server.server_close()
