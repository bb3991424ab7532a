"""The service packages orgstack serves; importing one registers its operations."""

from __future__ import annotations

import importlib

SERVICE_MODULES = (
    "orgstack.services.organizations.operations",
    "orgstack.services.sts.operations",
    "orgstack.services.cloudtrail.operations",
    "orgstack.services.iam.operations",
    "orgstack.services.sso_admin.operations",
    "orgstack.services.identitystore.operations",
    "orgstack.services.sso_oidc.operations",
    "orgstack.services.sso_portal.operations",
)

# botocore client names of the services reachable on the server's port.
SERVED = (
    "organizations",
    "sts",
    "cloudtrail",
    "iam",
    "sso-admin",
    "identitystore",
    "sso-oidc",
    "sso",
)


def import_services() -> None:
    for module in SERVICE_MODULES:
        importlib.import_module(module)
