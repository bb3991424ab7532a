"""Scopes of committed changes: the cached authorization facts that each can make stale.

A successful Organizations or IAM write drops every cached policy layer unless its handler
narrows the scope. A narrower scope keeps the server's warm caches through changes that cannot
touch them, such as a new, unattached policy or a moved member account. Other replicas still
drop everything once they see the new authorization version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Invalidation:
    """The scope of a change: everything, nothing, or the accounts at or below some tree nodes.

    `nodes` contains root, OU and account ids. An account is affected when its own id or a container
    on its path in the organization is among them.
    """

    everything: bool
    nodes: frozenset[str] = frozenset()

    @property
    def changes_anything(self) -> bool:
        return self.everything or bool(self.nodes)


EVERYTHING = Invalidation(everything=True)
NOTHING = Invalidation(everything=False)


def accounts_below(*node_ids: str) -> Invalidation:
    """Return the scope of a change to the accounts at or below these roots, OUs or accounts."""
    return Invalidation(everything=False, nodes=frozenset(node_ids))
