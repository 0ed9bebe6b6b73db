"""Constrained field types for request bodies, so bad input fails at validation naming the field.

Strings are stripped, length-checked against their column and may not hold control characters
(PostgreSQL refuses NUL in text; nobody means a tab in a product name).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from central.errors import Invalid

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def text(max_length: int, *, min_length: int = 1) -> object:
    """Annotated str type: stripped, `min_length`..`max_length` characters, no control characters."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length,
                                            max_length=max_length), AfterValidator(_no_control)]


Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16,
                                        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
"""A short business code (store S01, warehouse W01, ...): letters, digits, `_ . -`."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(_no_control)]
OptName = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100),
                    AfterValidator(lambda v: _no_control(v) if v is not None else v)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
                  AfterValidator(_no_control)]
OptShort = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=32),
                     AfterValidator(lambda v: _no_control(v) if v is not None else v)]
OptLong = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200),
                    AfterValidator(lambda v: _no_control(v) if v is not None else v)]

Fen = Annotated[int, Field(ge=0, le=10**12, description="money in integer fen (分)")]
"""A non-negative amount of money in fen, bounded so it fits a BIGINT comfortably."""

RefId = Annotated[int, Field(ge=1, le=2_147_483_647)]
"""A reference to another row by id in a body."""


def changes_of(body: BaseModel, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields a PATCH body actually set; `required` fields may be left out but not set to null."""
    # only top-level fields are "set or not"; nested objects (units, items) are taken whole, with
    # their defaults, since exclude_unset would otherwise drop their defaulted fields too
    full = body.model_dump()
    changes = {name: full[name] for name in body.model_fields_set}
    for name in required:
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} 不能为空", f"{name} may not be null", code="required", field=name)
    return changes


class Strict(BaseModel):
    """Base of request bodies: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A time that must carry a zone (+08:00 or Z); converted to UTC, the only zone we store."""
