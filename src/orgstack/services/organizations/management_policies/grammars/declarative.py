"""Declarative policy (EC2) grammar.

Source: AWS Organizations User Guide, "Declarative policy syntax and examples".
"""

from __future__ import annotations

from ..schema import Grammar, Open, Section, Setting, ValueKind

# Each EC2 attribute below has its own documented schema, but only the attribute names
# are checked. The content of each attribute is accepted as any JSON object whose
# inheritance operators are used correctly.
_EC2_ATTRIBUTES = Section(
    fields={
        "exception_message": Setting(ValueKind.STRING),
        "vpc_block_public_access": Open(),
        "serial_console_access": Open(),
        "image_block_public_access": Open(),
        "allowed_images_settings": Open(),
        "instance_metadata_defaults": Open(),
        "snapshot_block_public_access": Open(),
    }
)

DECLARATIVE_POLICY_EC2_GRAMMAR = Grammar(
    name="declarative policy",
    root=Section(fields={"ec2_attributes": _EC2_ATTRIBUTES}),
    top_key="ec2_attributes",
)
