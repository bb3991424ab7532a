"""The AWS access portal API (botocore `sso`): the accounts and roles a signed-in Identity
Center user may use, and temporary credentials for them. Calls carry the sso-oidc access token in
the `x-amz-sso_bearer_token` header instead of a SigV4 signature."""
