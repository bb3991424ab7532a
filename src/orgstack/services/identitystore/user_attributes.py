"""The attributes of an identity-store user: AWS's rules for them, and UpdateUser's operations.

IAM Identity Center requires `UserName`, `DisplayName` and a `Name` with `GivenName` and
`FamilyName` (Identity Store API reference, CreateUser; AWS reports each missing one as
`<attribute>: The attribute <attribute> is required`). `Administrator` and `AWSAdministrators` are
reserved names for users and groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orgstack.protocol.errors import ValidationException
from orgstack.services.registry import Params

RESERVED_NAMES = frozenset({"administrator", "awsadministrators"})
NAME_PARTS = (
    "Formatted",
    "FamilyName",
    "GivenName",
    "MiddleName",
    "HonorificPrefix",
    "HonorificSuffix",
)
# Single-valued string attributes kept in `attributes_json`.
STRING_ATTRIBUTES = (
    "NickName",
    "ProfileUrl",
    "UserType",
    "Title",
    "PreferredLanguage",
    "Locale",
    "Timezone",
    "Website",
    "Birthdate",
)
# Multi-valued attributes: each is a list of objects with these members.
LIST_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Emails": ("Value", "Type", "Primary"),
    "Addresses": (
        "StreetAddress",
        "Locality",
        "Region",
        "PostalCode",
        "Country",
        "Formatted",
        "Type",
        "Primary",
    ),
    "PhoneNumbers": ("Value", "Type", "Primary"),
    "Photos": ("Value", "Type", "Display", "Primary"),
    "Roles": ("Value", "Type", "Primary"),
}
# The maximum number of entries in each multi-valued attribute (the model's constraints).
LIST_LIMITS = {"Emails": 1, "Addresses": 1, "PhoneNumbers": 1, "Photos": 3, "Roles": 1}
USER_STATUSES = ("ENABLED", "DISABLED")
MAX_STRING = 1024


@dataclass
class UserAttributes:
    """A user's attributes: the two with their own columns and the rest as the API returns them."""

    user_name: str | None
    display_name: str | None
    other: dict[str, Any]


def from_create(params: Params) -> UserAttributes:
    """Return the attributes of a CreateUser request, after AWS's checks of required ones."""
    other: dict[str, Any] = {}
    for key in ("Name", *STRING_ATTRIBUTES, *LIST_ATTRIBUTES):
        if params.get(key) is not None:
            other[key] = params[key]
    other["UserStatus"] = "ENABLED"
    attributes = UserAttributes(params.get("UserName"), params.get("DisplayName"), other)
    check_required(attributes)
    return attributes


def check_required(attributes: UserAttributes) -> None:
    """Raise ValidationException when a required attribute is missing or a name is reserved."""
    if not attributes.user_name:
        raise ValidationException("userName is a required attribute")
    check_not_reserved(attributes.user_name)

    missing: list[str] = []
    if not attributes.display_name:
        missing.append("displayname")
    name = attributes.other.get("Name")
    if not name:
        missing.append("name")
    else:
        if not name.get("GivenName"):
            missing.append("givenname")
        if not name.get("FamilyName"):
            missing.append("familyname")
    if missing:
        raise ValidationException(
            ", ".join(
                f"{attribute}: The attribute {attribute} is required" for attribute in missing
            )
        )


def check_not_reserved(name: str) -> None:
    if name.lower() in RESERVED_NAMES:
        raise ValidationException(f"{name} is a reserved name and cannot be used.")


def apply_operations(attributes: UserAttributes, operations: list[dict[str, Any]]) -> None:
    """Apply UpdateUser's AttributeOperations in order, then check the required attributes.

    A path names a top-level attribute (`displayName`, `emails`) or a part of `name`
    (`name.givenName`), in any case. A missing or null value removes the attribute.
    """
    for item in operations:
        path = str(item["AttributePath"])
        _apply(attributes, path, item.get("AttributeValue"))
    check_required(attributes)


def _apply(attributes: UserAttributes, path: str, value: Any) -> None:
    parts = path.split(".")
    top = _canonical(
        parts[0],
        ("UserName", "DisplayName", "Name", "UserStatus", *STRING_ATTRIBUTES, *LIST_ATTRIBUTES),
    )
    if top is None or (len(parts) > 1 and top != "Name") or len(parts) > 2:
        raise _invalid_path(path)

    if top == "UserName":
        attributes.user_name = _string(path, value)
    elif top == "DisplayName":
        attributes.display_name = _string(path, value)
    elif top == "Name":
        _apply_name(attributes, path, parts[1:], value)
    elif top == "UserStatus":
        status = _string(path, value)
        if status not in USER_STATUSES:
            raise ValidationException(f"Invalid value for attribute {path}")
        attributes.other["UserStatus"] = status
    elif top in LIST_ATTRIBUTES:
        _set(attributes.other, top, _entries(path, top, value))
    else:
        _set(attributes.other, top, _string(path, value))


def _apply_name(attributes: UserAttributes, path: str, rest: list[str], value: Any) -> None:
    if not rest:
        _set(attributes.other, "Name", _name(path, value))
        return
    part = _canonical(rest[0], NAME_PARTS)
    if part is None:
        raise _invalid_path(path)
    name = dict(attributes.other.get("Name") or {})
    _set(name, part, _string(path, value))
    _set(attributes.other, "Name", name or None)


def _name(path: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid_value(path)
    result: dict[str, Any] = {}
    for key, item in value.items():
        part = _canonical(key, NAME_PARTS)
        if part is None:
            raise _invalid_value(path)
        result[part] = _string(path, item)
    return result


def _entries(path: str, attribute: str, value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= LIST_LIMITS[attribute]:
        raise _invalid_value(path)
    members = LIST_ATTRIBUTES[attribute]
    entries: list[dict[str, Any]] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise _invalid_value(path)
        converted: dict[str, Any] = {}
        for key, item in entry.items():
            member = _canonical(key, members)
            if member is None:
                raise _invalid_value(path)
            if member == "Primary":
                if not isinstance(item, bool):
                    raise _invalid_value(path)
                converted[member] = item
            else:
                converted[member] = _string(path, item)
        entries.append(converted)
    return entries


def _string(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_STRING:
        raise _invalid_value(path)
    return value


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _canonical(name: str, choices: tuple[str, ...] | Any) -> str | None:
    """Return the member name in `choices` that equals `name` ignoring case, or None."""
    wanted = name.lower()
    for choice in choices:
        if choice.lower() == wanted:
            return str(choice)
    return None


def _invalid_path(path: str) -> ValidationException:
    return ValidationException(f"Invalid attribute path {path}")


def _invalid_value(path: str) -> ValidationException:
    return ValidationException(f"Invalid value for attribute {path}")
