"""The IAM policy engine: parse and validate, compile, evaluate and explain.

Pure library code: no I/O, no logging and no imports from the rest of orgstack.

- `validate(document, kind)` returns Access Analyzer-style findings; `parse(document, kind)`
  returns a `Policy` or raises `PolicySyntaxError`.
- `compile_policy(document, kind)` compiles once per content hash (LRU cache).
- `evaluate(request, layers)` runs the AWS evaluation pipeline and returns an
  `EvaluationResult`; `denial_message` and `explain` render it.
- `evaluate_case(case)` evaluates a JSON decision case.
"""

from orgstack.policy.cases import CaseFormatError, evaluate_case
from orgstack.policy.compile import CompiledPolicy, cache_info, clear_cache, compile_policy
from orgstack.policy.evaluate import decide, evaluate, sort_statements
from orgstack.policy.explain import POLICY_TYPE_NAMES, denial_message, explain
from orgstack.policy.findings import Finding, FindingLocation, FindingType, PolicySyntaxError
from orgstack.policy.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)
from orgstack.policy.request import Layers, PolicyLevel, PolicyRef, Request
from orgstack.policy.result import (
    Decision,
    EvaluationResult,
    Layer,
    MissingAllow,
    StatementRef,
)
from orgstack.policy.rules import RCP_SERVICES
from orgstack.policy.validation import analyze, parse, validate

__all__ = [
    "POLICY_TYPE_NAMES",
    "RCP_SERVICES",
    "CaseFormatError",
    "CompiledPolicy",
    "ConditionClause",
    "Decision",
    "Effect",
    "EvaluationResult",
    "Finding",
    "FindingLocation",
    "FindingType",
    "Layer",
    "Layers",
    "MissingAllow",
    "Policy",
    "PolicyKind",
    "PolicyLevel",
    "PolicyRef",
    "PolicySyntaxError",
    "PrincipalBlock",
    "Request",
    "Statement",
    "StatementRef",
    "analyze",
    "cache_info",
    "clear_cache",
    "compile_policy",
    "decide",
    "denial_message",
    "evaluate",
    "evaluate_case",
    "explain",
    "parse",
    "sort_statements",
    "validate",
]
