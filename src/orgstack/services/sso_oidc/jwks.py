"""The signing keys of trusted token issuers, found by OpenID Connect Discovery.

For an issuer URL the server reads `<issuer>/.well-known/openid-configuration` (OpenID Connect
Discovery 1.0, section 4), requires its `issuer` to equal the issuer URL (section 4.3), and reads
the JSON Web Key Set at its `jwks_uri`. Key sets are kept for five minutes per server process,
and read again at once when a token names a key id that the kept set lacks (key rotation).

AWS requires HTTPS issuer URLs. orgstack also accepts plain HTTP when the host is a loopback
address (`127.0.0.1`, `::1` or `localhost`), so that a local identity provider or a test's
issuer can be trusted. Every other `http://` URL is rejected.

NOTE: the documents are fetched inside the request's transaction, which on SQLite holds the write
lock, so a slow issuer delays other writes by up to the 5-second timeout of each fetch.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = logging.getLogger("orgstack.sso_oidc")

DISCOVERY_PATH = "/.well-known/openid-configuration"
FETCH_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1 << 20
KEY_SET_LIFETIME_SECONDS = 300.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class KeyRetrievalError(Exception):
    """The issuer's discovery document or key set could not be read or is invalid."""


@dataclass(frozen=True)
class _CachedKeySet:
    key_set: KeySet
    fetched_at: float


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects, which could lead a fetch from an HTTPS issuer to any other host."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)
_key_sets: dict[str, _CachedKeySet] = {}
_lock = threading.Lock()


def is_allowed_url(url: str) -> bool:
    """Tell whether the server may fetch `url`: HTTPS anywhere, or HTTP on a loopback host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and host in LOOPBACK_HOSTS


def key_set(issuer_url: str, key_id: str | None) -> KeySet:
    """Return the issuer's key set; read it again when it is old or lacks `key_id`.

    Raises KeyRetrievalError when the issuer URL is not allowed or its documents cannot be read.
    """
    with _lock:
        cached = _key_sets.get(issuer_url)
    fresh = cached is not None and time.monotonic() - cached.fetched_at < KEY_SET_LIFETIME_SECONDS
    if cached is not None and fresh and (key_id is None or _has_key(cached.key_set, key_id)):
        return cached.key_set

    fetched = _fetch_key_set(issuer_url)
    with _lock:
        _key_sets[issuer_url] = _CachedKeySet(fetched, time.monotonic())
    return fetched


def _has_key(keys: KeySet, key_id: str) -> bool:
    return any(key.kid == key_id for key in keys.keys)


def _fetch_key_set(issuer_url: str) -> KeySet:
    if not is_allowed_url(issuer_url):
        raise KeyRetrievalError(f"the issuer URL `{issuer_url}` is neither HTTPS nor loopback HTTP")
    configuration = _fetch_json(issuer_url.rstrip("/") + DISCOVERY_PATH)
    if configuration.get("issuer") != issuer_url:
        raise KeyRetrievalError(f"the discovery document does not name `{issuer_url}` as issuer")
    jwks_uri = configuration.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not is_allowed_url(jwks_uri):
        raise KeyRetrievalError("the discovery document has no usable jwks_uri")
    document = _fetch_json(jwks_uri)
    try:
        return KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise KeyRetrievalError(f"the key set at `{jwks_uri}` is invalid: {error}") from None


def _fetch_json(url: str) -> dict[str, object]:
    # Callers pass only URLs that is_allowed_url accepted: http or https, never file: or others.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with _opener.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body = response.read(MAX_DOCUMENT_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        log.warning("fetching an issuer document failed url=%s error=%s", url, error)
        raise KeyRetrievalError(f"fetching `{url}` failed") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise KeyRetrievalError(f"the document at `{url}` is larger than 1 MiB")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise KeyRetrievalError(f"the document at `{url}` is not JSON") from None
    if not isinstance(document, dict):
        raise KeyRetrievalError(f"the document at `{url}` is not a JSON object")
    return document
