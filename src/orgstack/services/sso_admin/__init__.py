"""AWS IAM Identity Center's administration API (botocore client `sso-admin`)."""
