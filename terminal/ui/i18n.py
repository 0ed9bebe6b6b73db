"""UI strings in Simplified Chinese (first) and English, switchable while the app runs.

Plain Python (no Kivy) so it can be tested alone. Each key maps to (zh-CN, en); `tr()` looks up the
active language and formats `{name}` placeholders. Errors from the services carry their own
zh-CN `message` and English `message_en`; `error_text()` picks the right one.
"""

from __future__ import annotations

from typing import Any

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

MESSAGES: dict[str, tuple[str, str]] = {
    # app and status bar
    "app_title": ("收银台", "Cashier"),
    "online": ("在线", "Online"),
    "offline": ("离线", "Offline"),
    "pending_events": ("待上传 {n}", "{n} waiting"),
    "quarantined": ("异常 {n}", "{n} quarantined"),
    "sync_now": ("立即同步", "Sync now"),
    "syncing": ("同步中…", "Syncing…"),
    "sync_done": ("同步完成", "Sync finished"),
    "sync_failed": ("同步失败：{error}", "Sync failed: {error}"),
    "last_sync": ("上次同步 {when}", "Last sync {when}"),
    "never_synced": ("尚未同步", "Never synced"),
    "sync_status": ("同步状态", "Sync status"),
    "language": ("English", "中文"),
    "lock": ("锁屏", "Lock"),
    "sign_out": ("退出登录", "Sign out"),
    "cashier_label": ("收银员：{name}", "Cashier: {name}"),
    "not_signed_in": ("未登录", "Not signed in"),
    "terminal_label": ("终端 {terminal}", "Terminal {terminal}"),
    "quarantine_title": ("异常事件（需店长处理）", "Quarantined events (for the manager)"),
    "quarantine_empty": ("没有异常事件", "No quarantined events"),
    # common
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
    "close": ("关闭", "Close"),
    "back": ("返回", "Back"),
    "clear": ("清除", "Clear"),
    "delete": ("删除", "Delete"),
    "error": ("错误", "Error"),
    "confirm": ("确认", "Confirm"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "working": ("处理中…", "Working…"),
    "amount": ("金额", "Amount"),
    "unexpected_error": ("系统错误：{error}\n请告诉店长或技术支持；已完成的交易都已保存。",
                         "Unexpected error: {error}\nTell the manager or support; completed sales are saved."),
    "labelled": ("{label}：{value}", "{label}: {value}"),
    # sign-in / lock
    "sign_in_title": ("收银员登录", "Cashier sign-in"),
    "cashier_code": ("工号", "Cashier code"),
    "pin": ("密码", "PIN"),
    "sign_in": ("登录", "Sign in"),
    "locked_title": ("已锁屏", "Locked"),
    "locked_hint": ("{name}，请输入密码解锁", "{name}, enter your PIN to unlock"),
    "unlock": ("解锁", "Unlock"),
    "pin_unlocked": ("工号 {code} 已由店长解锁，请重新输入 PIN", "user {code} unlocked by a manager: enter the PIN again"),
    "switch_cashier": ("切换收银员", "Switch cashier"),
    "no_users_hint": ("本机还没有收银员数据，请先注册终端并同步。", "No cashiers on this terminal yet: enrol and sync first."),
    # manager approval
    "manager_title": ("需要店长授权", "Manager approval needed"),
    "manager_hint": ("{action}：请店长输入工号和密码", "{action}: manager, enter your code and PIN"),
    "manager_code": ("店长工号", "Manager code"),
    "approve": ("授权", "Approve"),
    # shift
    "shift_open_title": ("开班", "Open shift"),
    "opening_float": ("备用金（元）", "Opening float (yuan)"),
    "opening_float_short": ("备用金", "Opening float"),
    "open_shift": ("开始营业", "Open shift"),
    "shift_close_title": ("交班结账", "Close shift"),
    "denomination": ("面额", "Denomination"),
    "count": ("张/枚", "Count"),
    "count_of": ("{value} 的张/枚数", "How many of {value}"),
    "subtotal_col": ("小计", "Subtotal"),
    "counted_cash": ("实点现金", "Counted cash"),
    "expected_cash": ("应有现金", "Expected cash"),
    "difference": ("差额", "Difference"),
    "x_report": ("打印X报表", "Print X report"),
    "z_report": ("交班并打印Z报表", "Close & print Z report"),
    "shift_closed": ("已交班，Z报表已打印", "Shift closed, Z report printed"),
    "z_confirm": ("交班后本班不能再收银。\n实点现金 {counted}，应有 {expected}，差额 {difference}。确定交班？",
                  "No more sales in this shift after closing.\nCounted {counted}, expected {expected}, "
                  "difference {difference}. Close the shift?"),
    "z_confirm_uncounted": ("还没有清点钱箱：实点现金将记为 ¥0.00（应有 {expected}）。\n确定不清点就交班？",
                            "The drawer is not counted: ¥0.00 will be recorded (expected {expected}).\n"
                            "Close the shift without counting?"),
    "report_printed": ("报表已打印", "Report printed"),
    "sales_count": ("销售笔数", "Sales"),
    "returns_count": ("退货笔数", "Returns"),
    "shift_summary": ("班次汇总", "Shift summary"),
    # sale screen
    "scan_hint": ("扫码或输入条码/编码，回车添加", "Scan or type a barcode / SKU, then Enter"),
    "col_item": ("商品", "Item"),
    "col_qty": ("数量", "Qty"),
    "col_price": ("单价", "Price"),
    "col_amount": ("金额", "Amount"),
    "empty_cart": ("请扫描商品", "Scan an item to start"),
    "subtotal": ("商品合计", "Subtotal"),
    "discount": ("优惠", "Discount"),
    "rounding": ("抹零", "Rounding"),
    "total_due": ("应收", "Total"),
    "points_to_earn": ("本单可得积分", "Points to earn"),
    "items_count": ("共 {n} 件", "items: {n}"),
    "search": ("查找商品", "Find item"),
    "qty": ("改数量", "Quantity"),
    "price": ("改价", "Price"),
    "line_discount": ("单品优惠", "Line discount"),
    "order_discount": ("整单优惠", "Order discount"),
    "void_line": ("删除商品", "Void line"),
    "void_confirm": ("从本单删除这一行？\n{what}\n删除会记入审计日志和交班报表。",
                     "Remove this line from the sale?\n{what}\nVoids are logged and counted on the shift report."),
    "hold": ("挂单", "Hold"),
    "resume": ("取单", "Resume"),
    "cancel_sale": ("取消交易", "Cancel sale"),
    "cancel_sale_confirm": ("确定取消整笔交易吗？", "Cancel the whole sale?"),
    "pay": ("结账", "Pay"),
    "returns": ("退货", "Returns"),
    "reprint": ("重打小票", "Reprint"),
    "close_shift": ("交班", "Close shift"),
    "no_sale": ("开钱箱", "Open drawer"),
    "member": ("会员", "Member"),
    "no_member": ("非会员（点此查找）", "No member (tap to find)"),
    "select_line_first": ("请先选择一行商品", "Select a line first"),
    "enter_qty": ("输入数量", "Enter quantity"),
    "enter_weight_of": ("{name}（{price}/{unit}）：输入重量（千克）",
                        "{name} ({price}/{unit}): enter the weight (kg)"),
    "weighing": ("正在读取电子秤…", "Reading the scale…"),
    "enter_price": ("输入新单价（元）", "Enter new unit price (yuan)"),
    "enter_line_discount": ("输入本行优惠金额（元）", "Enter line discount (yuan)"),
    "enter_order_discount": ("输入整单优惠金额（元）", "Enter order discount (yuan)"),
    "held_title": ("挂起的交易", "Held sales"),
    "held_empty": ("没有挂起的交易", "No held sales"),
    "held_lines": ("{n} 行商品", "{n} lines"),
    "held_at": ("{time} 挂单", "Held {time}"),
    "held_count": ("挂单 {n}", "{n} held"),
    "price_changed_title": ("挂单后价格有变动，已按现价重算", "Prices changed since the sale was held: re-priced"),
    "price_changed_line": ("{name}：{old} → {new}", "{name}: {old} → {new}"),
    "price_changed_total": ("应收：{old} → {new}", "Total: {old} → {new}"),
    "held_at_close_title": ("还有 {n} 笔挂单未结", "{n} held sales not finished"),
    "held_at_close": ("以下挂单还没有结账：\n{rows}\n交班后它们仍留在本机，可由下一班取单。仍要交班吗？",
                      "These held sales are not paid yet:\n{rows}\nThey stay on this till for the next shift "
                      "to resume. Close the shift anyway?"),
    "held_more": ("……另有 {n} 笔", "… and {n} more"),
    "search_title": ("查找商品（名称 / 拼音首字母 / 编码）", "Find item (name / pinyin initials / SKU)"),
    "search_none": ("没有找到商品", "No matching items"),
    "promo": ("促销", "Promo"),
    "gift": ("赠品", "Gift"),
    "added": ("已添加 {name}", "Added {name}"),
    # member
    "member_title": ("会员", "Member"),
    "member_find_hint": ("会员卡号 / 手机号或尾号4位 / 扫会员码", "Card no. / phone or its last 4 digits / scan QR"),
    "find": ("查找", "Find"),
    "member_level": ("等级", "Level"),
    "member_points": ("积分", "Points"),
    "member_choice_title": ("手机尾号相同的会员：请选择", "Members whose phone ends with these digits: choose one"),
    "member_none": ("未找到会员", "No member found"),
    "attach": ("使用此会员", "Use this member"),
    "detach": ("移除会员", "Remove member"),
    "create_member": ("新建会员", "New member"),
    "member_name": ("姓名", "Name"),
    "member_phone": ("手机号", "Phone"),
    "member_card": ("卡号（留空自动生成）", "Card no. (blank: automatic)"),
    "member_created": ("会员已创建：{card}", "Member created: {card}"),
    "member_summary": ("{name}  {level}  积分 {points}", "{name}  {level}  {points} pts"),
    # payment
    "payment_title": ("收款", "Payment"),
    "paid": ("已付", "Paid"),
    "remaining": ("还需支付", "Remaining"),
    "change": ("找零", "Change"),
    "tendered": ("实收 {amount}", "given {amount}"),
    "tender_cash": ("现金", "Cash"),
    "tender_bank_card": ("银行卡", "Bank card"),
    "tender_wechat": ("微信", "WeChat Pay"),
    "tender_alipay": ("支付宝", "Alipay"),
    "tender_points": ("积分抵扣", "Points"),
    "tender_store_credit": ("储值", "Store credit"),
    "tender_credit": ("赊账", "On account"),
    "tender_voucher": ("代金券", "Voucher"),
    "tender_code": ("付款码", "Payment code"),
    "code_hint": ("扫顾客的微信/支付宝付款码", "Scan the customer's WeChat / Alipay payment code"),
    "voucher_hint": ("扫券码（代金券/优惠券/提货券）", "Scan the voucher or coupon code"),
    "stored_value_hint": ("金额留空 = 用余额付清", "Leave the amount blank to pay all it can"),
    "stored_value_balance": ("储值余额 {amount}", "Stored value {amount}"),
    "charging": ("正在收款，请稍候…", "Charging, please wait…"),
    "charging_progress": ("正在收款：{message}", "Charging: {message}"),
    "charged": ("付款码收款成功 {amount}", "Payment code charged {amount}"),
    "code_settled": ("已处理 {count} 笔未完成的付款码支付（未成交的已原路退回）",
                     "Settled {count} unfinished payment-code charges (money given back where no sale was made)"),
    "reference": ("交易参考号（可扫付款码）", "Reference (scan payment code)"),
    "add_payment": ("加入付款", "Add payment"),
    "exact": ("整额", "Exact"),
    "complete_sale": ("完成收款", "Complete"),
    "opening_float_hint": ("钱箱里的找零备用金，如 500", "change in the drawer, e.g. 500"),
    "count_first": ("请先清点钱箱", "count the drawer first"),
    "by_tender": ("本班收款（按支付方式）：", "Taken this shift, by tender:"),
    "payments_list": ("付款明细（点按一行可删除）", "Payments (tap one to remove it)"),
    "redeem_points": ("积分抵扣", "Redeem points"),
    "points_to_redeem": ("使用积分数", "Points to use"),
    "need_reference": ("请扫描或输入交易参考号", "Scan or type the payment reference"),
    # receipt
    "sale_done_title": ("交易完成", "Sale complete"),
    "receipt_no": ("小票号 {no}", "Receipt {no}"),
    "change_due": ("找零 {amount}", "Change {amount}"),
    "printed_ok": ("小票已打印", "Receipt printed"),
    "printing": ("正在打印小票…", "Printing the receipt…"),
    "return_printed": ("退货单已打印", "Return slip printed"),
    "print_failed": ("打印失败：{error}（交易已保存，可重打）", "Print failed: {error} (sale saved, reprint it)"),
    "drawer_opened": ("钱箱已打开", "Drawer opened"),
    "new_sale": ("下一单", "Next sale"),
    "reprint_title": ("重打小票", "Reprint receipt"),
    "reprint_hint": ("小票号（留空为上一张）", "Receipt number (blank: last one)"),
    "reprinted": ("已重打 {no}", "Reprinted {no}"),
    "others_shift_title": ("上一班还没有交班", "The last shift was not closed"),
    # (one sentence a line: Kivy breaks a long CJK run anywhere, even before "，")
    "others_shift_body": ("{cashier} {opened} 开的班次还没有交班。\n钱箱里的现金属于这个班次：请清点钱箱交班，"
                          "再开自己的班次。\n如要在这个班次里继续收银，须店长授权。",
                          "{cashier} opened this shift ({opened}) and did not close it. The cash in the drawer "
                          "belongs to it: count the drawer and close it, then open your own shift. To sell on "
                          "in it, a manager must approve."),
    "others_shift_close": ("清点交班", "Count and close"),
    "others_shift_continue": ("接班收银", "Sell on in it"),
    "unprinted_title": ("有未打印的小票", "Unprinted receipt"),
    "unprinted_hint": ("交易 {no} 已保存但小票未打印，是否重打？", "Sale {no} was saved but not printed. Reprint?"),
    # returns
    "returns_title": ("退货", "Returns"),
    "return_find_hint": ("扫描小票二维码或输入小票号", "Scan the receipt QR or type its number"),
    "original_sale": ("原单 {no}  {when}  {total}", "Sale {no}  {when}  {total}"),
    "sold_qty": ("已售", "Sold"),
    "returnable": ("可退", "Returnable"),
    "return_qty": ("退货数量", "Return qty"),
    "return_all": ("全退", "All"),
    "refund_total": ("退款合计", "Refund total"),
    "refund_preview": ("预计退款", "Refund preview"),
    "preview_none": ("选择商品和数量后显示退款金额", "Choose lines and quantities to see the refund"),
    "preview_points_back": ("扣回积分 {points}", "points taken back {points}"),
    "preview_points_returned": ("退回积分 {points}", "points given back {points}"),
    "lines_chosen": ("已选商品行", "Lines chosen"),
    "last_refund": ("本次退款", "Refunded"),
    "refund_to": ("退款方式", "Refund by"),
    "refund_original": ("原路退回", "Original tender"),
    "refund_cash": ("退现金", "Cash"),
    "do_refund": ("确认退款", "Refund"),
    "refund_done": ("退款完成 {no}，退款 {amount}", "Refund {no} done: {amount}"),
    "refund_back_to": ("{tender}原路退回 {amount}", "{amount} back to {tender}"),
    "refund_to_stored_value": ("退回会员储值 {amount}", "{amount} back to the member's stored value"),
    "refund_voucher_back": ("代金券部分 {amount} 不退现金（整单退货时券恢复可用）",
                            "Voucher part {amount}: no cash back (the voucher is usable again on a whole return)"),
    "refund_hand_cash": ("请从钱箱取 {amount} 现金交给顾客", "Hand the customer {amount} in cash from the drawer"),
    "nothing_to_return": ("请选择要退的商品", "Choose what to return"),
    "nothing_to_return_body": ("还没有选择要退的商品。\n请在左边的商品行输入退货数量（或点“全退”），核对退款金额后再点“确认退款”。",
                               "Nothing is chosen to return yet.\nType the quantity to return on a line at the "
                               "left (or tap \"All\"), check the refund, then tap \"Refund\"."),
    "refund_needs_sale": ("请先扫描小票二维码或输入小票号，找到原销售单。",
                          "First scan the receipt's QR code or type the receipt number to find the sale."),
    "return_reason": ("退货原因", "Reason"),
}


class _State:
    language = DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    """Switch the active language; unknown codes raise so a typo is not silently Chinese."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _State.language = language


def get_language() -> str:
    return _State.language


def tr(key: str, **params: Any) -> str:
    """The text for `key` in the active language, with `{name}` placeholders filled in."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[0] if _State.language == "zh_CN" else pair[1]
    return text.format(**params) if params else text


def error_text(exc: BaseException) -> str:
    """A cashier-readable message for an error: the service's own zh-CN/English text when it has one."""
    message = getattr(exc, "message", None)
    message_en = getattr(exc, "message_en", None)
    if _State.language == "en" and isinstance(message_en, str) and message_en:
        return message_en
    if isinstance(message, str) and message:
        return message
    text = str(exc)
    return text if text else type(exc).__name__


def _with_rep_messages() -> None:
    """The rep app's words (`terminal/ui/rep/messages.py`) live beside the cashier's in one table."""
    from terminal.ui.rep.messages import REP_MESSAGES

    clash = set(REP_MESSAGES) & set(MESSAGES)
    if clash:
        raise RuntimeError(f"rep messages redefine cashier messages: {sorted(clash)}")
    MESSAGES.update(REP_MESSAGES)


_with_rep_messages()
