"""The errors of sso-oidc, one class per error code of botocore's model (sso-oidc 2019-06-10).

AWS returns these as OAuth 2.0 errors (RFC 6749 section 5.2): the body carries `error`, the
OAuth error code, and `error_description`, and no `message`, so clients see an empty message.
NOTE: AWS's `error_description` texts are not documented; the ones here state the rule that
failed.
"""

from __future__ import annotations

from typing import ClassVar

from orgstack.protocol.errors import AwsError


class OAuthError(AwsError):
    """An sso-oidc error with its OAuth error code and description."""

    oauth_error: ClassVar[str] = ""
    # True for a failure whose writes the pipeline commits instead of rolling back: a device-code
    # poll records its time even when the error is "pending" or "slow down", and a replayed
    # code or refresh token revokes the tokens issued from it.
    keeps_changes: bool = False

    def __init__(self, description: str | None = None, keeps_changes: bool | None = None) -> None:
        super().__init__("", error=self.oauth_error, error_description=description)
        self.description = description
        if keeps_changes is not None:
            self.keeps_changes = keeps_changes


class InvalidRequestException(OAuthError):
    oauth_error = "invalid_request"


class InvalidClientException(OAuthError):
    oauth_error = "invalid_client"


class InvalidGrantException(OAuthError):
    oauth_error = "invalid_grant"


class UnauthorizedClientException(OAuthError):
    oauth_error = "unauthorized_client"


class UnsupportedGrantTypeException(OAuthError):
    oauth_error = "unsupported_grant_type"


class InvalidScopeException(OAuthError):
    oauth_error = "invalid_scope"


class AuthorizationPendingException(OAuthError):
    oauth_error = "authorization_pending"
    keeps_changes = True


class SlowDownException(OAuthError):
    oauth_error = "slow_down"
    keeps_changes = True


class AccessDeniedException(OAuthError):
    oauth_error = "access_denied"


class ExpiredTokenException(OAuthError):
    oauth_error = "expired_token"


class InvalidClientMetadataException(OAuthError):
    oauth_error = "invalid_client_metadata"


class InvalidRedirectUriException(OAuthError):
    oauth_error = "invalid_redirect_uri"


class InvalidRequestRegionException(OAuthError):
    """A token issued in another Region. `endpoint` and `region` name where it is accepted."""

    oauth_error = "invalid_request"

    def __init__(self, description: str, endpoint: str, region: str) -> None:
        super().__init__(description)
        self.fields.update(endpoint=endpoint, region=region)
