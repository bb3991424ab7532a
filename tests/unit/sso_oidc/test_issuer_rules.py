"""The pure rules of the JWT bearer grant: which issuer URLs the server fetches, and how a
ClaimAttributePath finds a claim."""

from __future__ import annotations

import pytest

from orgstack.services.sso_oidc.jwks import is_allowed_url
from orgstack.services.sso_oidc.jwt_bearer import claim_at


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://login.example.com/tenant/v2.0", True),
        ("https://10.0.0.1/issuer", True),
        ("http://127.0.0.1:8080/issuer", True),
        ("http://localhost/issuer", True),
        ("http://[::1]:9000", True),
        ("http://issuer.example.com", False),
        ("http://127.0.0.1.example.com/issuer", False),
        ("http://localhost.example.com", False),
        ("http://10.0.0.1/issuer", False),
        ("ftp://127.0.0.1/issuer", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("http://[::1", False),
        ("not a url", False),
    ],
)
def test_issuer_url_allowed(url: str, allowed: bool) -> None:
    assert is_allowed_url(url) is allowed


CLAIMS = {
    "email": "alice@example.com",
    "preferred_username": "alice",
    "ext": {"upn": "alice@corp.example.com", "nested": {"id": "a-1"}},
    "groups": ["admins"],
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("email", "alice@example.com"),
        ("preferred_username", "alice"),
        ("ext.upn", "alice@corp.example.com"),
        ("ext.nested.id", "a-1"),
        ("ext.missing", None),
        ("email.domain", None),
        ("missing", None),
        ("groups", ["admins"]),
    ],
)
def test_claim_at_path(path: str, value: object) -> None:
    assert claim_at(CLAIMS, path) == value
