"""The codes that make the sync engine defer an event (rather than quarantine it) are one Enum,
and each of them is raised by some ingest path: no code is listed that nothing raises."""

from __future__ import annotations

from pathlib import Path

from central.errors import NotYetAtCentral, not_found
from central.sales.errors import OriginalSaleNotReceived
from central.syncing.ingest import DEFERRABLE_CODES

CENTRAL = Path(__file__).resolve().parents[2] / "central"


def test_the_deferrable_codes_are_the_enum() -> None:
    assert DEFERRABLE_CODES == {c.value for c in NotYetAtCentral}
    assert {"sale_not_found", "shift_not_found", "not_yet"}.isdisjoint(DEFERRABLE_CODES)  # never raised


def test_each_deferrable_code_is_raised_by_an_ingest_path() -> None:
    assert OriginalSaleNotReceived("x", "x").code == NotYetAtCentral.ORIGINAL_SALE_NOT_FOUND
    assert not_found("会员", "member").code == NotYetAtCentral.MEMBER_NOT_FOUND
    ingest = "\n".join(p.read_text(encoding="utf-8") for p in CENTRAL.rglob("ingest.py"))
    assert 'not_found("会员", "member"' in ingest
    assert "raise OriginalSaleNotReceived" in ingest
    assert ingest.count("NotYetAtCentral.DEPENDENCY_MISSING") >= 2  # rep customers and order returns
