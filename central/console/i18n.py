"""The console's message catalogue: Chinese is the source language, English the translation.

Templates and console code write the Chinese text itself (`{{ _('商品') }}`, `t(locale, '已保存')`),
as gettext does with its source language, so a template reads as the page a Chinese user sees.
Each area module registers its English for the texts it uses (`register({...})`), next to its
routes; a test proves every text used in a template or in console code has its English and that
no Chinese appears in a template outside `_()`, so the English console is complete.

Why not gettext/babel files: the console is small, the translations sit beside the code that uses
them (a reviewer sees both at once), and nothing needs compiling on a fresh machine.
"""

from __future__ import annotations

from typing import Any, Literal

Locale = Literal["zh-CN", "en"]
LOCALES: tuple[Locale, ...] = ("zh-CN", "en")
DEFAULT_LOCALE: Locale = "zh-CN"

EN: dict[str, str] = {}
"""Chinese source text → English, merged from every area's `register` call."""
CONFLICTS: list[str] = []
"""Texts two areas translated differently (a test keeps this empty: give one a `|context`)."""


def register(entries: dict[str, str]) -> None:
    """Add an area's English; the same text registered twice must translate the same way."""
    for zh, en in entries.items():
        known = EN.get(zh)
        if known is not None and known != en:
            CONFLICTS.append(f"{zh!r}: {known!r} / {en!r}")
        EN[zh] = en


def parse_locale(value: str | None) -> Locale:
    """A stored or submitted locale, or the default when it is not one we have."""
    return "en" if value == "en" else DEFAULT_LOCALE


def t(locale: Locale, text: str, **params: Any) -> str:
    """`text` in `locale` (English falls back to the Chinese when missing), then `.format(**params)`.

    A text may carry a context after `|` when the same Chinese needs two English words (`客户|nav` is
    the navigation's "Customers", `客户` a column's "Customer"); the context is never shown."""
    out = EN.get(text, text) if locale == "en" else text
    out = out.split("|", 1)[0]
    return out.format(**params) if params else out


def pick(locale: Locale, zh: str, en: str | None) -> str:
    """One of a (zh, en) pair carried by a domain error or a stored bilingual message."""
    return (en or zh) if locale == "en" else zh


register({
    # shell: layout, navigation, sign-in, shared words
    "门店收银总部": "POS Head Office",
    "总部控制台": "Head-office console",
    "登录": "Sign in",
    "退出": "Sign out",
    "用户名": "Username",
    "密码": "Password",
    "请登录": "Please sign in",
    "登录已过期，请重新登录": "Your session has expired; please sign in again",
    "中文": "中文",
    "English": "English",
    "语言": "Language",
    "首页": "Home",
    "概览": "Dashboard",
    "商品与价格": "Catalog & prices",
    "促销|nav": "Promotions",
    "会员|nav": "Members",
    "客户|nav": "Customers",
    "销售|nav": "Sales",
    "库存|nav": "Stock",
    "终端|nav": "Terminals",
    "用户与门店": "Users & stores",
    "报表|nav": "Reports",
    "接口文档": "API docs",
    "全部门店": "All stores",
    "没有权限": "Not allowed",
    "找不到": "Not found",
    "出错了": "Something went wrong",
    "服务器内部错误，已记录。": "Internal error; it has been logged.",
    "返回首页": "Back to the start page",
    "请求无效": "Invalid request",
    "保存": "Save",
    "取消": "Cancel",
    "搜索": "Search",
    "筛选": "Filter",
    "清除": "Clear",
    "下一页": "Next page",
    "上一页": "Previous page",
    "第一页": "First page",
    "没有记录": "Nothing here",
    "导出 Excel": "Export to Excel",
    "操作": "Actions",
    "详情": "Details",
    "编辑": "Edit",
    "新建": "New",
    "启用": "Active",
    "停用": "Inactive",
    "是": "Yes",
    "否": "No",
    "全部": "All",
    "未知": "unknown",
    "已保存": "Saved",
    "修改记录": "Change history",
    "时间": "Time",
    "操作人": "By",
    "动作": "Action",
    "修改前": "Before",
    "修改后": "After",
    "原因": "Reason",
    "暂无修改记录": "No changes recorded yet",
    "表单有误，请检查标红的项目": "Please correct the fields marked in red",
    "你的角色不能查看此页面": "Your role may not open this page",
    "此记录属于其他门店": "This record belongs to another store",
    "请求已过期，请刷新页面后重试": "The form has expired; reload the page and try again",
    "角色": "Role",
    "门店": "Store",
    "每页": "Per page",
    "条": "rows",
    "排序": "Sort",
    "升序": "ascending",
    "降序": "descending",
    "你好，{name}": "Hello, {name}",
    "此控制台不依赖外网：所有脚本、图表和字体都由本服务器提供。":
        "This console needs no internet: every script, chart and font comes from this server.",
    "可以打开的页面": "Pages you may open",
    "系统管理员": "Administrator",
    "店长": "Store manager",
    "收银员": "Cashier",
    "业务员": "Sales rep",
    "仓管": "Warehouse keeper",
    "财务": "Finance",
})
