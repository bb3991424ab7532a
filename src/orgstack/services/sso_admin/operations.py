"""Every sso-admin operation module; importing this registers their operations."""

from orgstack.services.sso_admin import (
    access_control_attributes,
    assignments,
    instances,
    managed_policy_attachments,
    permission_sets,
    provisioning,
    tagging,
)

__all__ = [
    "access_control_attributes",
    "assignments",
    "instances",
    "managed_policy_attachments",
    "permission_sets",
    "provisioning",
    "tagging",
]
