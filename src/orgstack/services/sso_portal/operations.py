"""Every access portal operation module; importing this registers their operations."""

from orgstack.authorize import actions
from orgstack.services.sso_portal import credentials, listing

# The portal authenticates its caller by bearer token, not as an IAM principal, so no IAM policy
# applies to these calls: what a user may do follows from the user's account assignments.
for _operation in ("ListAccounts", "ListAccountRoles", "GetRoleCredentials", "Logout"):
    actions.exempt("sso", _operation)

__all__ = ["credentials", "listing"]
