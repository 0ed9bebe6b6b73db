"""Signing in with a password, guarded against guessing and floods (`POST /auth/login` and the
console's sign-in form use it alike).

- Back-off per username and per client address (central/auth/throttle.py): after a few wrong
  passwords the key waits 30 s, then twice as long at every further failure; while it waits, a
  login is answered 429 with Retry-After at once, without checking the password. Every failure is
  in the audit trail (`auth.login_failed`, or `auth.login_locked` when it starts a back-off).
- Password checks (argon2: tens of ms of CPU and 64 MiB each) run on a few threads of their own,
  never on the thread pool the other endpoints share; when those threads and a short queue are
  busy, a login is refused at once (429 `login_busy`) instead of waiting in line, so a flood of
  logins slows down only logins.

Both hold per server process (see central/auth/throttle.py for what that means with `--workers`).
"""

from __future__ import annotations

import anyio
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from central import settings
from central.audit.service import record
from central.auth import service
from central.auth.throttle import Throttle, address_key, login_policy
from central.db import session_scope
from central.errors import TooManyRequests, Unauthorized
from central.users.models import User


def _locked_out(seconds: int) -> TooManyRequests:
    return TooManyRequests(f"登录失败次数过多，请 {seconds} 秒后再试", f"too many failed logins; try again in "
                           f"{seconds} s", code="login_locked", retry_after=seconds)


class LoginGuard:
    """One per app (`app.state.login_guard`): the back-offs and the password-check workers."""

    def __init__(self) -> None:
        self.users = Throttle(login_policy(per_address=False))
        self.addresses = Throttle(login_policy(per_address=True))
        workers = settings.positive_int_setting("POS_LOGIN_HASH_WORKERS", settings.DEFAULT_LOGIN_HASH_WORKERS)
        queue = settings.positive_int_setting("POS_LOGIN_HASH_QUEUE", settings.DEFAULT_LOGIN_HASH_QUEUE)
        self.capacity = workers + queue
        """Logins checking or waiting to check a password at once; one more is refused."""
        self._limiter: anyio.CapacityLimiter | None = None
        self._workers = workers
        self.in_flight = 0

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # made in the event loop that uses it
            self._limiter = anyio.CapacityLimiter(self._workers)
        return self._limiter

    async def check(self, engine: Engine, *, username: str, password: str, address: str | None) -> User:
        """The user, if the password is right; Unauthorized if not; TooManyRequests while backing off or
        when too many logins are being checked at once."""
        user_key, addr_key = username.strip().lower(), address_key(address)
        wait = max(self.users.retry_after(user_key), self.addresses.retry_after(addr_key))
        if wait:
            raise _locked_out(wait)
        if self.in_flight >= self.capacity:  # the event loop is single-threaded: no lock needed
            raise TooManyRequests("登录请求太多，请稍后再试", "too many logins at once; try again in a moment",
                                  code="login_busy", retry_after=1)
        self.in_flight += 1
        try:
            user = await anyio.to_thread.run_sync(_check_password, engine, username, password,
                                                  limiter=self.limiter)
        except Unauthorized as exc:
            locked = max(self.users.failure(user_key) or 0, self.addresses.failure(addr_key) or 0)
            await run_in_threadpool(_audit_failure, engine, username, address, exc.code, locked)
            raise
        finally:
            self.in_flight -= 1
        self.users.success(user_key)
        return user


def _check_password(engine: Engine, username: str, password: str) -> User:
    with session_scope(engine, write=False) as session:
        return service.check_credentials(session, username=username, password=password)


def _audit_failure(engine: Engine, username: str, address: str | None, reason: str, locked: int) -> None:
    """A failed login in the audit trail, in a transaction of its own (the login's own is rolled back)."""
    with session_scope(engine) as session:
        record(session, actor=None, action="auth.login_locked" if locked else "auth.login_failed",
               entity_type="login", entity_id=username.strip()[:64] or "?",
               after={"locked_seconds": locked} if locked else None, reason=reason, client_address=address)


__all__ = ["LoginGuard"]
