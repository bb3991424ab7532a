"""Effective policies from the examples in the AWS Organizations User Guide.

Pages reproduced:

- "Policy syntax and inheritance for management policy types", section "Inheritance
  examples", examples 1 to 6 (tag policies, organization with OU1 holding accounts
  111111111111 and 222222222222, and OU2 holding account 999999999999).
- "Tag policy syntax and examples", example "Define values".
- "AI services opt-out policy syntax and examples", examples 1 and 2.

Where the published page has a typo, the case states what the page prints and why the
expected value differs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from orgstack.services.organizations.management_policies import (
    AttachedPolicy,
    EffectivePolicyErrorCode,
    JsonObject,
    PolicyLevel,
    compute_effective_policy,
    validate_content,
)

POLICY_A: JsonObject = {
    "tags": {
        "costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["Development", "Support"]},
        }
    }
}

POLICY_B: JsonObject = {
    "tags": {
        "costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["Sandbox"]},
            "enforced_for": {"@@assign": ["redshift:*", "dynamodb:table"]},
        }
    }
}

POLICY_C: JsonObject = {
    "tags": {
        "costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@append": ["Marketing"]},
            "enforced_for": {"@@append": ["redshift:*", "dynamodb:table"]},
        }
    }
}

# The page nests enforced_for inside tag_value, which its own syntax does not allow (see
# test_guide_policy_d_as_printed_is_rejected). Its text states that policy D removes the
# enforcement, so here enforced_for sits next to tag_value.
POLICY_D: JsonObject = {
    "tags": {
        "costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@remove": ["Development", "Marketing"]},
            "enforced_for": {"@@remove": ["redshift:*", "dynamodb:table"]},
        }
    }
}

POLICY_E: JsonObject = {
    "tags": {
        "project": {
            "tag_key": {
                "@@operators_allowed_for_child_policies": ["@@none"],
                "@@assign": "Project",
            },
            "tag_value": {
                "@@operators_allowed_for_child_policies": ["@@append"],
                "@@assign": ["Maintenance", "Escalations"],
            },
        }
    }
}

POLICY_F: JsonObject = {
    "tags": {
        "project": {
            "tag_key": {"@@assign": "PROJECT"},
            "tag_value": {"@@append": ["Escalations - research"]},
        }
    }
}

POLICY_G: JsonObject = {
    "tags": {
        "project": {
            "tag_value": {
                "@@operators_allowed_for_child_policies": ["@@append"],
                "@@assign": ["Maintenance"],
            }
        }
    }
}

POLICY_H: JsonObject = {
    "tags": {
        "project": {
            "tag_value": {"@@operators_allowed_for_child_policies": ["@@append", "@@remove"]}
        }
    }
}

# Children of policies G and H: the @@append one passes, the @@remove one is ignored.
POLICY_G_H_APPEND: JsonObject = {"tags": {"project": {"tag_value": {"@@append": ["Escalations"]}}}}
POLICY_G_H_REMOVE: JsonObject = {"tags": {"project": {"tag_value": {"@@remove": ["Maintenance"]}}}}

POLICY_J: JsonObject = {
    "tags": {
        "project": {
            "tag_key": {"@@assign": "PROJECT"},
            "tag_value": {"@@append": ["Maintenance"]},
        }
    }
}

POLICY_K: JsonObject = {"tags": {"project": {"tag_key": {"@@assign": "project"}}}}

TAG_SYNTAX_POLICY_A: JsonObject = {
    "tags": {
        "CostCenter": {
            "tag_key": {
                "@@assign": "CostCenter",
                "@@operators_allowed_for_child_policies": ["@@none"],
            }
        },
        "Project": {
            "tag_key": {
                "@@assign": "Project",
                "@@operators_allowed_for_child_policies": ["@@none"],
            }
        },
    }
}

TAG_SYNTAX_POLICY_B: JsonObject = {
    "tags": {
        "CostCenter": {"tag_value": {"@@assign": ["Production", "Test"]}},
        "Project": {"tag_value": {"@@assign": ["A", "B"]}},
    }
}

AI_EXAMPLE_1_ROOT: JsonObject = {
    "services": {
        "@@operators_allowed_for_child_policies": ["@@none"],
        "default": {
            "@@operators_allowed_for_child_policies": ["@@none"],
            "opt_out_policy": {
                "@@operators_allowed_for_child_policies": ["@@none"],
                "@@assign": "optOut",
            },
        },
    }
}

AI_EXAMPLE_2_ROOT: JsonObject = {
    "services": {
        "default": {
            "@@operators_allowed_for_child_policies": ["@@none"],
            "opt_out_policy": {
                "@@operators_allowed_for_child_policies": ["@@none"],
                "@@assign": "optOut",
            },
        }
    }
}

AI_EXAMPLE_2_CHILD: JsonObject = {"services": {"lex": {"opt_out_policy": {"@@assign": "optIn"}}}}


@dataclass(frozen=True)
class ExpectedError:
    code: EffectivePolicyErrorCode
    path: str
    contributing: tuple[str, ...]


@dataclass(frozen=True)
class GuideCase:
    name: str
    policy_type: str
    # One entry per level, root first: (target ID, [(policy ID, document), ...]).
    levels: list[tuple[str, list[tuple[str, JsonObject]]]]
    effective: JsonObject
    errors: list[ExpectedError] = field(default_factory=list)


GUIDE_CASES = [
    GuideCase(
        name="example 1: child @@assign overwrites values (accounts in OU1)",
        policy_type="TAG_POLICY",
        levels=[
            ("r-root", [("p-policya1", POLICY_A)]),
            ("ou-root-ou1", [("p-policyb1", POLICY_B)]),
            ("111111111111", []),
        ],
        effective={
            "tags": {
                "costcenter": {
                    "tag_key": "CostCenter",
                    "tag_value": ["Sandbox"],
                    "enforced_for": ["redshift:*", "dynamodb:table"],
                }
            }
        },
    ),
    GuideCase(
        name="example 2: child @@append adds values (account 999999999999)",
        policy_type="TAG_POLICY",
        levels=[
            ("r-root", [("p-policya1", POLICY_A)]),
            ("ou-root-ou2", [("p-policyc1", POLICY_C)]),
            ("999999999999", []),
        ],
        effective={
            "tags": {
                "costcenter": {
                    "tag_key": "CostCenter",
                    "tag_value": ["Development", "Support", "Marketing"],
                    "enforced_for": ["redshift:*", "dynamodb:table"],
                }
            }
        },
    ),
    GuideCase(
        name="example 3: account @@remove deletes inherited values",
        policy_type="TAG_POLICY",
        levels=[
            ("r-root", [("p-policya1", POLICY_A)]),
            ("ou-root-ou2", [("p-policyc1", POLICY_C)]),
            ("999999999999", [("p-policyd1", POLICY_D)]),
        ],
        effective={"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["Support"]}}},
    ),
    GuideCase(
        # The page prints "tag_key": "project", a value no policy assigns. Policy E locks
        # the key with @@none, so the key it assigns, "Project", stays.
        name="example 4: @@none locks the key, @@append still extends values",
        policy_type="TAG_POLICY",
        levels=[
            ("r-root", [("p-policye1", POLICY_E)]),
            ("ou-root-ou1", [("p-policyf1", POLICY_F)]),
        ],
        effective={
            "tags": {
                "project": {
                    "tag_key": "Project",
                    "tag_value": ["Maintenance", "Escalations", "Escalations - research"],
                }
            }
        },
        errors=[
            ExpectedError(
                EffectivePolicyErrorCode.OPERATOR_NOT_ALLOWED,
                "/tags/project/tag_key",
                ("p-policye1", "p-policyf1"),
            )
        ],
    ),
    GuideCase(
        name="example 5: limits of policies at one level intersect",
        policy_type="TAG_POLICY",
        levels=[
            ("r-root", [("p-policyg1", POLICY_G), ("p-policyh1", POLICY_H)]),
            (
                "ou-root-ou1",
                [("p-append01", POLICY_G_H_APPEND), ("p-remove01", POLICY_G_H_REMOVE)],
            ),
        ],
        effective={"tags": {"project": {"tag_value": ["Maintenance", "Escalations"]}}},
        errors=[
            ExpectedError(
                EffectivePolicyErrorCode.OPERATOR_NOT_ALLOWED,
                "/tags/project/tag_value",
                ("p-policyg1", "p-policyh1", "p-remove01"),
            )
        ],
    ),
    GuideCase(
        # The page prints " PROJECT" with a leading space, which no policy assigns.
        name="example 6: first policy attached at a level wins @@assign",
        policy_type="TAG_POLICY",
        levels=[("r-root", [("p-policyj1", POLICY_J), ("p-policyk1", POLICY_K)])],
        effective={"tags": {"project": {"tag_key": "PROJECT", "tag_value": ["Maintenance"]}}},
    ),
    GuideCase(
        name="tag syntax page: policy A + policy B define values",
        policy_type="TAG_POLICY",
        levels=[
            ("r-root", [("p-tagsyntaxa", TAG_SYNTAX_POLICY_A)]),
            ("123456789012", [("p-tagsyntaxb", TAG_SYNTAX_POLICY_B)]),
        ],
        effective={
            "tags": {
                "Project": {"tag_value": ["A", "B"], "tag_key": "Project"},
                "CostCenter": {"tag_value": ["Production", "Test"], "tag_key": "CostCenter"},
            }
        },
    ),
    GuideCase(
        name="AI opt-out example 2: child opts in to Lex only",
        policy_type="AISERVICES_OPT_OUT_POLICY",
        levels=[
            ("r-root", [("p-aiexample2", AI_EXAMPLE_2_ROOT)]),
            ("123456789012", [("p-aichildlex", AI_EXAMPLE_2_CHILD)]),
        ],
        effective={
            "services": {
                "default": {"opt_out_policy": "optOut"},
                "lex": {"opt_out_policy": "optIn"},
            }
        },
    ),
    GuideCase(
        name="AI opt-out example 1: @@none under services blocks new services",
        policy_type="AISERVICES_OPT_OUT_POLICY",
        levels=[
            ("r-root", [("p-aiexample1", AI_EXAMPLE_1_ROOT)]),
            ("123456789012", [("p-aichildlex", AI_EXAMPLE_2_CHILD)]),
        ],
        effective={"services": {"default": {"opt_out_policy": "optOut"}}},
        errors=[
            ExpectedError(
                EffectivePolicyErrorCode.ELEMENT_NOT_ALLOWED,
                "/services/lex",
                ("p-aiexample1", "p-aichildlex"),
            )
        ],
    ),
]


def _levels(case: GuideCase) -> list[PolicyLevel]:
    return [
        PolicyLevel(target, tuple(AttachedPolicy(policy_id, doc) for policy_id, doc in docs))
        for target, docs in case.levels
    ]


@pytest.mark.parametrize("case", GUIDE_CASES, ids=lambda case: case.name)
def test_guide_example_effective_policy(case: GuideCase) -> None:
    result = compute_effective_policy(case.policy_type, _levels(case))

    assert result is not None
    assert result.document == case.effective
    assert json.loads(result.content()) == case.effective
    actual_errors = [
        ExpectedError(error.error_code, error.path_to_error, error.contributing_policies)
        for error in result.validation_errors
    ]
    assert actual_errors == case.errors


@pytest.mark.parametrize("case", GUIDE_CASES, ids=lambda case: case.name)
def test_guide_example_policies_are_valid(case: GuideCase) -> None:
    for _target, docs in case.levels:
        for policy_id, document in docs:
            errors = validate_content(case.policy_type, json.dumps(document))
            assert errors == [], policy_id


def test_guide_policy_d_as_printed_is_rejected() -> None:
    printed = {
        "tags": {
            "costcenter": {
                "tag_key": {"@@assign": "CostCenter"},
                "tag_value": {
                    "@@remove": ["Development", "Marketing"],
                    "enforced_for": {"@@remove": ["redshift:*", "dynamodb:table"]},
                },
            }
        }
    }

    errors = validate_content("TAG_POLICY", json.dumps(printed))

    assert [error.path for error in errors] == ["/tags/costcenter/tag_value/enforced_for"]
    assert errors[0].message == (
        "Invalid tag policy: `/tags/costcenter/tag_value/enforced_for` cannot sit next to "
        "`@@remove`."
    )
