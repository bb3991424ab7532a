"""AWS Organizations operations: importing this module registers every one."""

from __future__ import annotations

from orgstack.services.organizations import input_errors  # noqa: F401  (registers the error form)
