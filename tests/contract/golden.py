"""Golden pricing cases: load `tests/golden/pricing/*.json` and run one case against a pricer.

Central and the terminal run the SAME files through their own path (e.g. a terminal building the
context from its SQLite master tables) by passing their own `pricer` to `run_case`:

    from tests.contract.golden import load_cases, run_case
    @pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.id)
    def test_golden(case): run_case(case, pricer=my_pricer)

File format: `{"description", "context": {...}, "cases": [...]}`. A case has `name`, `story`
(the shop situation), `op` (default `price_cart`), its inputs and either `expect` or
`expect_error` (`{"type": "QuantityError", "code": "..."}`). A case's `context` replaces keys of
the file's context; a key written `+promotions` (etc.) appends to the file's list instead.
Expected values were computed by hand from sync/PRICING.md; only the keys given are compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sync import barcodes, errors, money, quantity, scale_barcode
from sync.allocation import allocate
from sync.pricing import Cart, PricedCart, PricingContext, price_cart
from sync.promotions import Promotion

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "pricing"

Pricer = Callable[[Cart, PricingContext], PricedCart]


@dataclass(frozen=True)
class GoldenCase:
    id: str
    """`<file stem>/<case name>`, stable for test ids."""
    data: dict[str, Any]
    """The case with the file context merged in (`data["context"]` is complete)."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if key.startswith("+"):
            out[key[1:]] = [*out.get(key[1:], []), *value]
        else:
            out[key] = value
    return out


def load_cases(directory: Path | None = None) -> list[GoldenCase]:
    """Every case of every `*.json` file in the golden folder, in file then case order."""
    cases: list[GoldenCase] = []
    for path in sorted((directory or GOLDEN_DIR).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        base = doc.get("context", {})
        names: set[str] = set()
        for raw in doc["cases"]:
            if raw["name"] in names:
                raise ValueError(f"{path.name}: duplicate case name {raw['name']!r}")
            names.add(raw["name"])
            data = dict(raw)
            data["context"] = _merge(base, raw.get("context", {}))
            cases.append(GoldenCase(id=f"{path.stem}/{raw['name']}", data=data))
    return cases


def _call(case: dict[str, Any], pricer: Pricer) -> Any:
    op = case.get("op", "price_cart")
    arg: Any = case.get("input")
    if op == "price_cart":
        return pricer(Cart.from_dict(case["cart"]), PricingContext.from_dict(case["context"]))
    if op == "parse_yuan":
        return money.parse_yuan(arg, allow_negative=case.get("allow_negative", False))
    if op == "format_fen":
        return money.format_fen(arg)
    if op == "quantity":
        return str(quantity.normalize_qty(arg, weighed=case["weighed"]))
    if op == "barcode":
        return {"kind": barcodes.barcode_kind(arg).value, "normalized": barcodes.normalize_barcode(arg)}
    if op == "ean13_to_upca":
        return barcodes.ean13_to_upca(arg)
    if op == "scale_barcode":
        layout = scale_barcode.ScaleLayout.from_dict(case.get("layout", {}))
        r = scale_barcode.parse_scale_barcode(arg, layout)
        return {"item_code": r.item_code, "weight_kg": None if r.weight_kg is None else str(r.weight_kg),
                "amount_fen": r.amount_fen}
    if op == "promotion":
        return Promotion.from_dict(arg).to_dict()
    if op == "allocate":
        return allocate(arg["amount"], arg["weights"])
    raise ValueError(f"unknown op {op!r}")


def _as_plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_as_plain(v) for v in value]
    return value


def _compare_priced(got: PricedCart, expect: dict[str, Any]) -> list[str]:
    diffs: list[str] = []
    for key, want in expect.items():
        if key == "lines":
            if len(got.lines) != len(want):
                diffs.append(f"lines: got {len(got.lines)} lines, expected {len(want)}")
                continue
            for line, want_line in zip(got.lines, want, strict=True):
                for k, v in want_line.items():
                    have = _as_plain(getattr(line, k))
                    if have != v:
                        diffs.append(f"line {line.line_no} {k}: got {have!r}, expected {v!r}")
        elif key == "applied":
            have = [{"promotion_id": a.promotion_id, "discount_fen": a.discount_fen} for a in got.applied]
            if have != want:
                diffs.append(f"applied: got {have!r}, expected {want!r}")
        else:
            have = _as_plain(getattr(got, key))
            if have != want:
                diffs.append(f"{key}: got {have!r}, expected {want!r}")
    return diffs


def run_case(case: GoldenCase, pricer: Pricer = price_cart) -> None:
    """Run one golden case; AssertionError listing every difference when the result is not as written."""
    data = case.data
    want_error = data.get("expect_error")
    try:
        got = _call(data, pricer)
    except errors.ContractError as e:
        if want_error is None:
            raise AssertionError(f"{case.id}: unexpected {type(e).__name__} [{e.code}]: {e}") from e
        if type(e).__name__ != want_error["type"] or ("code" in want_error and e.code != want_error["code"]):
            raise AssertionError(f"{case.id}: got {type(e).__name__} [{e.code}], expected "
                                 f"{want_error['type']} [{want_error.get('code')}]") from e
        if not e.message or not e.message_en:
            raise AssertionError(f"{case.id}: error without a zh-CN and an English message") from e
        return
    if want_error is not None:
        raise AssertionError(f"{case.id}: expected {want_error['type']}, got a result: {got!r}")
    expect = data["expect"]
    if isinstance(got, PricedCart):
        diffs = _compare_priced(got, expect)
        # the invariants hold in every golden case too
        if sum(ln.amount_fen for ln in got.lines) + got.rounding_fen != got.total_fen:
            diffs.append("Σ line amounts + rounding ≠ total")
        if got.subtotal_fen - got.discount_fen - got.points_value_fen + got.rounding_fen != got.total_fen:
            diffs.append("subtotal − discount − points value + rounding ≠ total")
    elif isinstance(expect, dict) and isinstance(got, dict):
        diffs = [f"{k}: got {got.get(k)!r}, expected {v!r}" for k, v in expect.items() if got.get(k) != v]
    else:
        diffs = [] if _as_plain(got) == expect else [f"got {got!r}, expected {expect!r}"]
    if diffs:
        raise AssertionError(f"{case.id} ({data.get('story', '')}):\n  " + "\n  ".join(diffs))
