"""Names people read for the codes the domains store (tenders, movement kinds, promotion kinds ...).

Chinese first; the English is registered with the catalogue like every other console text.
"""

from __future__ import annotations

from central.console.i18n import Locale, register, t

TENDERS: dict[str, str] = {
    "cash": "现金", "bank_card": "银行卡", "wechat": "微信支付", "alipay": "支付宝", "points": "积分抵扣",
    "store_credit": "储值卡", "credit": "赊账", "voucher": "代金券|tender",
}
MOVEMENT_KINDS: dict[str, str] = {
    "sale": "销售出库", "return": "退货入库", "purchase_receipt": "采购入库", "transfer_out": "调拨出库",
    "transfer_in": "调拨入库", "adjustment": "库存调整", "count_difference": "盘点差异", "loss": "报损",
}
TERMINAL_KINDS: dict[str, str] = {"pos": "收银机", "rep": "业务员平板"}
POINT_KINDS: dict[str, str] = {"earn": "消费积分", "redeem": "积分抵扣", "reverse": "退货扣回", "refund": "退回抵扣",
                               "adjust": "人工调整"}
RECEIVABLE_KINDS: dict[str, str] = {"charge": "赊销", "payment": "回款", "credit_note": "红冲", "adjustment": "调整"}

register({
    "现金": "Cash", "银行卡": "Bank card", "微信支付": "WeChat Pay", "支付宝": "Alipay", "积分抵扣": "Points",
    "储值卡": "Stored value", "赊账": "On account", "代金券|tender": "Voucher",
    "销售出库": "Sale", "退货入库": "Return", "采购入库": "Purchase receipt", "调拨出库": "Transfer out",
    "调拨入库": "Transfer in", "库存调整": "Adjustment", "盘点差异": "Count difference", "报损": "Write-off",
    "收银机": "POS till", "业务员平板": "Rep tablet",
    "消费积分": "Earned", "退货扣回": "Taken back (return)", "退回抵扣": "Given back (return)", "人工调整": "Adjustment",
    "赊销": "Credit sale", "回款": "Payment", "红冲": "Credit note", "调整": "Adjustment",
})


def label(locale: Locale, names: dict[str, str], code: str | None) -> str:
    """The display name of `code` in `names` (its code when it has none)."""
    if code is None:
        return "—"
    name = names.get(code)
    return t(locale, name) if name else code
