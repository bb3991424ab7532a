"""Tag policy grammar.

Source: AWS Organizations User Guide, "Tag policy syntax and examples".
"""

from __future__ import annotations

from ..model import JsonObject
from ..operators import ASSIGN
from ..schema import Collection, Grammar, Section, Setting, ValueKind

# AWS resource tag limits: keys have 1-128 characters and values up to 256.
_MAX_TAG_KEY_LENGTH = 128
_MAX_TAG_VALUE_LENGTH = 256


def _check_tag_key(key: str) -> str | None:
    if not 1 <= len(key) <= _MAX_TAG_KEY_LENGTH:
        return f"must have 1 to {_MAX_TAG_KEY_LENGTH} characters"
    return None


def _check_tag_value(value: str) -> str | None:
    if len(value) > _MAX_TAG_VALUE_LENGTH:
        return f"has a value longer than {_MAX_TAG_VALUE_LENGTH} characters"
    if value.count("*") > 1:
        return f"has the value `{value}`; a tag value may contain only one `*` wildcard"
    return None


def _check_resource_type(value: str) -> str | None:
    """Check an `enforced_for` entry: `<service>:<resource type>` or `<service>:*`."""
    service, separator, resource = value.partition(":")
    if not separator or not service or not resource:
        return f"has the value `{value}`; write `<service>:<resource type>` or `<service>:*`"
    if "*" in service:
        return f"has the value `{value}`; a wildcard cannot stand for the service"
    if "*" in resource and resource != "*":
        return f"has the value `{value}`; use `*` alone for all resource types of a service"
    return None


_TAG_ENTRY = Section(
    fields={
        "tag_key": Setting(ValueKind.STRING, item_check=_check_tag_key),
        "tag_value": Setting(ValueKind.STRING_LIST, item_check=_check_tag_value),
        "enforced_for": Setting(ValueKind.STRING_LIST, item_check=_check_resource_type),
        "report_required_for": Setting(ValueKind.STRING_LIST, item_check=_check_resource_type),
    }
)


def _check_tag_key_matches_policy_key(document: JsonObject) -> list[tuple[tuple[str, ...], str]]:
    """The assigned tag key must equal its policy key except for case."""
    problems: list[tuple[tuple[str, ...], str]] = []
    tags = document.get("tags")
    if not isinstance(tags, dict):
        return problems

    for policy_key, entry in tags.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("tag_key"), dict):
            continue
        tag_key_element = entry["tag_key"]
        assert isinstance(tag_key_element, dict)
        assigned = tag_key_element.get(ASSIGN)
        if isinstance(assigned, str) and assigned.lower() != policy_key.lower():
            problems.append(
                (
                    ("tags", policy_key, "tag_key", ASSIGN),
                    f"assigns `{assigned}`, which differs from the policy key `{policy_key}` "
                    "by more than case; use the same name",
                )
            )
    return problems


TAG_POLICY_GRAMMAR = Grammar(
    name="tag policy",
    root=Section(
        fields={
            "tags": Collection(item=_TAG_ENTRY, case_insensitive=True, key_check=_check_tag_key)
        }
    ),
    top_key="tags",
    document_checks=(_check_tag_key_matches_policy_key,),
)
