"""The grammar of each management policy type."""

from __future__ import annotations

from ..model import PolicyType
from ..schema import Grammar, Open
from .ai_opt_out import AI_OPT_OUT_POLICY_GRAMMAR
from .backup import BACKUP_POLICY_GRAMMAR
from .chatbot import CHATBOT_POLICY_GRAMMAR
from .declarative import DECLARATIVE_POLICY_EC2_GRAMMAR
from .tag import TAG_POLICY_GRAMMAR

_DOCUMENTED: dict[PolicyType, Grammar] = {
    PolicyType.TAG_POLICY: TAG_POLICY_GRAMMAR,
    PolicyType.BACKUP_POLICY: BACKUP_POLICY_GRAMMAR,
    PolicyType.AISERVICES_OPT_OUT_POLICY: AI_OPT_OUT_POLICY_GRAMMAR,
    PolicyType.CHATBOT_POLICY: CHATBOT_POLICY_GRAMMAR,
    PolicyType.DECLARATIVE_POLICY_EC2: DECLARATIVE_POLICY_EC2_GRAMMAR,
}


def grammar_for(policy_type: PolicyType) -> Grammar:
    """Return the grammar of a management policy type.

    NOTE: Security Hub, Security Hub CSPM, Inspector, upgrade rollout, Bedrock, S3,
    Network Security Director and GuardDuty policies have no element grammar here. Any
    JSON object is accepted for them as long as its inheritance operators are used
    correctly, so a misspelled key passes.
    """
    documented = _DOCUMENTED.get(policy_type)
    if documented is not None:
        return documented
    return Grammar(name=_readable_name(policy_type), root=Open(), top_key=None)


def _readable_name(policy_type: PolicyType) -> str:
    return policy_type.value.lower().replace("_", " ")
