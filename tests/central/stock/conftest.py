"""Stock, cost and purchasing tests reuse the small business of tests/central/domains (two stores,
tills, a cashier, products) and its event builders."""

from __future__ import annotations

from tests.central.domains.conftest import World, world  # noqa: F401  (the fixture, re-exported)
