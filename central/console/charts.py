"""ECharts options for the console's charts, built on the server and handed to the page as JSON.

A chart is a `<div data-chart='…'>`; `static/console.js` creates it with ECharts and disposes of
it before htmx swaps it out. Money goes to the chart as yuan for drawing only (the figures shown
in text and tables are formatted from integer fen).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PALETTE = ["#2f6da3", "#e07b39", "#3a9a5b", "#c94c4c", "#7d5ba6", "#2aa3a3", "#b08a2e", "#6b7d8c"]
YUAN_FORMAT = "¥{value}"


def yuan(fen: int | None) -> float | None:
    """Fen as yuan for a chart axis (drawing only; never used to compute)."""
    return None if fen is None else round(fen / 100, 2)


def _base(title: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {
        "color": PALETTE, "animation": False,
        "tooltip": {"trigger": "axis", "valueFormatter": None},
        "grid": {"left": 64, "right": 20, "top": 40, "bottom": 36},
        "legend": {"top": 4},
    }
    if title:
        option["title"] = {"text": title, "left": "center", "textStyle": {"fontSize": 13}}
    return option


def bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]], *, stacked: bool = False,
         horizontal: bool = False, money: bool = True, line: bool = False) -> dict[str, Any]:
    """Bars (or lines) of fen values (money) or plain numbers, one series per (name, values)."""
    option = _base()
    value_axis: dict[str, Any] = {"type": "value"}
    if money:
        value_axis["axisLabel"] = {"formatter": YUAN_FORMAT}
    cat_axis = {"type": "category", "data": list(categories)}
    option["xAxis"], option["yAxis"] = (value_axis, cat_axis) if horizontal else (cat_axis, value_axis)
    option["series"] = [{"name": name, "type": "line" if line else "bar", "smooth": line,
                         "data": [yuan(v) if money else v for v in values],
                         **({"stack": "total"} if stacked else {})}
                        for name, values in series]
    if len(series) == 1:
        option["legend"] = {"show": False}
        option["grid"]["top"] = 16
    return option


def pie(items: Sequence[tuple[str, int]], *, money: bool = True, labels: bool = True) -> dict[str, Any]:
    return {
        "color": PALETTE, "animation": False, "tooltip": {"trigger": "item", "formatter": "{b}: {d}%"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["38%", "68%"], "center": ["50%", "45%"],
                    "label": {"formatter": "{b}\n{d}%", "show": labels},
                    "data": [{"name": name, "value": yuan(v) if money else v} for name, v in items if v]}],
    }
