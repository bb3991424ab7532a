"""Backup policy grammar.

Source: AWS Organizations User Guide, "Backup policy syntax and examples". Numbers such as
`start_backup_window_minutes` appear as strings in AWS's examples, so those settings take
any JSON scalar.
"""

from __future__ import annotations

from ..schema import Collection, Grammar, Open, Section, Setting, ValueKind

_STRING = Setting(ValueKind.STRING)
_SCALAR = Setting(ValueKind.SCALAR)
_STRING_LIST = Setting(ValueKind.STRING_LIST)

# The guide assigns a single string to backup_plan_tags values and describes
# recovery_point_tags values as one or more values, so tag values take either form.
_TAG = Section(
    fields={"tag_key": _STRING, "tag_value": Setting(ValueKind.STRING_OR_LIST)},
    required=frozenset({"tag_key"}),
)

_LIFECYCLE = Section(
    fields={
        "move_to_cold_storage_after_days": _SCALAR,
        "delete_after_days": _SCALAR,
        "opt_in_to_archive_for_supported_resources": _SCALAR,
    }
)

_COPY_ACTION = Section(
    fields={"target_backup_vault_arn": _STRING, "lifecycle": _LIFECYCLE},
)

# AWS Backup plan rules take more settings than the syntax page describes, so rules
# accept keys this grammar does not name. Those are checked only as JSON objects with
# correctly used operators.
_RULE = Section(
    fields={
        "schedule_expression": _STRING,
        "schedule_expression_timezone": _STRING,
        "start_backup_window_minutes": _SCALAR,
        "complete_backup_window_minutes": _SCALAR,
        "target_backup_vault_name": _STRING,
        "enable_continuous_backup": _SCALAR,
        "recovery_point_tags": Collection(item=_TAG, case_insensitive=True),
        "lifecycle": _LIFECYCLE,
        "copy_actions": Collection(item=_COPY_ACTION),
    },
    required=frozenset({"schedule_expression", "target_backup_vault_name"}),
    open=True,
)

_TAG_SELECTION = Section(
    fields={"iam_role_arn": _STRING, "tag_key": _STRING, "tag_value": _STRING_LIST},
    required=frozenset({"iam_role_arn", "tag_key", "tag_value"}),
)

_SELECTIONS = Section(
    fields={
        "tags": Collection(item=_TAG_SELECTION, case_insensitive=True),
        "resources": Collection(item=Open()),
    }
)

_PLAN = Section(
    fields={
        "rules": Collection(item=_RULE),
        "regions": _STRING_LIST,
        "selections": _SELECTIONS,
        "advanced_backup_settings": Collection(item=Collection(item=_SCALAR)),
        "backup_plan_tags": Collection(item=_TAG, case_insensitive=True),
    },
    required=frozenset({"rules", "regions", "selections"}),
)

BACKUP_POLICY_GRAMMAR = Grammar(
    name="backup policy",
    root=Section(fields={"plans": Collection(item=_PLAN)}),
    top_key="plans",
)
