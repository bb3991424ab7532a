"""Every sso-admin operation module; importing this registers their operations."""

from orgstack.services.sso_admin import (
    access_control_attributes,
    application_assignments,
    application_configuration,
    application_grants,
    application_providers,
    applications,
    assignments,
    instances,
    managed_policy_attachments,
    permission_sets,
    provisioning,
    regions,
    tagging,
    trusted_token_issuers,
)

__all__ = [
    "access_control_attributes",
    "application_assignments",
    "application_configuration",
    "application_grants",
    "application_providers",
    "applications",
    "assignments",
    "instances",
    "managed_policy_attachments",
    "permission_sets",
    "provisioning",
    "regions",
    "tagging",
    "trusted_token_issuers",
]
