"""Sign-in area: the tablet's own rep, by PIN only (`terminal.field.rep_session`)."""

from __future__ import annotations

from sync.master import UserInfo
from terminal.field.rep_session import RepSession
from terminal.ui.rep.views import RepView


def rep_view(user: UserInfo) -> RepView:
    return RepView(id=user.id, code=user.code, name=user.name)


class RepSignIn:
    def __init__(self, session: RepSession) -> None:
        self._session = session

    def rep(self) -> RepView | None:
        """Whose tablet this is (shown on the sign-in screen), None before the first sync."""
        user = self._session.rep()
        return None if user is None else rep_view(user)

    def current_user(self) -> RepView | None:
        """The signed-in rep, also while locked (the shared lock button asks)."""
        return None if not self._session.signed_in and not self._session.locked else self.rep()

    def sign_in(self, pin: str) -> RepView:
        return rep_view(self._session.sign_in(pin))

    def unlock(self, pin: str) -> RepView:
        return rep_view(self._session.unlock(pin))

    def lock(self) -> None:
        self._session.lock()

    def sign_out(self) -> None:
        self._session.sign_out()
