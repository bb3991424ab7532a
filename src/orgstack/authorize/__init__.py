"""IAM authorization of signed calls: each operation's actions and resources, the request context,
the policy layers from the store, and the engine's decision."""

from orgstack.authorize.decide import Authorizer
from orgstack.authorize.errors import AccessDeniedException

__all__ = ["AccessDeniedException", "Authorizer"]
