"""orgstack: self-hosted AWS Organizations and IAM Identity Center."""
