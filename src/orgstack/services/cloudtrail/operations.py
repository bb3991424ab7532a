"""AWS CloudTrail operations: the audit trail's read side."""

from __future__ import annotations
