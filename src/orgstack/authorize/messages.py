"""Encoded authorization messages: the details of a denial, readable only through
`sts:DecodeAuthorizationMessage`.

The message is the JSON document that DecodeAuthorizationMessage returns (`allowed`,
`explicitDeny`, `matchedStatements`, `failures`, `context`), plus the engine's layer-by-layer
explanation under `explanation`. It is encrypted with a key derived from the master key, so
clients can neither read nor forge it, and every replica can decode it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from orgstack.policy import Decision, EvaluationResult, explain
from orgstack.policy.request import normalize_context
from orgstack.secrets_at_rest import SecretBox

KEY_PURPOSE = "orgstack authorization messages"


class InvalidMessage(Exception):
    """The text is not an authorization message this server encoded."""


def _fernet(box: SecretBox) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(box.derive_key(KEY_PURPOSE)))


def encode(box: SecretBox, result: EvaluationResult, principal_id: str, account_id: str) -> str:
    """Return the encoded message for a denied result."""
    document = describe(result, principal_id)
    document["principalAccount"] = account_id
    return _fernet(box).encrypt(json.dumps(document, sort_keys=True).encode()).decode()


def decode(box: SecretBox, message: str) -> dict[str, Any]:
    """Return the document inside an encoded message; raises InvalidMessage."""
    try:
        plain = _fernet(box).decrypt(message.strip().encode())
    except (InvalidToken, ValueError) as error:
        raise InvalidMessage() from error
    document = json.loads(plain)
    if not isinstance(document, dict):
        raise InvalidMessage()
    return document


def describe(result: EvaluationResult, principal_id: str) -> dict[str, Any]:
    """Return the decision as DecodeAuthorizationMessage shows it."""
    request = result.request
    statements = result.blocking if result.decision is Decision.EXPLICIT_DENY else result.matched
    conditions = [
        {"key": key, "values": {"items": [{"value": value} for value in values]}}
        for key, values in sorted(normalize_context(request.context).items())
    ]
    return {
        "allowed": result.allowed,
        "explicitDeny": result.decision is Decision.EXPLICIT_DENY,
        "matchedStatements": {
            "items": [
                {
                    "statementId": ref.sid or "",
                    "effect": str(ref.effect),
                    "policyType": str(ref.policy_kind),
                    "policyName": ref.policy_name,
                    "level": ref.level,
                    "index": ref.statement_index,
                }
                for ref in statements
            ]
        },
        "failures": {"items": list(result.errors)},
        "context": {
            "principal": {"id": principal_id, "arn": request.principal_arn},
            "action": request.action,
            "resource": request.resource,
            "conditions": {"items": conditions},
        },
        "explanation": explain(result),
    }
