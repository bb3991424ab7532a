"""Every sso-oidc operation module; importing this registers their operations."""

from orgstack.services.sso_oidc import clients, create_token, device, with_iam

__all__ = ["clients", "create_token", "device", "with_iam"]
