"""The catalogue domain: SKUs, competitor SKUs, materials (POSM) and each rep's allocations."""

from __future__ import annotations

from server.catalog.admin_routes import CatalogAdminController
from server.catalog.controller import CatalogController
from server.catalog.publish import ALLOCATION, CATALOGS, publish_catalog
from server.registry import Domain

DOMAIN = Domain(
    "catalog",
    collections=[*CATALOGS.values(), ALLOCATION],
    publish=publish_catalog,
    routes=[CatalogController, CatalogAdminController],
)
