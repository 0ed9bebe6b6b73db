"""A rep tablet's PIN (#10 §5): 5 wrong PINs in a row lock it (nobody else signs in on a rep's
tablet, so the lock lifts when head office sets a new PIN and it syncs); a right PIN before that
resets the count."""

from __future__ import annotations

import pytest

from terminal.errors import AuthError
from terminal.session import PIN_ATTEMPTS
from tests.terminal.helpers import add_user

from .world import PIN, FieldWorld


def test_wrong_pins_lock_the_rep_tablet_until_a_new_pin_syncs(world: FieldWorld) -> None:
    session = world.app.session
    codes = []
    for _ in range(PIN_ATTEMPTS):
        with pytest.raises(AuthError) as refused:
            session.sign_in("0000")
        codes.append(refused.value.code)
    assert codes == ["bad_credentials"] * (PIN_ATTEMPTS - 1) + ["pin_locked_out"]
    with pytest.raises(AuthError) as still:
        session.sign_in(PIN)
    assert still.value.code == "pin_locked_out"
    assert "总部" in still.value.message
    rep = session.rep()
    assert rep is not None
    store = world.app.store
    add_user(store, rep.id, rep.code, rep.name, rep.role, "97531", store_id=rep.store_id or 1)  # a new PIN synced
    assert session.sign_in("97531").id == rep.id
