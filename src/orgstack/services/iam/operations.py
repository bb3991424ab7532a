"""AWS IAM operations; importing this module registers all of them."""

from __future__ import annotations

from orgstack.services.iam import (  # noqa: F401  (imported to register their operations)
    authorization_details,
    managed_policies,
    policy_tagging,
    policy_versions,
    role_policies,
    roles,
    simulate,
)
