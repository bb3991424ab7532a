"""Steps shared by the sso-oidc and access portal tests: register a client, run the device
flow, and approve or deny it as the portal's device page does."""

from __future__ import annotations

from typing import Any

from orgstack.clock import Clock
from orgstack.services.sso_oidc import device
from tests.harness import Server

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPES = ["sso:account:access"]


def register(oidc: Any, scopes: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """Register a public client, with `sso:account:access` unless `scopes` is given."""
    request: dict[str, Any] = {"clientName": "tests", "clientType": "public", **extra}
    chosen = SCOPES if scopes is None else scopes
    if chosen:
        request["scopes"] = chosen
    return dict(oidc.register_client(**request))


def start(server: Server, oidc: Any, client: dict[str, Any]) -> dict[str, Any]:
    return dict(
        oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=f"{server.endpoint}/start",
        )
    )


def poll(oidc: Any, client: dict[str, Any], device_code: str) -> dict[str, Any]:
    return dict(
        oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=device_code,
        )
    )


def approve(server: Server, user_code: str, store_id: str, user_id: str) -> bool:
    """Approve as the signed-in user on the device page."""
    with server.database().transaction() as connection:
        return device.approve_device_authorization(
            connection, user_code, store_id, user_id, Clock().now()
        )


def deny(server: Server, user_code: str, store_id: str, user_id: str) -> bool:
    with server.database().transaction() as connection:
        return device.deny_device_authorization(
            connection, user_code, store_id, user_id, Clock().now()
        )


def sign_in(server: Server, store_id: str, user_id: str) -> dict[str, Any]:
    """Run the whole device flow for the user; return the client and CreateToken's reply."""
    oidc = server.client("sso-oidc")
    client = register(oidc)
    started = start(server, oidc, client)
    assert approve(server, started["userCode"], store_id, user_id)
    return {"client": client, **poll(oidc, client, started["deviceCode"])}
