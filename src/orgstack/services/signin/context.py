"""The context of each sign-in and portal step: the store connection, time, keys and the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from orgstack import identity_center
from orgstack.audit.events import AuditEvent
from orgstack.audit.writer import insert_events
from orgstack.identity_center import Instance
from orgstack.secrets_at_rest import SecretBox
from orgstack.services.identitystore import user_store
from orgstack.services.identitystore.user_store import StoredUser
from orgstack.services.signin.events import Actor
from orgstack.store.schema_identity import sso_instances

DISABLED = "DISABLED"


@dataclass
class StepContext:
    """One request's view of the store; `events` are written when the step ends."""

    connection: Connection
    box: SecretBox
    now: dt.datetime
    source_ip: str
    user_agent: str
    events: list[AuditEvent] = field(default_factory=list)

    def actor(self, instance: Instance, user_id: str | None, user_name: str) -> Actor:
        return Actor(instance.owner_account_id, user_id, user_name, self.source_ip, self.user_agent)

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def flush_events(self) -> None:
        """Write the collected events in the step's transaction."""
        insert_events(self.connection, self.events)
        self.events.clear()


def portal_instance(connection: Connection, identity_store_id: str | None) -> Instance | None:
    """Return the instance whose portal a visitor signs in to.

    The directory named by `identity_store_id` when given; otherwise the organization instance,
    or else the oldest account instance. Every instance shares the server's one start URL, so a
    portal of another account instance is reached with `?directory=<identity store id>`.
    """
    if identity_store_id:
        return identity_center.find_by_store(connection, identity_store_id)
    # NOTE: this query belongs in orgstack.identity_center, which has no listing function yet.
    row = connection.execute(
        select(sso_instances.c.identity_store_id).order_by(
            (sso_instances.c.kind != identity_center.ORGANIZATION), sso_instances.c.created_at
        )
    ).first()
    return identity_center.find_by_store(connection, row[0]) if row is not None else None


def enabled_user(connection: Connection, store_id: str, user_id: str | None) -> StoredUser | None:
    """Return the user when it exists and is not disabled."""
    if user_id is None:
        return None
    user = user_store.find(connection, store_id, user_id)
    if user is None or user.attributes.other.get("UserStatus") == DISABLED:
        return None
    return user


def user_name_of(user: StoredUser) -> str:
    return user.attributes.user_name or user.user_id
