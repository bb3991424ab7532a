"""Generation and parsing of AWS identifiers and ARNs, in AWS's formats.

Formats follow the patterns of botocore's service models, for example organization
`o-[a-z0-9]{10,32}`, root `r-[0-9a-z]{4,32}`, OU `ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}`.
"""

from __future__ import annotations

import secrets
import string
import uuid

_LOWER_DIGITS = string.ascii_lowercase + string.digits
_UPPER_DIGITS = string.ascii_uppercase + string.digits
_POLICY_ALPHABET = string.ascii_letters + string.digits + "_"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def account_id() -> str:
    # AWS account ids never start with 0 in practice; a leading digit of 1-9 keeps them readable.
    return str(secrets.choice("123456789")) + _random(string.digits, 11)


def organization_id() -> str:
    return "o-" + _random(_LOWER_DIGITS, 10)


def root_id() -> str:
    return "r-" + _random(_LOWER_DIGITS, 4)


def organizational_unit_id(root: str) -> str:
    # An OU id embeds the suffix of its root's id, as AWS's do.
    return f"ou-{root.removeprefix('r-')}-{_random(_LOWER_DIGITS, 8)}"


def policy_id() -> str:
    return "p-" + _random(_LOWER_DIGITS, 8)


def handshake_id() -> str:
    return "h-" + _random(_LOWER_DIGITS, 10)


def create_account_request_id() -> str:
    return "car-" + _random(_LOWER_DIGITS, 10)


def resource_policy_id() -> str:
    return "rp-" + _random(_LOWER_DIGITS, 8)


def responsibility_transfer_id() -> str:
    return "rt-" + _random(_LOWER_DIGITS, 10)


def request_id() -> str:
    return str(uuid.uuid4())


def access_key_id(temporary: bool = False) -> str:
    """Return a 20-character key id: `AKIA…` for long-term keys, `ASIA…` for session keys."""
    return ("ASIA" if temporary else "AKIA") + _random(_UPPER_DIGITS, 16)


def secret_access_key() -> str:
    return _random(string.ascii_letters + string.digits + "+/", 40)


def unique_id(prefix: str) -> str:
    """Return an IAM unique id: the prefix (`AROA` role, `AIDA` user) and 17 characters."""
    return prefix + _random(_UPPER_DIGITS, 17)


# ARNs


def organization_arn(management_account: str, organization: str) -> str:
    return f"arn:aws:organizations::{management_account}:organization/{organization}"


def root_arn(management_account: str, organization: str, root: str) -> str:
    return f"arn:aws:organizations::{management_account}:root/{organization}/{root}"


def ou_arn(management_account: str, organization: str, ou: str) -> str:
    return f"arn:aws:organizations::{management_account}:ou/{organization}/{ou}"


def account_arn(management_account: str, organization: str, account: str) -> str:
    return f"arn:aws:organizations::{management_account}:account/{organization}/{account}"


def policy_arn(management_account: str, organization: str, policy_type: str, policy: str) -> str:
    return (
        f"arn:aws:organizations::{management_account}:policy/{organization}/"
        f"{policy_type.lower()}/{policy}"
    )


def aws_managed_policy_arn(policy_type: str, policy: str) -> str:
    return f"arn:aws:organizations::aws:policy/{policy_type.lower()}/{policy}"


def handshake_arn(management_account: str, organization: str, action: str, handshake: str) -> str:
    return (
        f"arn:aws:organizations::{management_account}:handshake/{organization}/"
        f"{action.lower()}/{handshake}"
    )


def resource_policy_arn(management_account: str, organization: str, policy: str) -> str:
    return f"arn:aws:organizations::{management_account}:resourcepolicy/{organization}/{policy}"


def account_root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def role_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
