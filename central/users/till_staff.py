"""Who may work a till of a store: the check central makes on the person a till names.

A till signs people in offline with the PIN hashes central shipped it, so the cashier of a sale or
a return and the opener of a shift should always be one of the store's till staff. A till can
still claim anyone (an old copy of a user, a user moved to another store or disabled since, a
forged event): central checks the claim here and, since the sale or shift happened, the caller
applies the event and flags what does not hold (`flag_not_till_staff`).

Till staff of store S: an active user with a till role (`TILL_ROLES`) whose store is S, or a
head-office admin (no store; shipped to every till). One query for a whole batch of events
(`not_till_staff`), so the push's hot path can afford it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.auth.roles import ROLE_NAMES_ZH, Role
from central.review.service import flag
from central.users.models import User

TILL_ROLES: frozenset[str] = frozenset({"cashier", "store_manager", "sales_rep", "admin"})
"""Roles that may sign in at a till or tablet (their PIN hash is shipped to the terminals)."""

Reason = Literal["unknown_user", "inactive", "not_till_role", "other_store"]


@dataclass(frozen=True)
class NotTillStaff:
    """Why `user_id` may not work a till of `store_id` (as central knows the user now)."""

    user_id: int
    store_id: int
    reason: Reason
    name: str | None = None
    role: str | None = None
    user_store_id: int | None = None

    @property
    def message_zh(self) -> str:
        who = f"{self.name}（用户 {self.user_id}）" if self.name else f"用户 {self.user_id}"
        if self.reason == "unknown_user":
            return f"{who}在总部不存在"
        if self.reason == "inactive":
            return f"{who}已停用"
        if self.reason == "not_till_role":
            role = ROLE_NAMES_ZH.get(Role(self.role), self.role) if self.role in set(Role) else self.role
            return f"{who}的角色（{role}）不能在收银台登录"
        return f"{who}属于门店 {self.user_store_id}，不是门店 {self.store_id}"

    @property
    def message_en(self) -> str:
        who = f"{self.name} (user {self.user_id})" if self.name else f"user {self.user_id}"
        if self.reason == "unknown_user":
            return f"{who} does not exist at central"
        if self.reason == "inactive":
            return f"{who} is disabled"
        if self.reason == "not_till_role":
            return f"{who}'s role ({self.role}) may not sign in at a till"
        return f"{who} belongs to store {self.user_store_id}, not store {self.store_id}"

    def computed(self) -> dict[str, object]:
        """What central knows of the user, for the review flag."""
        return {"reason": self.reason, "user_id": self.user_id, "role": self.role,
                "user_store_id": self.user_store_id, "till_store_id": self.store_id}


def _problem(user: User | None, user_id: int, store_id: int) -> NotTillStaff | None:
    if user is None:
        return NotTillStaff(user_id=user_id, store_id=store_id, reason="unknown_user")
    reason: Reason | None = None
    if not user.active:
        reason = "inactive"
    elif user.role not in TILL_ROLES:
        reason = "not_till_role"
    elif user.store_id != store_id and not (user.store_id is None and user.role == Role.ADMIN):
        reason = "other_store"  # head office's admin (no store) is shipped to every till
    if reason is None:
        return None
    return NotTillStaff(user_id=user_id, store_id=store_id, reason=reason, name=user.display_name, role=user.role,
                        user_store_id=user.store_id)


def not_till_staff(session: Session, user_ids: Iterable[int], store_id: int) -> dict[int, NotTillStaff]:
    """The users among `user_ids` who may NOT work a till of `store_id`, with why (one query);
    users who may are absent from the answer."""
    wanted = sorted({int(u) for u in user_ids})
    if not wanted:
        return {}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    out: dict[int, NotTillStaff] = {}
    for user_id in wanted:
        problem = _problem(users.get(user_id), user_id, store_id)
        if problem is not None:
            out[user_id] = problem
    return out


def till_staff_problem(session: Session, user_id: int, store_id: int) -> NotTillStaff | None:
    """Why `user_id` may not work a till of `store_id`, or None when they may."""
    return _problem(session.get(User, user_id), user_id, store_id)


def flag_not_till_staff(session: Session, problem: NotTillStaff, *, kind: str, terminal_id: int | None,
                        event_id: str | None, subject: str | None, doing_zh: str, doing_en: str) -> None:
    """Put it on the review list (in the caller's transaction): `doing_*` names what the person
    did ("开班" / "opened the shift"); the event itself was applied."""
    flag(session, kind=kind, store_id=problem.store_id, terminal_id=terminal_id, event_id=event_id,
         subject=subject, claimed={"user_id": problem.user_id, "store_id": problem.store_id},
         computed=problem.computed(),
         message_zh=f"{doing_zh}的人不是本店收银人员：{problem.message_zh}。单据已照常记录，请核实",
         message_en=f"the person who {doing_en} is not till staff of this store: {problem.message_en}. "
                    "The record was applied as it happened; please check")
