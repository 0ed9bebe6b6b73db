"""Demo people and businesses: Chinese names, phone numbers, B2B customers of a wholesaler.

Plain data from a seeded RNG (no database here), so the seed is deterministic and fast.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 丹 萍 鑫 鹏 华 红 玉兰 飞 "
         "斌 宇 浩 凯 秀珍 健 俊 帆 雪 帅 慧 旭 宁 婷 玲 晨 欣 悦 博 瑶 子涵 梓轩 一诺 浩然 思远 雨桐 佳怡 "
         "嘉豪 晓东 春梅 海燕 志强 建国 建华 国庆 文静 丽娟 晓明 俊杰").split()
MOBILE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "182", "183", "187",
                   "188", "130", "131", "132", "155", "156", "186", "133", "153", "177", "180", "181", "189", "199")


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in used:
            used.add(number)
            return number


@dataclass
class DemoMember:
    card_no: str
    phone: str
    name: str
    birthday: date | None
    level: str
    home_store: str
    points: int
    joined_days_ago: int


def members(count: int, stores: list[str], seed: int = 7) -> list[DemoMember]:
    rng = random.Random(seed)
    used: set[str] = set()
    out = []
    for i in range(1, count + 1):
        level = rng.choices(["normal", "silver", "gold"], weights=[70, 22, 8])[0]
        points = {"normal": rng.randint(0, 800), "silver": rng.randint(500, 3000), "gold": rng.randint(2000, 12000)}
        birthday = date(rng.randint(1955, 2005), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.8 else None
        out.append(DemoMember(
            card_no=f"8600{i:08d}", phone=mobile(rng, used), name=person_name(rng), birthday=birthday,
            level=level, home_store=rng.choice(stores), points=points[level], joined_days_ago=rng.randint(1, 900)))
    return out


REGIONS = ["浦东新区", "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区",
           "嘉定区", "松江区"]
ROADS = ["张杨路", "世纪大道", "南京东路", "淮海中路", "漕溪北路", "天山路", "江宁路", "曹杨路", "四平路",
         "莘庄路", "共和新路", "沪太路", "博乐路", "人民北路", "营口路", "长寿路"]
INDUSTRIES: dict[str, list[str]] = {
    # industry: shop name patterns
    "便利店": ["{}好邻居便利店", "{}快客便利", "{}24小时便利店", "{}邻里超市"],
    "餐饮": ["{}家常菜馆", "{}兰州拉面", "{}沙县小吃", "{}火锅店", "{}烧烤大排档", "{}面馆"],
    "烟酒店": ["{}名烟名酒", "{}烟酒商行"],
    "食堂": ["{}职工食堂", "{}学校食堂"],
    "超市": ["{}生活超市", "{}平价超市", "{}联华加盟店"],
    "办公": ["{}科技有限公司", "{}物业管理处"],
}
SOURCES = ["地推", "转介绍", "电话开发", "展会", "老客户", "网络咨询"]
TAGS = ["月结", "大客户", "重点跟进", "价格敏感", "准时付款", "需开票", "夜间送货", "新客户"]


@dataclass
class DemoCustomer:
    code: str
    name: str
    contact_name: str
    contact_phone: str
    address: str
    region: str
    industry: str
    source: str
    tags: list[str]
    rep_index: int
    group: str
    credit_limit_fen: int
    credit_days: int
    history: list[tuple[int, int, str]] = field(default_factory=list)
    """Receivable history: (days ago, signed amount fen, kind) — charges and payments."""


def customers(count: int, reps: int, seed: int = 11) -> list[DemoCustomer]:
    rng = random.Random(seed)
    used: set[str] = set()
    names: set[str] = set()
    out = []
    for i in range(1, count + 1):
        industry = rng.choice(list(INDUSTRIES))
        region = rng.choice(REGIONS)
        while True:
            name = rng.choice(INDUSTRIES[industry]).format(rng.choice(ROADS).removesuffix("路")
                                                           + rng.choice(["", "店", "一店", "二店", "总店"]))
            if name not in names:
                names.add(name)
                break
        on_credit = industry in ("餐饮", "食堂", "超市", "便利店", "办公") and rng.random() < 0.7
        limit = rng.choice([5_000_00, 10_000_00, 20_000_00, 50_000_00]) if on_credit else 0
        days = rng.choice([15, 30, 45, 60]) if on_credit else 0
        customer = DemoCustomer(
            code=f"C{i:04d}", name=name, contact_name=person_name(rng), contact_phone=mobile(rng, used),
            address=f"上海市{region}{rng.choice(ROADS)}{rng.randint(1, 2000)}号", region=region,
            industry=industry, source=rng.choice(SOURCES), tags=sorted(rng.sample(TAGS, rng.randint(0, 3))),
            rep_index=(i - 1) % reps, group="RESTAURANT" if industry in ("餐饮", "食堂") else "WHOLESALE",
            credit_limit_fen=limit, credit_days=days)
        if on_credit:
            # a few deliveries on account over the last four months, and payments against them
            for _ in range(rng.randint(2, 8)):
                customer.history.append((rng.randint(1, 130), rng.randint(300_00, limit // 3), "charge"))
            charged = sum(a for _, a, _ in customer.history)
            paid = charged * rng.choice([0, 30, 50, 70, 90, 100]) // 100 // 100 * 100
            if paid:
                customer.history.append((rng.randint(0, 20), -paid, "payment"))
        out.append(customer)
    return out


def days_ago(today: date, n: int) -> date:
    return today - timedelta(days=n)
