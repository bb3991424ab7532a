"""AWS SSO OIDC (botocore `sso-oidc`): client registration, the device authorization grant
(RFC 8628), the authorization code grant with PKCE (RFC 7636) and token refresh."""
