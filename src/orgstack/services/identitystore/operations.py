"""Every Identity Store operation module; importing this registers their operations."""

from orgstack.services.identitystore import groups, memberships, stores, users

__all__ = ["groups", "memberships", "stores", "users"]
