"""What a valid phone number is, for members and for customers' contacts: one home for both ends.

A member's phone is how a cashier finds the member at the counter and how head office reaches them:
a mainland mobile number, 11 digits starting with 1 (`13800138000`). The till checks it when it
creates a member offline and central's members API and console check it with the same pattern.

A customer's contact phone (a wholesaler's buyer, a shop's landline) may be a landline with an area
code and dashes (`021-50001234`) or an international number (`+852-2345-6789`): digits and dashes,
an optional leading `+`, 5 to 20 characters.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import StringConstraints

MEMBER_PHONE_PATTERN: Final = r"^1[0-9]{10}$"
"""A mainland mobile number: 11 ASCII digits starting with 1."""
CONTACT_PHONE_PATTERN: Final = r"^\+?[0-9-]+$"
"""Digits and dashes with an optional leading +; 5 to 20 characters (`CONTACT_PHONE_MIN`/`MAX`)."""
CONTACT_PHONE_MIN: Final = 5
CONTACT_PHONE_MAX: Final = 20

_MEMBER = re.compile(MEMBER_PHONE_PATTERN)
_CONTACT = re.compile(CONTACT_PHONE_PATTERN)

MemberPhone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=11, max_length=11,
                                               pattern=MEMBER_PHONE_PATTERN)]
"""A member's phone in a pydantic model (surrounding blanks stripped first)."""
ContactPhone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=CONTACT_PHONE_MIN,
                                                max_length=CONTACT_PHONE_MAX, pattern=CONTACT_PHONE_PATTERN)]
"""A customer's or supplier's contact phone in a pydantic model (surrounding blanks stripped first)."""


def is_member_phone(text: str) -> bool:
    """True for a mainland mobile number (`13800138000`); blanks around it are not allowed here."""
    return _MEMBER.fullmatch(text) is not None


def is_contact_phone(text: str) -> bool:
    """True for a contact phone (`021-50001234`, `+852-2345-6789`, `13800138000`)."""
    return CONTACT_PHONE_MIN <= len(text) <= CONTACT_PHONE_MAX and _CONTACT.fullmatch(text) is not None
