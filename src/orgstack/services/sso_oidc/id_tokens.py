"""The `idToken` of CreateTokenWithIAM: a signed JWT that names the user behind a token.

The claims follow the decoded example in the IAM Identity Center user guide (trusted identity
propagation with S3 Access Grants). `sub` is the user id, `aud` the application and `iss`
`https://identitycenter.amazonaws.com/<instance id>`. The `aws:` claims name the identity store,
the instance and the access token (`aws:credential_id`). `act.sub` is the trusted token issuer of
a JWT bearer grant. `sts:identity_context` and `sts:audit_context` are opaque context assertions.

orgstack signs with ES256 and a P-256 key derived from the master key, so that every replica
signs alike without a stored key. NOTE: the context assertions are encrypted with the master key
and read by nothing yet, because orgstack's STS does not accept `ProvidedContexts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import orjson
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey

from orgstack.identity_center import Instance
from orgstack.secrets_at_rest import SecretBox

ALGORITHM = "ES256"
KEY_PURPOSE = "sso-oidc-id-token-signing"
ISSUER_PREFIX = "https://identitycenter.amazonaws.com/"
# The order of the NIST P-256 group: a private scalar lies in [1, order - 1].
P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


@dataclass(frozen=True)
class IdentityFacts:
    """The user, application and sign-in behind a token, as its ID token states them."""

    instance: Instance
    user_id: str
    application_arn: str
    credential_id: str
    auth_time: dt.datetime
    trusted_token_issuer_arn: str | None = None


def issue(
    box: SecretBox,
    facts: IdentityFacts,
    identity_assertion: str,
    now: dt.datetime,
    lifetime_seconds: int,
) -> str:
    """Return a signed ID token for `facts`, valid as long as the access token it accompanies.

    `identity_assertion` comes from `identity_context`, so that the reply's `awsAdditionalDetails`
    can carry the same value.
    """
    instance = facts.instance
    claims: dict[str, object] = {
        "iss": ISSUER_PREFIX + instance.instance_arn.rsplit("/", 1)[-1],
        "sub": facts.user_id,
        "aud": facts.application_arn,
        "aws:identity_store_id": instance.identity_store_id,
        "aws:identity_store_arn": instance.identity_store_arn,
        "aws:instance_account": instance.owner_account_id,
        "aws:instance_arn": instance.instance_arn,
        "aws:credential_id": facts.credential_id,
        "sts:identity_context": identity_assertion,
        "sts:audit_context": _context_assertion(box, facts, "audit"),
        "auth_time": facts.auth_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime_seconds,
    }
    if facts.trusted_token_issuer_arn is not None:
        claims["act"] = {"sub": facts.trusted_token_issuer_arn}
    key = signing_key(box)
    header = {"alg": ALGORITHM, "kid": key.kid}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


def identity_context(box: SecretBox, facts: IdentityFacts) -> str:
    """Return the `sts:identity_context` assertion, also sent as `awsAdditionalDetails`."""
    return _context_assertion(box, facts, "identity")


def _context_assertion(box: SecretBox, facts: IdentityFacts, kind: str) -> str:
    # AWS's assertions are opaque values that STS signs and encrypts, so these are encrypted too.
    content = {
        "kind": kind,
        "identity_store_arn": facts.instance.identity_store_arn,
        "user_id": facts.user_id,
        "application_arn": facts.application_arn,
        "credential_id": facts.credential_id,
    }
    return box.encrypt(orjson.dumps(content).decode())


def signing_key(box: SecretBox) -> ECKey:
    """Return the ES256 signing key derived from the master key; its `kid` is its thumbprint."""
    return _key_from_seed(box.derive_key(KEY_PURPOSE))


@cache
def _key_from_seed(seed: bytes) -> ECKey:
    scalar = int.from_bytes(seed, "big") % (P256_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    key = ECKey.import_key(private)
    key.ensure_kid()
    return key
