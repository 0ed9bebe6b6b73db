"""Typed domain errors: every expected failure carries a code, a zh-CN and an English message
and the field it concerns, so the API can answer with a clear 4xx instead of a 500.

Services raise these; `central.api.errors` turns them into
`{"error": {"code", "message", "message_en", "field"}}` with the status below.
"""

from __future__ import annotations

from enum import StrEnum


class NotYetAtCentral(StrEnum):
    """Codes meaning "something this event refers to has not reached central yet". The sync engine
    (`central.syncing.ingest`) defers such an event — nothing written, the till sends it again later
    (sync/CONFLICTS.md rule 2) — instead of quarantining it. Each is raised by an ingest handler:"""

    ORIGINAL_SALE_NOT_FOUND = "original_sale_not_found"
    """A return whose sale (another till's, or a quarantined one) is not here: `sales.errors.OriginalSaleNotReceived`."""
    MEMBER_NOT_FOUND = "member_not_found"
    """A sale or payment for a member whose `member.created` has not arrived (`not_found("会员", "member")`)."""
    DEPENDENCY_MISSING = "dependency_missing"
    """A rep's event naming a customer or order made offline whose own event has not arrived."""


class DomainError(Exception):
    """Base of every expected, user-facing error. `status` is the HTTP status it maps to."""

    status: int = 400
    default_code: str = "invalid"

    def __init__(self, message: str, message_en: str | None = None, *, code: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(message_en or message)
        self.code = code or self.default_code
        self.message = message
        self.message_en = message_en or message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en,
                "field": self.field}


class Invalid(DomainError):
    """The request is well-formed but its content breaks a rule (negative price, bad barcode)."""

    status = 422
    default_code = "invalid"


class NotFound(DomainError):
    """A referenced record does not exist (or is not visible to this principal)."""

    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The change clashes with existing data (duplicate code or barcode, stale state)."""

    status = 409
    default_code = "conflict"


class Unauthorized(DomainError):
    """No valid credentials: not logged in, expired token, unknown or revoked device."""

    status = 401
    default_code = "unauthorized"


class Forbidden(DomainError):
    """Authenticated, but this principal may not do this (role, or another store's data)."""

    status = 403
    default_code = "forbidden"


class WrongScope(Forbidden):
    """An event names another store, terminal or rep than the device that sent it. Every domain's
    ingest (sales, members, customers, stored value) raises it, so it lives with the shared family
    rather than in one domain that the others would have to import (`sales` ↔ `members`,
    `sales` ↔ `customers` were import cycles through it)."""

    default_code = "wrong_scope"


class TooManyRequests(DomainError):
    """Too many failed attempts (or too many at once): try again after `retry_after` seconds (429 with a
    Retry-After header)."""

    status = 429
    default_code = "too_many_attempts"

    def __init__(self, message: str, message_en: str | None = None, *, retry_after: int, code: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(message, message_en, code=code, field=field)
        self.retry_after = max(1, int(retry_after))


def not_found(entity_zh: str, entity_en: str, field: str | None = None,
              value: object = None) -> NotFound:
    """A NotFound with the usual wording, e.g. not_found("商品", "product", "product_id", 7)."""
    suffix = f" {value}" if value is not None else ""
    return NotFound(f"{entity_zh}不存在{suffix}", f"{entity_en} not found{suffix}",
                    code=f"{entity_en.replace(' ', '_')}_not_found", field=field)
