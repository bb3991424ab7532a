"""Property tests: arbitrary input never crashes validation, and merges drop operators.

Behaviour source: AWS Organizations User Guide, "Policy syntax and inheritance for
management policy types" (the displayed effective policy has no inheritance operators).
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from orgstack.services.organizations.management_policies import (
    MANAGEMENT_POLICY_TYPES,
    AttachedPolicy,
    ContentErrorReason,
    JsonObject,
    JsonValue,
    PolicyLevel,
    compute_effective_policy,
    parse_document,
    validate_content,
)

_KEYS = st.sampled_from(
    [
        "tags",
        "costcenter",
        "tag_key",
        "tag_value",
        "enforced_for",
        "services",
        "opt_out_policy",
        "plans",
        "regions",
        "@@assign",
        "@@append",
        "@@remove",
        "@@operators_allowed_for_child_policies",
        "@@none",
        "other",
    ]
)

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["optOut", "optIn", "ec2:instance", "@@none", "@@append", "a", "*"]),
)

_JSON: st.SearchStrategy[JsonValue] = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_KEYS, children, max_size=4),
    ),
    max_leaves=25,
)


def _value_element(operator: str, values: list[str], allowed: list[str] | None) -> JsonObject:
    element: JsonObject = {operator: list(values)}
    if allowed is not None:
        element["@@operators_allowed_for_child_policies"] = list(allowed)
    return element


_TAG_ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "tag_key": st.fixed_dictionaries(
            {"@@assign": st.sampled_from(["CostCenter", "COSTCENTER", "costcenter"])},
            optional={
                "@@operators_allowed_for_child_policies": st.sampled_from(
                    [["@@none"], ["@@all"], ["@@assign"]]
                )
            },
        ),
        "tag_value": st.builds(
            _value_element,
            st.sampled_from(["@@assign", "@@append", "@@remove"]),
            st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
            st.sampled_from([None, ["@@none"], ["@@append"], ["@@append", "@@remove"], ["@@all"]]),
        ),
    },
)

_TAG_POLICIES: st.SearchStrategy[JsonObject] = st.builds(
    lambda entry: {"tags": {"costcenter": entry}}, _TAG_ENTRY
)


@settings(max_examples=300)
@given(document=_JSON, policy_type=st.sampled_from(sorted(MANAGEMENT_POLICY_TYPES)))
def test_validation_never_raises_on_any_json(document: JsonValue, policy_type: str) -> None:
    errors = validate_content(policy_type, json.dumps(document))

    for error in errors:
        assert error.reason is ContentErrorReason.MALFORMED_POLICY_DOCUMENT
        assert error.message.startswith("Invalid ") or error.message.startswith("The policy")


@settings(max_examples=200)
@given(levels=st.lists(st.lists(_TAG_POLICIES, min_size=1, max_size=2), min_size=1, max_size=4))
def test_generated_tag_policies_merge_without_operators(levels: list[list[JsonObject]]) -> None:
    policy_levels = []
    for depth, documents in enumerate(levels):
        attached = []
        for position, document in enumerate(documents):
            content = json.dumps(document)
            assert validate_content("TAG_POLICY", content) == []
            parsed, _error = parse_document(content)
            assert parsed is not None
            attached.append(AttachedPolicy(f"p-{depth}-{position}", parsed))
        policy_levels.append(PolicyLevel(f"target-{depth}", tuple(attached)))

    result = compute_effective_policy("TAG_POLICY", policy_levels)

    assert result is not None
    assert "@@" not in result.content()
