"""Exponential back-off for guessing: after a few failures a key (a username, a client address) must
wait before it may try again, 30 s, then 60 s, 120 s … up to a cap; a success clears it.

Kept in memory, per server process: with `pos-central serve --workers N` each worker counts on its
own, so a guesser gets at most N times the attempts before every worker backs off (still a few dozen
an hour instead of millions). Failures are forgotten once a key has been quiet for the longest
back-off, and the number of keys is bounded (the least recently failed are dropped first), so a
flood of made-up usernames cannot grow memory.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from central import settings


@dataclass(frozen=True)
class Policy:
    max_failures: int
    """Failures allowed before the first back-off."""
    base_seconds: float
    """The first back-off; each further failure doubles it."""
    max_seconds: float
    """The longest back-off; a key quiet for this long starts over."""
    distinct: bool = False
    """Count only distinct failed secrets (a device repeating its own stale credential is not guessing)."""


def login_policy(*, per_address: bool) -> Policy:
    name, default = (("POS_LOGIN_ADDRESS_MAX_FAILURES", settings.DEFAULT_LOGIN_ADDRESS_MAX_FAILURES) if per_address
                     else ("POS_LOGIN_MAX_FAILURES", settings.DEFAULT_LOGIN_MAX_FAILURES))
    base, cap = _backoff()
    return Policy(max_failures=settings.positive_int_setting(name, default), base_seconds=base, max_seconds=cap)


def guess_policy() -> Policy:
    """Device credentials and enrolment codes, per client address, distinct secrets only."""
    base, cap = _backoff()
    return Policy(max_failures=settings.positive_int_setting("POS_GUESS_MAX_FAILURES",
                                                             settings.DEFAULT_GUESS_MAX_FAILURES),
                  base_seconds=base, max_seconds=cap, distinct=True)


def _backoff() -> tuple[float, float]:
    base = settings.positive_int_setting("POS_LOCKOUT_SECONDS", settings.DEFAULT_LOCKOUT_SECONDS)
    cap = settings.positive_int_setting("POS_LOCKOUT_MAX_SECONDS", settings.DEFAULT_LOCKOUT_MAX_SECONDS)
    return float(base), float(max(cap, base))


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0
    secrets: set[str] = field(default_factory=set)


MAX_KEYS = 50_000
"""Keys remembered per throttle (a few MB at most)."""

MAX_SECRETS_PER_KEY = 64
"""Distinct failed secrets remembered per key (enough to tell a repeat from a guess)."""


class Throttle:
    """Failure counts and back-offs of keys under one policy (thread-safe)."""

    def __init__(self, policy: Policy, *, max_keys: int = MAX_KEYS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.max_keys = max_keys
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Whole seconds `key` must still wait (0: it may try now)."""
        with self._lock:
            record = self._records.get(key)
            if record is None:
                return 0
            left = record.locked_until - self.clock()
            return math.ceil(left) if left > 0 else 0

    def failure(self, key: str, secret: str | None = None) -> int | None:
        """Count a failure of `key` (with the secret it tried, for a distinct-only policy); returns the
        back-off in seconds it starts now (0: none yet), or None when it did not count (a secret this key
        already failed with, under a distinct-only policy)."""
        now = self.clock()
        with self._lock:
            record = self._records.get(key)
            if record is None or now - record.last_failure > self.policy.max_seconds:
                record = _Record()
            self._records[key] = record
            self._records.move_to_end(key)
            while len(self._records) > self.max_keys:
                self._records.popitem(last=False)
            record.last_failure = now
            if self.policy.distinct and secret is not None:
                tag = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:16]
                if tag in record.secrets:
                    return None
                if len(record.secrets) < MAX_SECRETS_PER_KEY:
                    record.secrets.add(tag)
            record.failures += 1
            beyond = record.failures - self.policy.max_failures
            if beyond < 0:
                return 0
            seconds = min(self.policy.max_seconds, self.policy.base_seconds * 2.0 ** min(beyond, 32))
            record.locked_until = now + seconds
            return math.ceil(seconds)

    def success(self, key: str) -> None:
        """`key` got it right: forget its failures."""
        with self._lock:
            self._records.pop(key, None)


def address_key(address: str | None) -> str:
    """The throttling key of a client address: IPv4 as it is, IPv6 by its /64 (one household or
    shop gets a whole /64, so single IPv6 addresses would make throttling per address useless)."""
    if not address:
        return "?"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
