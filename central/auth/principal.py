"""Who is asking: a console user (bearer token) or an enrolled device (device credential).

Both carry the permissions they hold and the store they are confined to (`store_id`;
None means every store). Services take a principal and use `check_store` / `scope` so a
store-scoped caller never sees or touches another store's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select

from central.auth.roles import DeviceKind, Permission, Role
from central.errors import Forbidden

S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class Principal:
    permissions: frozenset[Permission]
    store_id: int | None
    """The one store this principal is confined to; None = all stores."""
    rep_id: int | None
    """A sales rep's user id (a rep user or a rep tablet): their lists hold only their customers."""

    def has(self, *perms: Permission) -> bool:
        return all(p in self.permissions for p in perms)

    def require(self, *perms: Permission) -> None:
        """Raise Forbidden (403) unless every permission is held."""
        missing = [p.value for p in perms if p not in self.permissions]
        if missing:
            raise Forbidden(f"没有权限：{', '.join(missing)}", f"permission required: {', '.join(missing)}",
                            code="permission_denied")

    def may_see_store(self, store_id: int | None) -> bool:
        return self.store_id is None or store_id == self.store_id

    def check_store(self, store_id: int | None, field: str = "store_id") -> None:
        """Raise Forbidden when `store_id` is another store's (a confined principal's writes/reads)."""
        if not self.may_see_store(store_id):
            raise Forbidden("无权访问其他门店的数据", "this belongs to another store",
                            code="other_store", field=field)

    def scope(self, stmt: S, store_column: Any) -> S:
        """Add `WHERE store_column = my store` to a select when confined to a store."""
        if self.store_id is None:
            return stmt
        return stmt.where(store_column == self.store_id)

    @property
    def is_device(self) -> bool:
        return False


@dataclass(frozen=True)
class UserPrincipal(Principal):
    """A console user logged in with a password."""

    user_id: int
    username: str
    role: Role
    home_store_id: int | None


@dataclass(frozen=True)
class DevicePrincipal(Principal):
    """An enrolled terminal: a POS in a store, or a rep's tablet (then `rep_id` is the rep)."""

    store_id: int
    """The store the terminal is bound to (devices are always confined to one store)."""
    terminal_id: int
    terminal_code: str
    kind: DeviceKind

    @property
    def is_device(self) -> bool:
        return True
