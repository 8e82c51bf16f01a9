"""The app with the example domain beside the product's, for servers started as processes:
``fieldvisit serve --app tests.example_domain.app:create_app``."""

from __future__ import annotations

from litestar import Litestar

from server.app import create_app as create_product_app
from server.domains import DOMAINS
from tests.example_domain.domain import TALLY_DOMAIN


def create_app() -> Litestar:
    return create_product_app(domains=[*DOMAINS, TALLY_DOMAIN])
