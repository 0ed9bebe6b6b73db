"""Guessing device credentials and enrolment codes: back-off per client address, audited.

Both secrets are long and random (a device secret 256 bits, an enrolment code 80), so guessing one
is hopeless, but a client trying one after another is still stopped and written down: after
`POS_GUESS_MAX_FAILURES` distinct wrong ones from an address (its /64 for IPv6), that address waits
30 s, then twice as long at every further one (429 with Retry-After). A till repeating its own stale
credential, or an enrolment code it was already refused, counts and is audited once, so a shop's
other tills behind the same router are not held up by one till that was revoked or re-enrolled.
Per server process, like the login back-off (central/auth/throttle.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from central.audit.service import record
from central.auth.throttle import Throttle, address_key, guess_policy
from central.db import session_scope
from central.errors import TooManyRequests


@dataclass(frozen=True)
class Kind:
    action: str
    """The audit action of a refused secret (`<action>_locked` when it starts a back-off)."""
    zh: str
    en: str


DEVICE = Kind("auth.device_credential_refused", "设备凭证", "device credentials")
ENROLMENT = Kind("auth.enrolment_code_refused", "注册码", "enrolment codes")


class GuessGuard:
    """One per app and kind of secret (`app.state.device_guesses`, `app.state.enrolment_guesses`)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.addresses = Throttle(guess_policy())

    def check(self, address: str | None) -> None:
        """TooManyRequests while `address` is backing off."""
        wait = self.addresses.retry_after(address_key(address))
        if wait:
            raise TooManyRequests(f"错误的{self.kind.zh}太多，请 {wait} 秒后再试",
                                  f"too many wrong {self.kind.en}; try again in {wait} s",
                                  code="too_many_guesses", retry_after=wait)

    def failed(self, engine: Engine, *, address: str | None, secret: str, reason: str, entity_type: str,
               entity_id: str | int) -> None:
        """Count a refused secret from `address` and audit it (in a transaction of its own); a secret
        this address was already refused is neither counted nor audited again. Call it from a thread,
        not the event loop (it writes)."""
        locked = self.addresses.failure(address_key(address), secret)
        if locked is None:
            return
        with session_scope(engine) as session:
            record(session, actor=None, action=f"{self.kind.action}_locked" if locked else self.kind.action,
                   entity_type=entity_type, entity_id=entity_id, reason=reason, client_address=address,
                   after={"locked_seconds": locked} if locked else None)


__all__ = ["DEVICE", "ENROLMENT", "GuessGuard"]
