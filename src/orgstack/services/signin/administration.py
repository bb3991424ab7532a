"""Administrator actions on portal sign-in: one-time passwords, settings and session revocation."""

from __future__ import annotations

from orgstack.services.identitystore import user_store
from orgstack.services.identitystore.user_store import StoredUser
from orgstack.services.signin import credential_store, passwords, session_store
from orgstack.services.signin.context import StepContext, portal_instance


class AdministrationError(Exception):
    """The named instance or user does not exist."""


def find_user(context: StepContext, store_id: str | None, user_name: str) -> StoredUser:
    instance = portal_instance(context.connection, store_id)
    if instance is None:
        raise AdministrationError(
            "no IAM Identity Center instance found: enable one first, or pass an existing "
            "`--identity-store-id`."
        )
    user = user_store.find_by_user_name(context.connection, instance.identity_store_id, user_name)
    if user is None:
        raise AdministrationError(
            f"user `{user_name}` not found in identity store `{instance.identity_store_id}`."
        )
    return user


def reset_password(context: StepContext, store_id: str | None, user_name: str) -> str:
    """Give the user a one-time password, which must be changed at the next sign-in.

    The user's open portal sessions end. Returns the one-time password.
    """
    user = find_user(context, store_id, user_name)
    one_time = passwords.new_one_time_password()
    credential_store.save(
        context.connection,
        user.store_id,
        user.user_id,
        passwords.hash_password(one_time),
        must_change=True,
        now=context.now,
    )
    session_store.revoke_user_sessions(context.connection, user.store_id, user.user_id, context.now)
    return one_time


def revoke_sessions(context: StepContext, store_id: str | None, user_name: str) -> int:
    """End the user's portal browser sessions; return how many were open.

    NOTE: access tokens issued to the AWS CLI are not revoked here, so they work until they expire.
    """
    user = find_user(context, store_id, user_name)
    return session_store.revoke_user_sessions(
        context.connection, user.store_id, user.user_id, context.now
    )
