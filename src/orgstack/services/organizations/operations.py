"""AWS Organizations operations: importing this module registers every one."""

from __future__ import annotations

# Each module registers the operations of one concept when imported.
from orgstack.services.organizations import (  # noqa: F401
    account_creation,
    account_records,
    effective,
    input_errors,
    organization,
    policies,
    policy_attachments,
    policy_types,
    tagging,
    tree,
    units,
)
