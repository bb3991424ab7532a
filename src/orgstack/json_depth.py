"""A nesting limit for client-supplied JSON, checked before any parser runs.

Python's `json` module and every recursive walk of a decoded value (audit redaction, policy
validation) use one stack frame per nested array or object, so about a thousand `[` characters
raise RecursionError rather than a decoding error. orjson decodes 1,024 levels but encodes only
255, so a deep request member could not be written to the audit log either. Request bodies and
policy documents are checked first, and an over-deep one is rejected as malformed JSON.
"""

from __future__ import annotations

import re

# Policy grammars nest about ten levels at most (an estimate from the tag and backup policy
# grammars), and the input shapes of the served botocore models nest at most six (sso-admin and
# CloudTrail), not counting document members. 64 leaves room for both and stays far below the
# recursion limits above.
# NOTE: AWS does not document its own nesting limit, so the value of 64 is a guess.
MAX_NESTING_DEPTH = 64

# A JSON string (skipped, because brackets inside it do not nest) or one bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')

# The finding text of the policy parsers.
TOO_DEEP_MESSAGE = (
    f"The policy nests JSON arrays and objects more than {MAX_NESTING_DEPTH} levels deep."
)
# The SerializationException text of the JSON protocols, in the form of their other decoding errors.
TOO_DEEP_BODY_MESSAGE = (
    "Malformed JSON in the request body: arrays and objects nest more than "
    f"{MAX_NESTING_DEPTH} levels deep."
)


def exceeds_nesting_depth(text: str | bytes, limit: int = MAX_NESTING_DEPTH) -> bool:
    """Return True when arrays and objects in `text` nest more than `limit` levels deep.

    The scan does not validate the JSON. A document with unbalanced brackets or an unterminated
    string gets a depth from the brackets it has, and the parser reports its other errors.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")

    # Fewer opening brackets than the limit cannot nest past it, which spares most texts a scan.
    if text.count("[") + text.count("{") <= limit:
        return False

    depth = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False
