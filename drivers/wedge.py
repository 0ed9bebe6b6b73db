"""Tell a keyboard-wedge scanner from a person typing, by timing (pure: the UI feeds it key events).

A USB scanner in keyboard mode "types" a code in a burst: a few ms between keys, then Enter.
People type far slower. Keys are held back only while they may still be part of a burst; once a
gap is too long they are released as typed text, so an input field loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.scan import ScanResult, guess_symbology

ENTER_KEYS = frozenset({"\r", "\n", "enter", "Enter", "return", "Return", "KP_Enter", "numpadenter"})
"""Names UIs give Enter (Kivy: `enter`, `numpadenter`; Tk/X11: `Return`, `KP_Enter`)."""


@dataclass(frozen=True)
class TypedText:
    """Keys a person typed (give them to the focused field)."""

    text: str


@dataclass(frozen=True)
class EnterKey:
    """The end key (Enter, or whatever `end_keys` says) pressed by a person, not ending a burst."""


WedgeEvent = ScanResult | TypedText | EnterKey


class WedgeDetector:
    """Feed every key with its timestamp (seconds, monotonic); collect the events it returns."""

    def __init__(self, *, max_gap: float = 0.05, min_length: int = 4,
                 end_keys: frozenset[str] = ENTER_KEYS) -> None:
        """`end_keys`: what the scanner sends after a code (Enter by default; add "tab" for Tab-suffixed ones)."""
        if max_gap <= 0 or min_length < 1 or not end_keys:
            raise ValueError("max_gap must be > 0, min_length ≥ 1, end_keys not empty")
        self.max_gap = max_gap
        self.min_length = min_length
        self.end_keys = end_keys
        self._keys: list[str] = []
        self._last = 0.0

    def feed(self, key: str, timestamp: float) -> list[WedgeEvent]:
        """One key: a printable character (len 1) or an Enter name. Other keys just release held text."""
        events = self.flush(timestamp)
        if key in self.end_keys:
            if self._keys and timestamp - self._last <= self.max_gap and len(self._keys) >= self.min_length:
                code = "".join(self._keys)
                self._keys.clear()
                return [*events, ScanResult(code=code, symbology=guess_symbology(code), source="keyboard")]
            events += self._release()
            return [*events, EnterKey()]
        if len(key) != 1:
            return events + self._release()
        self._keys.append(key)
        self._last = timestamp
        return events

    def flush(self, now: float) -> list[WedgeEvent]:
        """Release held keys once the burst window has passed (call from a UI timer too)."""
        if self._keys and now - self._last > self.max_gap:
            return self._release()
        return []

    @property
    def holding(self) -> bool:
        return bool(self._keys)

    def _release(self) -> list[WedgeEvent]:
        if not self._keys:
            return []
        text = "".join(self._keys)
        self._keys.clear()
        return [TypedText(text)]
