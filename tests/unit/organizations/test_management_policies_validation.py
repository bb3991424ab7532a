"""Policy document validation for the management policy types.

Grammar sources, AWS Organizations User Guide: "Tag policy syntax and examples", "Backup
policy syntax and examples", "AI services opt-out policy syntax and examples", "Chat
applications policy syntax and examples", "Declarative policy syntax and examples" and
"Inheritance operators". Size limits: "Quotas and service limits for AWS Organizations".
"""

from __future__ import annotations

import json

import pytest

from orgstack.services.organizations.management_policies import (
    MANAGEMENT_POLICY_TYPES,
    ContentError,
    ContentErrorReason,
    JsonObject,
    PolicyType,
    check_content_size,
    content_size_limit,
    parse_document,
    validate_content,
)

MALFORMED = ContentErrorReason.MALFORMED_POLICY_DOCUMENT


def _errors(policy_type: str, document: object) -> list[tuple[str, str]]:
    return [
        (error.path, error.message) for error in validate_content(policy_type, json.dumps(document))
    ]


def _tag(entry: object, key: str = "costcenter") -> dict[str, object]:
    return {"tags": {key: entry}}


# Each case: (name, policy type, document, [(path, message), ...]).
GRAMMAR_ERRORS: list[tuple[str, str, object, list[tuple[str, str]]]] = [
    (
        "tag policy without tags key",
        "TAG_POLICY",
        {"tag": {}},
        [("", "Invalid tag policy: the document root must start with the `tags` key.")],
    ),
    (
        "unknown top-level key",
        "TAG_POLICY",
        {"tags": {}, "labels": {}},
        [
            (
                "/labels",
                "Invalid tag policy: `/labels` is not a valid key here; expected one of `tags`.",
            )
        ],
    ),
    (
        "operator at document root",
        "TAG_POLICY",
        {"tags": {}, "@@assign": "x"},
        [
            (
                "/@@assign",
                "Invalid tag policy: `/@@assign` is an operator; operators belong inside "
                "policy elements.",
            )
        ],
    ),
    (
        "element that is not an object",
        "TAG_POLICY",
        _tag({"tag_key": "CostCenter"}),
        [
            (
                "/tags/costcenter/tag_key",
                "Invalid tag policy: `/tags/costcenter/tag_key` must be a JSON object such as "
                '{"@@assign": ...}.',
            )
        ],
    ),
    (
        "unknown operator",
        "TAG_POLICY",
        _tag({"tag_key": {"@@replace": "CostCenter"}}),
        [
            (
                "/tags/costcenter/tag_key/@@replace",
                "Invalid tag policy: `/tags/costcenter/tag_key/@@replace` is not an "
                "inheritance operator.",
            )
        ],
    ),
    (
        "value operator on an element that contains keys",
        "TAG_POLICY",
        _tag({"@@assign": "CostCenter"}),
        [
            (
                "/tags/costcenter",
                "Invalid tag policy: `/tags/costcenter` contains policy elements, so it "
                "cannot take `@@assign`.",
            )
        ],
    ),
    (
        "two value operators on one setting",
        "TAG_POLICY",
        _tag({"tag_value": {"@@assign": ["a"], "@@append": ["b"]}}),
        [
            (
                "/tags/costcenter/tag_value",
                "Invalid tag policy: `/tags/costcenter/tag_value` uses more than one "
                "value-setting operator; keep only one.",
            )
        ],
    ),
    (
        "key next to a value operator",
        "TAG_POLICY",
        _tag({"tag_value": {"@@assign": ["a"], "extra": {}}}),
        [
            (
                "/tags/costcenter/tag_value/extra",
                "Invalid tag policy: `/tags/costcenter/tag_value/extra` cannot sit next to "
                "`@@assign`.",
            )
        ],
    ),
    (
        "key inside a setting without operator",
        "TAG_POLICY",
        _tag({"tag_value": {"extra": {}}}),
        [
            (
                "/tags/costcenter/tag_value/extra",
                "Invalid tag policy: `/tags/costcenter/tag_value/extra` is not allowed inside "
                "a setting.",
            )
        ],
    ),
    (
        "@@append on a single-valued setting",
        "TAG_POLICY",
        _tag({"tag_key": {"@@append": ["CostCenter"]}}),
        [
            (
                "/tags/costcenter/tag_key/@@append",
                "Invalid tag policy: `/tags/costcenter/tag_key/@@append` is not allowed on "
                "this element; use `@@assign`.",
            )
        ],
    ),
    (
        "@@remove on a single-valued setting",
        "TAG_POLICY",
        _tag({"tag_key": {"@@remove": ["CostCenter"]}}),
        [
            (
                "/tags/costcenter/tag_key/@@remove",
                "Invalid tag policy: `/tags/costcenter/tag_key/@@remove` is not allowed on "
                "this element; use `@@assign`.",
            )
        ],
    ),
    (
        "@@append with a string",
        "TAG_POLICY",
        _tag({"enforced_for": {"@@append": "ec2:instance"}}),
        [
            (
                "/tags/costcenter/enforced_for/@@append",
                "Invalid tag policy: `/tags/costcenter/enforced_for/@@append` works only on "
                "JSON arrays.",
            )
        ],
    ),
    (
        "@@assign string where an array is required",
        "TAG_POLICY",
        _tag({"tag_value": {"@@assign": "Development"}}),
        [
            (
                "/tags/costcenter/tag_value/@@assign",
                "Invalid tag policy: `/tags/costcenter/tag_value/@@assign` must be a JSON "
                "array of strings.",
            )
        ],
    ),
    (
        "@@assign array where a string is required",
        "TAG_POLICY",
        _tag({"tag_key": {"@@assign": ["CostCenter"]}}),
        [
            (
                "/tags/costcenter/tag_key/@@assign",
                "Invalid tag policy: `/tags/costcenter/tag_key/@@assign` must be a string.",
            )
        ],
    ),
    (
        "array with a number",
        "TAG_POLICY",
        _tag({"tag_value": {"@@assign": ["100", 200]}}),
        [
            (
                "/tags/costcenter/tag_value/@@assign",
                "Invalid tag policy: `/tags/costcenter/tag_value/@@assign` must be a JSON "
                "array of strings, but contains `200`.",
            )
        ],
    ),
    (
        "tag value with two wildcards",
        "TAG_POLICY",
        _tag({"tag_value": {"@@assign": ["*@*.com"]}}),
        [
            (
                "/tags/costcenter/tag_value/@@assign",
                "Invalid tag policy: `/tags/costcenter/tag_value/@@assign` has the value "
                "`*@*.com`; a tag value may contain only one `*` wildcard.",
            )
        ],
    ),
    (
        "enforced_for without a service",
        "TAG_POLICY",
        _tag({"enforced_for": {"@@assign": ["instance"]}}),
        [
            (
                "/tags/costcenter/enforced_for/@@assign",
                "Invalid tag policy: `/tags/costcenter/enforced_for/@@assign` has the value "
                "`instance`; write `<service>:<resource type>` or `<service>:*`.",
            )
        ],
    ),
    (
        "enforced_for with a wildcard service",
        "TAG_POLICY",
        _tag({"enforced_for": {"@@assign": ["*:table"]}}),
        [
            (
                "/tags/costcenter/enforced_for/@@assign",
                "Invalid tag policy: `/tags/costcenter/enforced_for/@@assign` has the value "
                "`*:table`; a wildcard cannot stand for the service.",
            )
        ],
    ),
    (
        "report_required_for with a partial wildcard",
        "TAG_POLICY",
        _tag({"report_required_for": {"@@assign": ["ec2:inst*"]}}),
        [
            (
                "/tags/costcenter/report_required_for/@@assign",
                "Invalid tag policy: `/tags/costcenter/report_required_for/@@assign` has the "
                "value `ec2:inst*`; use `*` alone for all resource types of a service.",
            )
        ],
    ),
    (
        "tag key that differs from its policy key",
        "TAG_POLICY",
        _tag({"tag_key": {"@@assign": "Cost-Center"}}),
        [
            (
                "/tags/costcenter/tag_key/@@assign",
                "Invalid tag policy: `/tags/costcenter/tag_key/@@assign` assigns "
                "`Cost-Center`, which differs from the policy key `costcenter` by more than "
                "case; use the same name.",
            )
        ],
    ),
    (
        "policy key longer than a tag key may be",
        "TAG_POLICY",
        _tag({}, key="k" * 129),
        [
            (
                "/tags/" + "k" * 129,
                f"Invalid tag policy: `/tags/{'k' * 129}` must have 1 to 128 characters.",
            )
        ],
    ),
    (
        "unknown key in a tag entry",
        "TAG_POLICY",
        _tag({"tag_values": {"@@assign": ["a"]}}),
        [
            (
                "/tags/costcenter/tag_values",
                "Invalid tag policy: `/tags/costcenter/tag_values` is not a valid key here; "
                "expected one of `tag_key`, `tag_value`, `enforced_for`, "
                "`report_required_for`.",
            )
        ],
    ),
    (
        "child control that is not an array",
        "TAG_POLICY",
        _tag({"tag_key": {"@@operators_allowed_for_child_policies": "@@none"}}),
        [
            (
                "/tags/costcenter/tag_key/@@operators_allowed_for_child_policies",
                "Invalid tag policy: "
                "`/tags/costcenter/tag_key/@@operators_allowed_for_child_policies` must be a "
                "non-empty JSON array of operator names.",
            )
        ],
    ),
    (
        "child control with an empty array",
        "TAG_POLICY",
        _tag({"tag_key": {"@@operators_allowed_for_child_policies": []}}),
        [
            (
                "/tags/costcenter/tag_key/@@operators_allowed_for_child_policies",
                "Invalid tag policy: "
                "`/tags/costcenter/tag_key/@@operators_allowed_for_child_policies` must be a "
                "non-empty JSON array of operator names.",
            )
        ],
    ),
    (
        "child control with an unknown name",
        "TAG_POLICY",
        _tag({"tag_key": {"@@operators_allowed_for_child_policies": ["@@replace"]}}),
        [
            (
                "/tags/costcenter/tag_key/@@operators_allowed_for_child_policies",
                "Invalid tag policy: "
                "`/tags/costcenter/tag_key/@@operators_allowed_for_child_policies` contains "
                "`@@replace`; use only @@all, @@append, @@assign, @@none, @@remove.",
            )
        ],
    ),
    (
        "child control mixing @@none with an operator",
        "TAG_POLICY",
        _tag({"tag_key": {"@@operators_allowed_for_child_policies": ["@@none", "@@assign"]}}),
        [
            (
                "/tags/costcenter/tag_key/@@operators_allowed_for_child_policies",
                "Invalid tag policy: "
                "`/tags/costcenter/tag_key/@@operators_allowed_for_child_policies` lists "
                "`@@all` or `@@none` together with other operators.",
            )
        ],
    ),
    (
        "AI opt-out without services key",
        "AISERVICES_OPT_OUT_POLICY",
        {"service": {}},
        [
            (
                "",
                "Invalid AI services opt-out policy: the document root must start with the "
                "`services` key.",
            )
        ],
    ),
    (
        "AI opt-out with @@append",
        "AISERVICES_OPT_OUT_POLICY",
        {"services": {"lex": {"opt_out_policy": {"@@append": ["optOut"]}}}},
        [
            (
                "/services/lex/opt_out_policy/@@append",
                "Invalid AI services opt-out policy: `/services/lex/opt_out_policy/@@append` "
                "is not allowed on this element; use `@@assign`.",
            )
        ],
    ),
    (
        "AI opt-out child control listing @@remove",
        "AISERVICES_OPT_OUT_POLICY",
        {"services": {"@@operators_allowed_for_child_policies": ["@@remove"]}},
        [
            (
                "/services/@@operators_allowed_for_child_policies",
                "Invalid AI services opt-out policy: "
                "`/services/@@operators_allowed_for_child_policies` lists `@@remove`, which "
                "AI services opt-out policy documents do not use.",
            )
        ],
    ),
    (
        "AI opt-out value in the wrong case",
        "AISERVICES_OPT_OUT_POLICY",
        {"services": {"lex": {"opt_out_policy": {"@@assign": "optout"}}}},
        [
            (
                "/services/lex/opt_out_policy/@@assign",
                "Invalid AI services opt-out policy: `/services/lex/opt_out_policy/@@assign` "
                "has the value `optout`; use one of `optIn`, `optOut`.",
            )
        ],
    ),
    (
        "AI opt-out key other than opt_out_policy",
        "AISERVICES_OPT_OUT_POLICY",
        {"services": {"lex": {"enforced_for": {"@@assign": ["lex:bot"]}}}},
        [
            (
                "/services/lex/enforced_for",
                "Invalid AI services opt-out policy: `/services/lex/enforced_for` is not a "
                "valid key here; expected one of `opt_out_policy`.",
            )
        ],
    ),
    (
        "backup plan with an unknown key",
        "BACKUP_POLICY",
        {"plans": {"Daily": {"schedule": {"@@assign": "cron(0 5 ? * * *)"}}}},
        [
            (
                "/plans/Daily/schedule",
                "Invalid backup policy: `/plans/Daily/schedule` is not a valid key here; "
                "expected one of `rules`, `regions`, `selections`, "
                "`advanced_backup_settings`, `backup_plan_tags`.",
            )
        ],
    ),
    (
        "backup regions as a string",
        "BACKUP_POLICY",
        {"plans": {"Daily": {"regions": {"@@assign": "us-east-1"}}}},
        [
            (
                "/plans/Daily/regions/@@assign",
                "Invalid backup policy: `/plans/Daily/regions/@@assign` must be a JSON array "
                "of strings.",
            )
        ],
    ),
    (
        "backup rule window as an object",
        "BACKUP_POLICY",
        {
            "plans": {
                "Daily": {"rules": {"Hourly": {"start_backup_window_minutes": {"@@assign": {}}}}}
            }
        },
        [
            (
                "/plans/Daily/rules/Hourly/start_backup_window_minutes/@@assign",
                "Invalid backup policy: "
                "`/plans/Daily/rules/Hourly/start_backup_window_minutes/@@assign` must be a "
                "string, number or boolean.",
            )
        ],
    ),
    (
        "backup selections with an unknown key",
        "BACKUP_POLICY",
        {"plans": {"Daily": {"selections": {"labels": {}}}}},
        [
            (
                "/plans/Daily/selections/labels",
                "Invalid backup policy: `/plans/Daily/selections/labels` is not a valid key "
                "here; expected one of `tags`, `resources`.",
            )
        ],
    ),
    (
        "chatbot client value outside the choices",
        "CHATBOT_POLICY",
        {"chatbot": {"platforms": {"chime": {"client": {"@@assign": "on"}}}}},
        [
            (
                "/chatbot/platforms/chime/client/@@assign",
                "Invalid chat applications policy: "
                "`/chatbot/platforms/chime/client/@@assign` has the value `on`; use one of "
                "`disabled`, `enabled`.",
            )
        ],
    ),
    (
        "chatbot unknown platform",
        "CHATBOT_POLICY",
        {"chatbot": {"platforms": {"discord": {}}}},
        [
            (
                "/chatbot/platforms/discord",
                "Invalid chat applications policy: `/chatbot/platforms/discord` is not a "
                "valid key here; expected one of `slack`, `microsoft_teams`, `chime`.",
            )
        ],
    ),
    (
        "chatbot with more than 255 Slack workspaces",
        "CHATBOT_POLICY",
        {
            "chatbot": {
                "platforms": {
                    "slack": {"workspaces": {"@@assign": [f"T{n:08d}" for n in range(256)]}}
                }
            }
        },
        [
            (
                "/chatbot/platforms/slack/workspaces/@@assign",
                "Invalid chat applications policy: "
                "`/chatbot/platforms/slack/workspaces/@@assign` has 256 values; the maximum "
                "is 255.",
            )
        ],
    ),
    (
        "chatbot with more than 255 Slack overrides",
        "CHATBOT_POLICY",
        {"chatbot": {"platforms": {"slack": {"overrides": {f"T{n:08d}": {} for n in range(256)}}}}},
        [
            (
                "/chatbot/platforms/slack/overrides",
                "Invalid chat applications policy: `/chatbot/platforms/slack/overrides` has "
                "256 entries; the maximum is 255.",
            )
        ],
    ),
    (
        "declarative policy unknown attribute",
        "DECLARATIVE_POLICY_EC2",
        {"ec2_attributes": {"ebs_encryption": {"@@assign": "enabled"}}},
        [
            (
                "/ec2_attributes/ebs_encryption",
                "Invalid declarative policy: `/ec2_attributes/ebs_encryption` is not a valid "
                "key here; expected one of `exception_message`, `vpc_block_public_access`, "
                "`serial_console_access`, `image_block_public_access`, "
                "`allowed_images_settings`, `instance_metadata_defaults`, "
                "`snapshot_block_public_access`.",
            )
        ],
    ),
    (
        "declarative policy with a value where an object belongs",
        "DECLARATIVE_POLICY_EC2",
        {"ec2_attributes": {"serial_console_access": {"status": "enabled"}}},
        [
            (
                "/ec2_attributes/serial_console_access/status",
                "Invalid declarative policy: `/ec2_attributes/serial_console_access/status` "
                'must be a JSON object such as {"@@assign": ...}.',
            )
        ],
    ),
    (
        "generic type with @@append on a string",
        "INSPECTOR_POLICY",
        {"inspector": {"enablement": {"@@append": "ec2"}}},
        [
            (
                "/inspector/enablement/@@append",
                "Invalid inspector policy: `/inspector/enablement/@@append` works only on "
                "JSON arrays.",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("policy_type", "document", "expected"),
    [case[1:] for case in GRAMMAR_ERRORS],
    ids=[case[0] for case in GRAMMAR_ERRORS],
)
def test_grammar_error_reported(policy_type: str, document: object, expected: object) -> None:
    assert _errors(policy_type, document) == expected


@pytest.mark.parametrize("case", GRAMMAR_ERRORS, ids=[case[0] for case in GRAMMAR_ERRORS])
def test_grammar_error_is_malformed(case: tuple[str, str, object, object]) -> None:
    errors = validate_content(case[1], json.dumps(case[2]))

    assert errors
    assert {error.reason for error in errors} == {MALFORMED}
    assert {error.reason.error_code for error in errors} == {"MalformedPolicyDocumentException"}
    assert {error.reason.constraint_reason for error in errors} == {None}


BACKUP_GUIDE_POLICY: JsonObject = {
    "plans": {
        "PII_Backup_Plan": {
            "rules": {
                "My_Hourly_Rule": {
                    "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"},
                    "start_backup_window_minutes": {"@@assign": "60"},
                    "complete_backup_window_minutes": {"@@assign": "604800"},
                    "target_backup_vault_name": {"@@assign": "My_Backup_Vault"},
                    "recovery_point_tags": {
                        "Owner": {
                            "tag_key": {"@@assign": "Owner"},
                            "tag_value": {"@@assign": "Backup"},
                        }
                    },
                    "lifecycle": {
                        "move_to_cold_storage_after_days": {"@@assign": "180"},
                        "delete_after_days": {"@@assign": "270"},
                    },
                    "copy_actions": {
                        "arn:aws:backup:us-west-2:$account:backup-vault:My_Secondary_Vault": {
                            "target_backup_vault_arn": {
                                "@@assign": (
                                    "arn:aws:backup:us-west-2:$account:backup-vault:"
                                    "My_Secondary_Vault"
                                )
                            },
                            "lifecycle": {
                                "move_to_cold_storage_after_days": {"@@assign": "180"},
                                "delete_after_days": {"@@assign": "270"},
                            },
                        }
                    },
                }
            },
            "regions": {"@@append": ["us-east-1", "eu-north-1"]},
            "selections": {
                "tags": {
                    "My_Backup_Assignment": {
                        "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/MyIamRole"},
                        "tag_key": {"@@assign": "dataType"},
                        "tag_value": {"@@assign": ["PII", "RED"]},
                    }
                }
            },
            "advanced_backup_settings": {"ec2": {"WindowsVSS": {"@@assign": "enabled"}}},
            "backup_plan_tags": {
                "stage": {"tag_key": {"@@assign": "Stage"}, "tag_value": {"@@assign": "Beta"}}
            },
        }
    }
}

CHATBOT_GUIDE_POLICY: JsonObject = {
    "chatbot": {
        "platforms": {
            "slack": {
                "client": {"@@assign": "enabled"},
                "workspaces": {"@@assign": ["Slack-Workspace-Id"]},
                "default": {
                    "supported_channel_types": {"@@assign": ["private"]},
                    "supported_role_settings": {"@@assign": ["user_role"]},
                },
                "overrides": {
                    "Slack-Workspace-Id": {
                        "supported_channel_types": {"@@assign": ["public"]},
                        "supported_role_settings": {"@@assign": ["user_role"]},
                    }
                },
            },
            "microsoft_teams": {
                "client": {"@@assign": "enabled"},
                "tenants": {"Microsoft-Teams-Tenant-Id": {"@@assign": ["Microsoft-Teams-Team-Id"]}},
                "default": {"supported_role_settings": {"@@assign": ["user_role"]}},
                "overrides": {
                    "Microsoft-Teams-Tenant-Id": {
                        "Microsoft-Teams-Team-Id": {
                            "supported_role_settings": {"@@assign": ["user_role"]}
                        }
                    }
                },
            },
            "chime": {"client": {"@@assign": "disabled"}},
        },
        "default": {"client": {"@@assign": "disabled"}},
    }
}

DECLARATIVE_GUIDE_POLICY: JsonObject = {
    "ec2_attributes": {
        "exception_message": {"@@assign": "Your custom error message.https://myURL"},
        "vpc_block_public_access": {
            "internet_gateway_block": {
                "mode": {"@@assign": "block_ingress"},
                "exclusions_allowed": {"@@assign": "enabled"},
            }
        },
    }
}

TAG_GUIDE_POLICY: JsonObject = {
    "tags": {
        "CostCenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["100", "200"]},
            "enforced_for": {"@@assign": ["secretsmanager:*"]},
        }
    }
}

AI_GUIDE_POLICY: JsonObject = {
    "services": {
        "default": {"opt_out_policy": {"@@assign": "optOut"}},
        "comprehend": {
            "opt_out_policy": {
                "@@operators_allowed_for_child_policies": ["@@none"],
                "@@assign": "optOut",
            }
        },
        "rekognition": {"opt_out_policy": {"@@assign": "optIn"}},
    }
}

VALID_DOCUMENTS: list[tuple[str, str, object]] = [
    ("tag syntax page basic policy", "TAG_POLICY", TAG_GUIDE_POLICY),
    ("backup syntax page complete policy", "BACKUP_POLICY", BACKUP_GUIDE_POLICY),
    ("AI opt-out syntax page root policy", "AISERVICES_OPT_OUT_POLICY", AI_GUIDE_POLICY),
    ("chatbot syntax page basic policy", "CHATBOT_POLICY", CHATBOT_GUIDE_POLICY),
    ("declarative syntax page VPC BPA", "DECLARATIVE_POLICY_EC2", DECLARATIVE_GUIDE_POLICY),
    (
        "backup rule key this grammar does not name",
        "BACKUP_POLICY",
        {"plans": {"Daily": {"rules": {"Hourly": {"index_actions": {"resource_types": {}}}}}}},
    ),
    (
        "tag entry with only a child-control operator",
        "TAG_POLICY",
        {"tags": {"project": {"tag_value": {"@@operators_allowed_for_child_policies": ["@@all"]}}}},
    ),
    (
        "tag keys differing only in case",
        "TAG_POLICY",
        {"tags": {"costcenter": {"tag_key": {"@@assign": "COSTCENTER"}}}},
    ),
    (
        "tag wildcard forms the guide allows",
        "TAG_POLICY",
        _tag(
            {"tag_value": {"@@assign": ["*@example.com"]}, "enforced_for": {"@@assign": ["ec2:*"]}}
        ),
    ),
    ("empty tags object", "TAG_POLICY", {"tags": {}}),
    ("security hub policy of any shape", "SECURITYHUB_POLICY", {"securityhub": {"x": {"y": {}}}}),
    ("empty S3 policy object", "S3_POLICY", {}),
]


@pytest.mark.parametrize(
    ("policy_type", "document"),
    [case[1:] for case in VALID_DOCUMENTS],
    ids=[case[0] for case in VALID_DOCUMENTS],
)
def test_valid_document_accepted(policy_type: str, document: object) -> None:
    assert validate_content(policy_type, json.dumps(document)) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"tags": ', "The policy is not valid JSON: Expecting value: line 1 column 10 (char 9)."),
        ("[]", "The policy must be a JSON object."),
        ('"tags"', "The policy must be a JSON object."),
        (
            '{"tags": {}, "tags": {}}',
            "The policy repeats the key `tags` in one object; keep one of them.",
        ),
        (
            '{"tags": {"a": {"tag_value": {"@@assign": [NaN]}}}}',
            "The policy is not valid JSON: `NaN` is not a JSON value.",
        ),
    ],
    ids=["truncated", "array", "string", "duplicate key", "NaN"],
)
def test_json_error_reported(content: str, message: str) -> None:
    assert validate_content("TAG_POLICY", content) == [ContentError(MALFORMED, "", message)]


def test_parse_document_returns_object() -> None:
    assert parse_document('{"tags": {}}') == ({"tags": {}}, None)


SIZE_LIMITS: dict[str, int] = {
    "SERVICE_CONTROL_POLICY": 5_120,
    "RESOURCE_CONTROL_POLICY": 5_120,
    "TAG_POLICY": 10_000,
    "BACKUP_POLICY": 10_000,
    "AISERVICES_OPT_OUT_POLICY": 2_500,
    "CHATBOT_POLICY": 10_000,
    "DECLARATIVE_POLICY_EC2": 10_000,
    "SECURITYHUB_POLICY": 10_000,
    "SECURITYHUB_CSPM_POLICY": 10_000,
    "INSPECTOR_POLICY": 10_000,
    "UPGRADE_ROLLOUT_POLICY": 10_000,
    "BEDROCK_POLICY": 10_000,
    "S3_POLICY": 10_000,
    "NETWORK_SECURITY_DIRECTOR_POLICY": 10_000,
    "GUARDDUTY_POLICY": 10_000,
}

SMALL_VALID_DOCUMENTS: dict[PolicyType, JsonObject] = {
    PolicyType.TAG_POLICY: {"tags": {}},
    PolicyType.BACKUP_POLICY: {"plans": {}},
    PolicyType.AISERVICES_OPT_OUT_POLICY: {"services": {}},
    PolicyType.CHATBOT_POLICY: {"chatbot": {}},
    PolicyType.DECLARATIVE_POLICY_EC2: {"ec2_attributes": {}},
}


def test_size_limits_cover_every_policy_type() -> None:
    assert set(SIZE_LIMITS) == {policy_type.value for policy_type in PolicyType}


@pytest.mark.parametrize(("policy_type", "limit"), SIZE_LIMITS.items())
def test_content_size_limit_per_type(policy_type: str, limit: int) -> None:
    assert content_size_limit(policy_type) == limit


def _padded(policy_type: PolicyType, length: int) -> str:
    # JSON allows trailing whitespace, so padding keeps the document valid.
    text = json.dumps(SMALL_VALID_DOCUMENTS.get(policy_type, {}))
    return text + " " * (length - len(text))


@pytest.mark.parametrize("policy_type", sorted(MANAGEMENT_POLICY_TYPES))
def test_document_at_size_limit_accepted(policy_type: PolicyType) -> None:
    content = _padded(policy_type, SIZE_LIMITS[policy_type])

    assert len(content) == SIZE_LIMITS[policy_type]
    assert validate_content(policy_type, content) == []


@pytest.mark.parametrize("policy_type", sorted(MANAGEMENT_POLICY_TYPES))
def test_document_over_size_limit_rejected(policy_type: PolicyType) -> None:
    limit = SIZE_LIMITS[policy_type]

    errors = validate_content(policy_type, _padded(policy_type, limit + 1))

    assert errors == [
        ContentError(
            ContentErrorReason.POLICY_CONTENT_LIMIT_EXCEEDED,
            "",
            f"The policy document has {limit + 1} characters; the maximum for {policy_type} "
            f"is {limit}. Remove whitespace or split the policy.",
        )
    ]
    assert errors[0].reason.error_code == "ConstraintViolationException"
    assert errors[0].reason.constraint_reason == "POLICY_CONTENT_LIMIT_EXCEEDED"


@pytest.mark.parametrize("policy_type", ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"])
def test_authorization_policy_size_boundary(policy_type: str) -> None:
    assert check_content_size(policy_type, "x" * 5_120) is None

    error = check_content_size(policy_type, "x" * 5_121)

    assert error is not None
    assert error.reason is ContentErrorReason.POLICY_CONTENT_LIMIT_EXCEEDED


def test_oversized_malformed_document_reports_only_size() -> None:
    errors = validate_content("AISERVICES_OPT_OUT_POLICY", "{" * 2_501)

    assert [error.reason for error in errors] == [ContentErrorReason.POLICY_CONTENT_LIMIT_EXCEEDED]


@pytest.mark.parametrize("policy_type", ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"])
def test_validate_content_rejects_authorization_type(policy_type: str) -> None:
    with pytest.raises(ValueError, match="authorization policy type"):
        validate_content(policy_type, "{}")


def test_unknown_policy_type_rejected() -> None:
    with pytest.raises(ValueError, match="Unknown policy type `TAGGING_POLICY`"):
        validate_content("TAGGING_POLICY", "{}")
    with pytest.raises(ValueError, match="Unknown policy type `TAGGING_POLICY`"):
        content_size_limit("TAGGING_POLICY")


def test_error_path_escapes_slash_and_tilde() -> None:
    document = {"tags": {"cost/center~1": {"tag_key": {"@@assign": "Other"}}}}

    errors = validate_content("TAG_POLICY", json.dumps(document))

    assert [error.path for error in errors] == ["/tags/cost~1center~01/tag_key/@@assign"]


def test_management_types_exclude_authorization_types() -> None:
    assert {str(policy_type) for policy_type in MANAGEMENT_POLICY_TYPES} == set(SIZE_LIMITS) - {
        "SERVICE_CONTROL_POLICY",
        "RESOURCE_CONTROL_POLICY",
    }
