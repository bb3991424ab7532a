"""AI services opt-out policy grammar.

Source: AWS Organizations User Guide, "AI services opt-out policy syntax and examples".
Service name keys are not checked against AWS's list because AWS adds services to it.
"""

from __future__ import annotations

from ..operators import ASSIGN
from ..schema import Collection, Grammar, Section, Setting, ValueKind

_SERVICE = Section(
    fields={
        "opt_out_policy": Setting(ValueKind.STRING, choices=frozenset({"optOut", "optIn"})),
    },
    required=frozenset({"opt_out_policy"}),
)

AI_OPT_OUT_POLICY_GRAMMAR = Grammar(
    name="AI services opt-out policy",
    root=Section(fields={"services": Collection(item=_SERVICE)}),
    top_key="services",
    # The guide states that @@append and @@remove cannot be used in this policy type.
    value_operators=frozenset({ASSIGN}),
)
