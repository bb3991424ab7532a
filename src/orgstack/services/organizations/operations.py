"""AWS Organizations operations: importing this module registers every one."""

from __future__ import annotations

# Each module registers the operations of one concept when imported.
from orgstack.services.organizations import (  # noqa: F401
    account_creation,
    account_exit,
    account_records,
    all_features,
    delegation,
    effective,
    handshakes,
    input_errors,
    invitations,
    organization,
    policies,
    policy_attachments,
    policy_types,
    resource_policy,
    responsibility_transfers,
    tagging,
    tree,
    units,
)
