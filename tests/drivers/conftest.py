"""Driver test fixtures: a real socat pseudo-terminal pair (skipped with the reason if socat is absent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.sim.pty import SocatPair, socat_available


@pytest.fixture
def socat() -> Iterator[SocatPair]:
    """A started pair: `.a` is the device end (the simulator), `.b` the host end (the driver)."""
    if not socat_available():
        pytest.skip("socat is not installed (apt-get install socat): real pty tests need it")
    pair = SocatPair()
    pair.start()
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def pty_pair(socat: SocatPair) -> tuple[str, str]:
    """(device end, host end) paths."""
    return str(socat.a), str(socat.b)
