"""Fieldvisit sync protocol, as a library that knows nothing of HTTP or the web framework.

Today it holds the client-generated identifiers every synced record uses; the
operation model, merge policies, push and pull arrive with the sync spine.
"""

from sync.ids import is_uuid7, uuid7

__all__ = ["is_uuid7", "uuid7"]
