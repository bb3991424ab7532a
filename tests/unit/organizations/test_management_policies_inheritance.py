"""Inheritance operators and effective-policy validation errors.

Behaviour source: AWS Organizations User Guide, "Inheritance operators" and "Inheritance
examples" under "Policy syntax and inheritance for management policy types"; error shape:
API reference, "EffectivePolicyValidationError".
"""

from __future__ import annotations

import json

import pytest

from orgstack.services.organizations.management_policies import (
    AttachedPolicy,
    EffectivePolicy,
    EffectivePolicyErrorCode,
    EffectivePolicyValidationError,
    JsonObject,
    JsonValue,
    PolicyLevel,
    compute_effective_policy,
)

ALLOWED = "@@operators_allowed_for_child_policies"


def _effective(policy_type: str, *levels: list[JsonObject]) -> EffectivePolicy:
    """Merge levels given as lists of documents; policy IDs are p-<level>-<position>."""
    policy_levels = [
        PolicyLevel(
            f"target-{depth}",
            tuple(
                AttachedPolicy(f"p-{depth}-{position}", document)
                for position, document in enumerate(documents)
            ),
        )
        for depth, documents in enumerate(levels)
    ]
    result = compute_effective_policy(policy_type, policy_levels)
    assert result is not None
    return result


def _tag_setting(setting: str, body: JsonObject, key: str = "costcenter") -> JsonObject:
    return {"tags": {key: {setting: body}}}


def _tag_values(result: EffectivePolicy, key: str = "costcenter") -> object:
    tags = result.document.get("tags")
    assert isinstance(tags, dict)
    entry = tags.get(key)
    return entry.get("tag_value") if isinstance(entry, dict) else None


def _codes(result: EffectivePolicy) -> list[tuple[EffectivePolicyErrorCode, str]]:
    return [(error.error_code, error.path_to_error) for error in result.validation_errors]


def test_assign_replaces_inherited_string() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("tag_key", {"@@assign": "CostCenter"})],
        [_tag_setting("tag_key", {"@@assign": "COSTCENTER"})],
    )

    assert result.document == {"tags": {"costcenter": {"tag_key": "COSTCENTER"}}}
    assert result.validation_errors == ()


def test_assign_replaces_inherited_array() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("tag_value", {"@@assign": ["a", "b"]})],
        [_tag_setting("tag_value", {"@@assign": ["c"]})],
    )

    assert _tag_values(result) == ["c"]


def test_append_without_inherited_value_adds_setting() -> None:
    result = _effective("TAG_POLICY", [], [_tag_setting("tag_value", {"@@append": ["a"]})])

    assert _tag_values(result) == ["a"]


def test_append_keeps_one_copy_of_each_value() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("tag_value", {"@@assign": ["a", "b"]})],
        [_tag_setting("tag_value", {"@@append": ["b", "c"]})],
    )

    assert _tag_values(result) == ["a", "b", "c"]


def test_remove_deletes_only_listed_values() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("tag_value", {"@@assign": ["a", "b", "c"]})],
        [_tag_setting("tag_value", {"@@remove": ["b", "z"]})],
    )

    assert _tag_values(result) == ["a", "c"]


def test_remove_without_inherited_value_adds_nothing() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("tag_key", {"@@assign": "CostCenter"})],
        [_tag_setting("tag_value", {"@@remove": ["a"]})],
    )

    assert result.document == {"tags": {"costcenter": {"tag_key": "CostCenter"}}}


def test_remove_of_every_value_drops_setting() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("enforced_for", {"@@assign": ["ec2:instance"]})],
        [_tag_setting("enforced_for", {"@@remove": ["ec2:instance"]})],
    )

    assert result.document == {}


def test_appends_at_one_level_apply_in_attachment_order() -> None:
    result = _effective(
        "TAG_POLICY",
        [
            _tag_setting("tag_value", {"@@append": ["second"]}),
            _tag_setting("tag_value", {"@@append": ["third"]}),
        ],
    )

    assert _tag_values(result) == ["second", "third"]


def test_first_assign_at_one_level_wins() -> None:
    result = _effective(
        "TAG_POLICY",
        [
            _tag_setting("tag_value", {"@@assign": ["first"]}),
            _tag_setting("tag_value", {"@@assign": ["second"]}),
        ],
    )

    assert _tag_values(result) == ["first"]
    assert result.validation_errors == ()


def test_child_assign_overrides_level_conflict() -> None:
    result = _effective(
        "TAG_POLICY",
        [
            _tag_setting("tag_value", {"@@assign": ["first"]}),
            _tag_setting("tag_value", {"@@assign": ["second"]}),
        ],
        [_tag_setting("tag_value", {"@@assign": ["child"]})],
    )

    assert _tag_values(result) == ["child"]


@pytest.mark.parametrize(
    ("allowed", "operator", "passes"),
    [
        (["@@all"], "@@assign", True),
        (["@@all"], "@@append", True),
        (["@@all"], "@@remove", True),
        (["@@assign"], "@@assign", True),
        (["@@assign"], "@@append", False),
        (["@@append"], "@@remove", False),
        (["@@append", "@@remove"], "@@remove", True),
        (["@@none"], "@@assign", False),
        (["@@none"], "@@append", False),
        (["@@none"], "@@remove", False),
    ],
)
def test_child_control_limits_operator(
    allowed: list[JsonValue], operator: str, passes: bool
) -> None:
    parent = _tag_setting("tag_value", {ALLOWED: allowed, "@@assign": ["a", "b"]})
    child = _tag_setting("tag_value", {operator: ["b", "c"]})

    result = _effective("TAG_POLICY", [parent], [child])

    changed = {"@@assign": ["b", "c"], "@@append": ["a", "b", "c"], "@@remove": ["a"]}
    if passes:
        assert _tag_values(result) == changed[operator]
        assert result.validation_errors == ()
    else:
        assert _tag_values(result) == ["a", "b"]
        assert _codes(result) == [
            (EffectivePolicyErrorCode.OPERATOR_NOT_ALLOWED, "/tags/costcenter/tag_value")
        ]


def test_rejected_operator_error_shape() -> None:
    parent = _tag_setting("tag_key", {ALLOWED: ["@@none"], "@@assign": "CostCenter"})
    child = _tag_setting("tag_key", {"@@assign": "costCenter"})

    result = _effective("TAG_POLICY", [parent], [child])

    assert [error.to_wire() for error in result.validation_errors] == [
        {
            "ErrorCode": "OPERATOR_NOT_ALLOWED",
            "ErrorMessage": (
                "Policy p-1-0 uses @@assign at /tags/costcenter/tag_key, but a parent policy "
                "allows only @@none there, so the change is ignored. Remove the operator "
                "from the child policy or allow it in the parent policy."
            ),
            "PathToError": "/tags/costcenter/tag_key",
            "ContributingPolicies": ["p-0-0", "p-1-0"],
        }
    ]


def test_limit_binds_every_lower_level() -> None:
    root = _tag_setting("tag_key", {ALLOWED: ["@@none"], "@@assign": "CostCenter"})
    account = _tag_setting("tag_key", {"@@assign": "COSTCENTER"})

    result = _effective("TAG_POLICY", [root], [], [], [account])

    assert result.document == {"tags": {"costcenter": {"tag_key": "CostCenter"}}}
    assert [error.contributing_policies for error in result.validation_errors] == [
        ("p-0-0", "p-3-0")
    ]


def test_child_cannot_widen_inherited_limit() -> None:
    root = _tag_setting("tag_value", {ALLOWED: ["@@append"], "@@assign": ["a"]})
    ou = _tag_setting("tag_value", {ALLOWED: ["@@all"], "@@append": ["b"]})
    account = _tag_setting("tag_value", {"@@remove": ["a"]})

    result = _effective("TAG_POLICY", [root], [ou], [account])

    assert _tag_values(result) == ["a", "b"]
    assert result.validation_errors[0].contributing_policies == ("p-0-0", "p-1-0", "p-2-0")


def test_limit_does_not_bind_same_level() -> None:
    locking = _tag_setting("tag_value", {ALLOWED: ["@@none"]})
    appending = _tag_setting("tag_value", {"@@append": ["a"]})

    result = _effective("TAG_POLICY", [locking, appending])

    assert _tag_values(result) == ["a"]
    assert result.validation_errors == ()


def test_none_blocks_new_keys_under_element() -> None:
    root: JsonObject = {
        "tags": {ALLOWED: ["@@none"], "costcenter": {"tag_key": {"@@assign": "CostCenter"}}}
    }
    child: JsonObject = {
        "tags": {
            "costcenter": {"tag_value": {"@@assign": ["a"]}},
            "project": {"tag_key": {"@@assign": "Project"}},
        }
    }

    result = _effective("TAG_POLICY", [root], [child])

    assert result.document == {
        "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["a"]}}
    }
    assert [error.to_wire() for error in result.validation_errors] == [
        {
            "ErrorCode": "ELEMENT_NOT_ALLOWED",
            "ErrorMessage": (
                "Policy p-1-0 adds /tags/project, but a parent policy sets @@none on the "
                "element that contains it, so the addition is ignored. Remove the key from "
                "the child policy or relax the parent policy."
            ),
            "PathToError": "/tags/project",
            "ContributingPolicies": ["p-0-0", "p-1-0"],
        }
    ]


def test_operator_limit_does_not_block_new_keys() -> None:
    root: JsonObject = {
        "tags": {ALLOWED: ["@@append"], "costcenter": {"tag_key": {"@@assign": "CostCenter"}}}
    }
    child: JsonObject = {"tags": {"project": {"tag_key": {"@@assign": "Project"}}}}

    result = _effective("TAG_POLICY", [root], [child])

    tags = result.document["tags"]
    assert isinstance(tags, dict)
    assert set(tags) == {"costcenter", "project"}
    assert result.validation_errors == ()


def test_tag_policy_keys_merge_regardless_of_case() -> None:
    result = _effective(
        "TAG_POLICY",
        [_tag_setting("tag_value", {"@@assign": ["a"]}, key="CostCenter")],
        [_tag_setting("tag_value", {"@@append": ["b"]}, key="costcenter")],
    )

    assert result.document == {"tags": {"CostCenter": {"tag_value": ["a", "b"]}}}


def test_backup_plan_names_are_case_sensitive() -> None:
    result = _effective(
        "BACKUP_POLICY",
        [{"plans": {"Daily": {"regions": {"@@assign": ["us-east-1"]}}}}],
        [{"plans": {"daily": {"regions": {"@@assign": ["eu-north-1"]}}}}],
    )

    plans = result.document["plans"]
    assert isinstance(plans, dict)
    assert set(plans) == {"Daily", "daily"}


BACKUP_PARENT: JsonObject = {
    "plans": {
        "PII_Backup_Plan": {
            "regions": {"@@append": ["us-east-1", "ap-northeast-3", "eu-north-1"]},
            "rules": {
                "Hourly": {
                    "schedule_expression": {"@@assign": "cron(0 0/1 ? * * *)"},
                    "start_backup_window_minutes": {"@@assign": "60"},
                    "target_backup_vault_name": {"@@assign": "FortKnox"},
                }
            },
            "selections": {
                "tags": {
                    "datatype": {
                        "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/MyIamRole"},
                        "tag_key": {"@@assign": "dataType"},
                        "tag_value": {"@@assign": ["PII", "RED"]},
                    }
                }
            },
        }
    }
}


def test_complete_backup_plan_has_no_errors() -> None:
    result = _effective("BACKUP_POLICY", [BACKUP_PARENT])

    assert result.document == {
        "plans": {
            "PII_Backup_Plan": {
                "regions": ["us-east-1", "ap-northeast-3", "eu-north-1"],
                "rules": {
                    "Hourly": {
                        "schedule_expression": "cron(0 0/1 ? * * *)",
                        "start_backup_window_minutes": "60",
                        "target_backup_vault_name": "FortKnox",
                    }
                },
                "selections": {
                    "tags": {
                        "datatype": {
                            "iam_role_arn": "arn:aws:iam::$account:role/MyIamRole",
                            "tag_key": "dataType",
                            "tag_value": ["PII", "RED"],
                        }
                    }
                },
            }
        }
    }
    assert result.validation_errors == ()


def test_incomplete_backup_plan_reports_missing_elements() -> None:
    partial: JsonObject = {
        "plans": {
            "Monthly": {
                "regions": {"@@assign": ["us-east-1"]},
                "rules": {"Monthly": {"schedule_expression": {"@@assign": "cron(0 5 1 * ? *)"}}},
            }
        }
    }

    result = _effective("BACKUP_POLICY", [partial])

    assert result.validation_errors == (
        EffectivePolicyValidationError(
            EffectivePolicyErrorCode.ELEMENT_MISSING,
            "The effective policy has no value for /plans/Monthly/selections. Assign it in a "
            "policy attached to the account or to one of its parents.",
            "/plans/Monthly/selections",
            ("p-0-0",),
        ),
        EffectivePolicyValidationError(
            EffectivePolicyErrorCode.ELEMENT_MISSING,
            "The effective policy has no value for "
            "/plans/Monthly/rules/Monthly/target_backup_vault_name. Assign it in a policy "
            "attached to the account or to one of its parents.",
            "/plans/Monthly/rules/Monthly/target_backup_vault_name",
            ("p-0-0",),
        ),
    )


def test_regions_removed_by_child_reported_missing() -> None:
    child: JsonObject = {
        "plans": {
            "PII_Backup_Plan": {
                "regions": {"@@remove": ["us-east-1", "ap-northeast-3", "eu-north-1"]}
            }
        }
    }

    result = _effective("BACKUP_POLICY", [BACKUP_PARENT], [child])

    assert _codes(result) == [
        (EffectivePolicyErrorCode.ELEMENT_MISSING, "/plans/PII_Backup_Plan/regions")
    ]


def test_appended_slack_workspaces_over_limit() -> None:
    def workspaces(operator: str, numbers: range) -> JsonObject:
        ids: list[JsonValue] = [f"T{number:08d}" for number in numbers]
        return {"chatbot": {"platforms": {"slack": {"workspaces": {operator: ids}}}}}

    result = _effective(
        "CHATBOT_POLICY",
        [workspaces("@@assign", range(200))],
        [workspaces("@@append", range(200, 300))],
    )

    assert result.validation_errors == (
        EffectivePolicyValidationError(
            EffectivePolicyErrorCode.ELEMENTS_TOO_MANY,
            "The effective policy has 300 entries at /chatbot/platforms/slack/workspaces; the "
            "maximum is 255. Remove entries from the contributing policies.",
            "/chatbot/platforms/slack/workspaces",
            ("p-0-0", "p-1-0"),
        ),
    )


def test_no_attached_policy_returns_none() -> None:
    empty_levels = [PolicyLevel("r-root", ()), PolicyLevel("111111111111", ())]

    assert compute_effective_policy("TAG_POLICY", []) is None
    assert compute_effective_policy("TAG_POLICY", empty_levels) is None


def test_effective_content_is_compact_json() -> None:
    result = _effective("TAG_POLICY", [_tag_setting("tag_value", {"@@assign": ["a", "b"]})])

    assert result.content() == '{"tags":{"costcenter":{"tag_value":["a","b"]}}}'
    assert json.loads(result.content()) == result.document


def test_effective_policy_does_not_alias_inputs() -> None:
    root = _tag_setting("tag_value", {"@@assign": ["a"]})

    result = _effective("TAG_POLICY", [root])
    values = _tag_values(result)
    assert isinstance(values, list)
    values.append("changed")

    assert root == _tag_setting("tag_value", {"@@assign": ["a"]})


@pytest.mark.parametrize("policy_type", ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"])
def test_authorization_type_has_no_effective_policy(policy_type: str) -> None:
    with pytest.raises(ValueError, match="has no effective policy"):
        compute_effective_policy(policy_type, [])
