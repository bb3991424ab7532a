"""AWS Identity and Access Management: roles, their policies and managed policies, per account."""
