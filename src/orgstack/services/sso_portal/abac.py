"""Attributes for access control: the session tags that GetRoleCredentials puts on credentials.

The instance's configuration maps each tag key to a source such as `${path:userName}`,
`${path:name.givenName}`, `${path:enterprise.department}` or
`${path:emails[primary eq true].value}` (IAM Identity Center user guide, "Attributes for access
control"). A source that resolves to no value gives no tag.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection

from orgstack.services.identitystore.user_store import StoredUser
from orgstack.services.sso_admin import access_control_attributes

SOURCE = re.compile(r"\$\{path:(?P<path>[^}]+)\}")
# `emails[primary eq true].value`: a list attribute filtered on its primary entry.
PRIMARY_FILTER = re.compile(r"(?P<name>\w+)\[primary eq true\]")
# The enterprise extension's attributes, as the identity store API names them.
ENTERPRISE = {
    "employeenumber": ("EmployeeNumber",),
    "costcenter": ("CostCenter",),
    "organization": ("Organization",),
    "division": ("Division",),
    "department": ("Department",),
    "manager": ("Manager", "Value"),
}


def session_tags(connection: Connection, instance_arn: str, user: StoredUser) -> dict[str, str]:
    """Return the session tags of the user's credentials under the instance's configuration."""
    configuration = access_control_attributes.stored(connection, instance_arn)
    if not configuration:
        return {}
    tags: dict[str, str] = {}
    for attribute in configuration.get("AccessControlAttributes", []):
        for source in attribute.get("Value", {}).get("Source", []):
            value = resolve(user, str(source))
            if value:
                tags[str(attribute["Key"])] = value
                break
    return tags


def resolve(user: StoredUser, source: str) -> str | None:
    """Return the value that a `${path:…}` source names for the user, or None."""
    match = SOURCE.fullmatch(source.strip())
    if match is None:
        return None
    steps = match["path"].split(".")
    document = _user_document(user)
    if steps[0].lower() == "enterprise":
        return _enterprise(user, steps[1:])
    value: Any = document
    for step in steps:
        value = _step(value, step)
        if value is None:
            return None
    return value if isinstance(value, str) else None


def _user_document(user: StoredUser) -> dict[str, Any]:
    document: dict[str, Any] = {
        "userName": user.attributes.user_name,
        "displayName": user.attributes.display_name,
    }
    for key, value in user.attributes.other.items():
        document[key[:1].lower() + key[1:]] = value
    return document


def _step(value: Any, step: str) -> Any:
    filtered = PRIMARY_FILTER.fullmatch(step)
    if filtered is not None and isinstance(value, dict):
        entries = _get(value, filtered["name"])
        if not isinstance(entries, list):
            return None
        primary = [entry for entry in entries if isinstance(entry, dict) and entry.get("Primary")]
        return primary[0] if primary else None
    if isinstance(value, dict):
        return _get(value, step)
    return None


def _get(mapping: dict[str, Any], name: str) -> Any:
    # SCIM attribute names are case-insensitive; the API spells them in PascalCase inside lists.
    for key, item in mapping.items():
        if key.lower() == name.lower():
            return item
    return None


def _enterprise(user: StoredUser, steps: list[str]) -> str | None:
    if len(steps) != 1:
        return None
    names = ENTERPRISE.get(steps[0].lower())
    if names is None:
        return None
    value: Any = None
    for extension in user.attributes.other.get("Extensions", {}).values():
        value = extension
        for name in names:
            value = _get(value, name) if isinstance(value, dict) else None
        if value is not None:
            break
    return value if isinstance(value, str) else None
