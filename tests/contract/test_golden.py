"""The hand-written golden pricing cases (tests/golden/pricing/*.json) against sync.price_cart."""

from __future__ import annotations

import pytest

from tests.contract.golden import GoldenCase, load_cases, run_case

CASES = load_cases()


def test_golden_file_is_big_enough() -> None:
    # the issue asks for at least 40 hand-written shop situations
    assert len([c for c in CASES if c.data.get("op", "price_cart") == "price_cart"]) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden_case(case: GoldenCase) -> None:
    run_case(case)
