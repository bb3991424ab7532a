"""A nesting limit for client-supplied policy JSON, checked before any parser runs.

Python's `json` module recurses once per nested array or object, so about a thousand `[`
characters raise RecursionError rather than a decoding error. Every parser of policy text
checks the depth first and reports an over-deep document as a JSON syntax error.
"""

from __future__ import annotations

import re

# Policy grammars nest about ten levels at most (an estimate from the tag and backup policy
# grammars). 64 leaves room for any of them and stays far below the interpreter's recursion
# limit, which also has to cover the validators that walk the decoded value.
# NOTE: AWS does not document its own nesting limit, so the value of 64 is a guess.
MAX_NESTING_DEPTH = 64

# A JSON string (skipped, because brackets inside it do not nest) or one bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')

TOO_DEEP_MESSAGE = (
    f"The policy nests JSON arrays and objects more than {MAX_NESTING_DEPTH} levels deep."
)


def exceeds_nesting_depth(text: str, limit: int = MAX_NESTING_DEPTH) -> bool:
    """Return True when arrays and objects in `text` nest more than `limit` levels deep.

    The scan does not validate the JSON. A document with unbalanced brackets or an unterminated
    string gets a depth from the brackets it has, and the parser reports its other errors.
    """
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
