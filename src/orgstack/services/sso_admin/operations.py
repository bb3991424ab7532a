"""Every sso-admin operation module; importing this registers their operations."""

from orgstack.services.sso_admin import instances

__all__ = ["instances"]
