"""Sign-in area: who is at the till, the lock screen."""

from __future__ import annotations

from sync.master import UserInfo
from terminal.session import Session
from terminal.ui.adapters.display import CustomerScreen
from terminal.ui.views import UserView


def user_view(user: UserInfo) -> UserView:
    return UserView(id=user.id, code=user.code, name=user.name, role=user.role)


class SignIn:
    def __init__(self, session: Session, screen: CustomerScreen) -> None:
        self._session = session
        self._screen = screen

    def has_users(self) -> bool:
        return self._session.users_synced()

    def current_user(self) -> UserView | None:
        user = self._session.signed_in_user
        return None if user is None else user_view(user)

    def sign_in(self, code: str, pin: str) -> UserView:
        return user_view(self._session.sign_in(code, pin))

    def unlock_user(self, code: str, manager_code: str, manager_pin: str) -> UserView:
        """A manager unlocks a user locked out by wrong PINs (`Session.unlock_user`)."""
        return user_view(self._session.unlock_user(code, manager_code, manager_pin))

    def unlock(self, code: str, pin: str) -> UserView:
        return user_view(self._session.unlock(code, pin))

    def lock(self) -> None:
        self._session.lock()

    def sign_out(self) -> None:
        self._session.sign_out()
        self._screen.welcome()
