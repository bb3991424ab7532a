"""CreateTokenWithIAM: tokens for applications that call with IAM credentials
(`POST /token?aws_iam=t`, signed with SigV4 as `sso-oauth`)."""

from __future__ import annotations

from orgstack.services.registry import Params, RequestContext, Result, operation
from orgstack.services.sso_oidc.errors import UnsupportedGrantTypeException

# The grant types that AWS accepts here (SSO OIDC API reference, CreateTokenWithIAM).
KNOWN_GRANTS = frozenset(
    {
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
)


@operation(
    "sso-oidc",
    "CreateTokenWithIAM",
    read_only=False,
    not_honoured=(
        "clientId",
        "code",
        "refreshToken",
        "assertion",
        "scope",
        "redirectUri",
        "subjectToken",
        "subjectTokenType",
        "requestedTokenType",
        "codeVerifier",
    ),
    notes="Every grant type is rejected with UnsupportedGrantTypeException.",
)
def create_token_with_iam(context: RequestContext, params: Params) -> Result:
    # TODO: issue tokens for customer managed applications: that needs sso-admin applications
    # with their grants (PutApplicationGrant) and trusted token issuers, whose JWKS would have to
    # be fetched and JWTs verified for the jwt-bearer grant. Until then every grant is refused
    # as unsupported.
    grant_type = str(params["grantType"])
    if grant_type not in KNOWN_GRANTS:
        raise UnsupportedGrantTypeException(f"Unsupported grant type `{grant_type}`.")
    raise UnsupportedGrantTypeException(
        f"The grant type `{grant_type}` is not supported by this server yet."
    )
