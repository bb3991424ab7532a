"""The Identity Store API of IAM Identity Center: users, groups and group memberships."""
