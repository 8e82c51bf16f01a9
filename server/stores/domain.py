"""The stores domain: outlets, their reps and visit cycles, imported and edited by admins."""

from __future__ import annotations

from server.registry import Domain
from server.stores.controller import StoreAdminController, StoreController
from server.stores.publish import STORE, publish_every_store

DOMAIN = Domain(
    "stores",
    collections=[STORE],
    seen_by={"store": frozenset({"finance"})},
    publish=publish_every_store,
    routes=[StoreController, StoreAdminController],
)
