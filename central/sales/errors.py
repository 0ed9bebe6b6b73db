"""Errors of sale ingest, each a `DomainError` so the sync engine can quarantine the event.

`OriginalSaleNotReceived` (code `original_sale_not_found`) is special: the return is valid but
arrived before its sale (another terminal's sale, or a quarantined one). Nothing is written; the
sync engine answers `deferred` and the terminal sends the return again later (CONFLICTS.md
rule 2). `member_not_found` (a sale for a member whose `member.created` has not arrived) is
deferred the same way.
"""

from __future__ import annotations

from central.errors import Conflict, Invalid, NotFound, NotYetAtCentral


class DuplicateDocument(Conflict):
    """A sale/return/shift with this id or receipt number is already recorded (from another event)."""

    default_code = "duplicate_document"


class InconsistentDocument(Invalid):
    """The document's figures do not add up (payments ≠ total, lines ≠ total ...)."""

    default_code = "inconsistent_document"


class OriginalSaleNotReceived(NotFound):
    """A return's original sale is not at central (yet): defer, do not quarantine."""

    default_code = NotYetAtCentral.ORIGINAL_SALE_NOT_FOUND


class ReturnExceedsSale(Invalid):
    """More returned (quantity or money) than the original line sold."""

    default_code = "return_exceeds_sale"
