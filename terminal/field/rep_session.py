"""Sign-in on a rep tablet: the tablet's own rep only, by PIN, offline.

The tablet knows its rep from enrolment (`terminal.field.mode.tablet_rep_id`); the rep types only a
PIN (no user code: nobody else may use this tablet). The PIN is checked against the rep's synced
argon2 hash (`sync.master.UserInfo.pin_hash`, as the till's sign-in does); any other user's row,
even with the right PIN, is refused. Every attempt is in the audit log.
"""

from __future__ import annotations

from sync.master import UserInfo
from terminal.errors import AuthError
from terminal.field.mode import tablet_rep_id
from terminal.session import PIN_ATTEMPTS, _pin_matches, audit  # the till's argon2 check, with its cache
from terminal.store import Store

REP_ROLES = frozenset({"sales_rep"})


def rep_locked_out() -> AuthError:
    return AuthError(f"PIN 连续输错 {PIN_ATTEMPTS} 次，已锁定：请联系总部为您设置新的 PIN，同步后即可登录",
                     f"locked after {PIN_ATTEMPTS} wrong PINs: ask head office to set a new PIN; it works "
                     "once the tablet has synced", code="pin_locked_out")


class RepSession:
    """Who works the tablet now. Plain Python: the rep app shows it, `simulate` drives it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._user: UserInfo | None = None
        self.locked = False

    def rep(self) -> UserInfo | None:
        """The tablet's rep as last synced (name for the sign-in screen), or None before the first sync."""
        rep_id = tablet_rep_id(self.store)
        return None if rep_id is None else self.store.master.user(rep_id)

    def _check(self, pin: str) -> UserInfo:
        rep_id = tablet_rep_id(self.store)
        if rep_id is None:
            raise AuthError("本设备不是业务员平板", "this device is not a rep tablet", code="not_rep_tablet")
        user = self.store.master.user(rep_id)
        if user is None:
            raise AuthError("业务员资料尚未同步，请先联网同步", "the rep's data has not been synced yet: sync first",
                            code="rep_not_synced")
        if not user.active or user.role not in REP_ROLES or not user.pin_hash:
            with self.store.transaction():
                audit(self.store, "sign_in_failed", cashier_id=user.id, detail={"kind": "rep"})
            raise AuthError("密码错误", "wrong PIN", code="bad_credentials")
        kept = self.store.pin_failures.get(user.id)
        if kept is not None and kept.locked_at and kept.pin_hash == user.pin_hash:
            raise rep_locked_out()
        if not _pin_matches(user, pin):
            # as on a till (terminal.session), but nobody else signs in on a rep's tablet: the lock
            # lifts when head office sets a new PIN and it syncs
            failures = self.store.pin_failures.record_failure(user.id, user.pin_hash, lock_after=PIN_ATTEMPTS)
            with self.store.transaction():
                audit(self.store, "sign_in_failed", cashier_id=user.id,
                      detail={"kind": "rep", "failures": failures.failures})
            if failures.locked_at:
                raise rep_locked_out()
            left = PIN_ATTEMPTS - failures.failures
            raise AuthError(f"密码错误（再错 {left} 次将锁定）", f"wrong PIN ({left} more wrong and the tablet locks)",
                            code="bad_credentials")
        if kept is not None:
            self.store.pin_failures.clear(user.id)
        return user

    def sign_in(self, pin: str) -> UserInfo:
        """Sign the tablet's rep in with their PIN (works offline with the last synced data)."""
        user = self._check(pin)
        self._user = user
        self.locked = False
        with self.store.transaction():
            audit(self.store, "sign_in", cashier_id=user.id, detail={"kind": "rep"})
        return user

    def sign_in_as_rep(self, *, reason: str) -> UserInfo:
        """Sign the tablet's rep in without a PIN, for automation owning the data directory
        (`pos-terminal simulate --orders`); audited with its reason. Never called by the UI."""
        rep_id = tablet_rep_id(self.store)
        user = None if rep_id is None else self.store.master.user(rep_id)
        if user is None or not user.active or user.role not in REP_ROLES:
            raise AuthError("本设备没有可用的业务员", "no usable rep on this tablet", code="no_rep")
        self._user = user
        self.locked = False
        with self.store.transaction():
            audit(self.store, "sign_in_automation", cashier_id=user.id, detail={"reason": reason})
        return user

    def sign_out(self) -> None:
        if self._user is not None:
            with self.store.transaction():
                audit(self.store, "sign_out", cashier_id=self._user.id)
        self._user = None
        self.locked = False

    def lock(self) -> None:
        if self._user is not None:
            self.locked = True

    def unlock(self, pin: str) -> UserInfo:
        user = self._check(pin)
        self.locked = False
        return user

    @property
    def signed_in(self) -> bool:
        return self._user is not None and not self.locked

    @property
    def user(self) -> UserInfo:
        """The signed-in, unlocked rep; raises `AuthError` otherwise."""
        if self._user is None:
            raise AuthError("请先登录", "please sign in", code="not_signed_in")
        if self.locked:
            raise AuthError("平板已锁定", "the tablet is locked", code="locked")
        return self._user

    @property
    def rep_id(self) -> int:
        return self.user.id
