"""The WebAuthn relying party that the portal derives from its public base URL."""

from __future__ import annotations

import pytest

from orgstack.services.signin.webauthn_mfa import RelyingParty


@pytest.mark.parametrize(
    ("base_url", "rp_id", "origin"),
    [
        ("http://localhost:4580", "localhost", "http://localhost:4580"),
        ("https://sso.example.com/", "sso.example.com", "https://sso.example.com"),
        ("https://SSO.Example.com:443", "sso.example.com", "https://sso.example.com"),
        ("https://sso.example.com:8443/portal", "sso.example.com", "https://sso.example.com:8443"),
        ("http://portal.internal:80", "portal.internal", "http://portal.internal"),
        ("http://[::1]:4580", "::1", "http://[::1]:4580"),
    ],
)
def test_relying_party_of_base_url(base_url: str, rp_id: str, origin: str) -> None:
    relying_party = RelyingParty.of_base_url(base_url)
    assert relying_party.rp_id == rp_id
    assert relying_party.origin == origin


@pytest.mark.parametrize(
    ("base_url", "usable"),
    [
        ("http://localhost:4580", True),
        ("https://sso.example.com", True),
        ("http://127.0.0.1:4580", False),
        ("http://[::1]:4580", False),
    ],
)
def test_relying_party_rejects_ip_addresses(base_url: str, usable: bool) -> None:
    assert RelyingParty.of_base_url(base_url).usable is usable
