"""The sync tests run the app's domains and the example domain (tests/example_domain)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.domains import DOMAINS, install
from tests.example_domain.domain import TALLY_DOMAIN


@pytest.fixture(autouse=True)
def _with_the_example_domain() -> Iterator[None]:
    install([*DOMAINS, TALLY_DOMAIN])
    yield
    install(DOMAINS)
