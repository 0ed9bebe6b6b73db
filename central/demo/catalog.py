"""The demo catalogue, as plain data: real packaged goods, house goods, fresh produce by weight.

- 1,560 real China-prefix EAN-13 barcodes from Open Food Facts (`data/real-barcodes-cn.tsv`,
  ODbL, "Open Food Facts contributors"), named in Chinese and English by `naming.py` (the
  Chinese-named ones curated with their pack size and shelf price in `data/known-products.tsv`;
  those whose found name says too little carry one of the shop's own goods below);
- every name in both languages, word for word (`english.py`), and priced by pack size within its
  category's usual price per 100 g / 100 ml (`PER_100`);
- made-up daily goods (日化), drinks, dairy and frozen food with synthetic but valid EAN-13 codes
  in the 697000xxxxxxx range (flagged `real_barcode=False`), so the shop has what a Chinese
  convenience store sells beyond what the open data covers;
- fresh produce sold by weight, whose SKU is the 5-digit scale PLU printed in scale labels
  (2X PPPPP WWWWW C);
- box units (整箱) for drinks, dairy, noodles and snacks, each box with its own barcode.

Everything is deterministic (a seeded RNG), so two runs make the same shop.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from pypinyin import Style, lazy_pinyin

from central.demo.english import english
from central.demo.naming import CATEGORY_TREE, shelf_name
from sync.barcodes import is_valid_ean13, with_check_digit


@dataclass
class DemoUnit:
    code: str
    name: str
    factor: int
    price_fen: int
    barcodes: list[str] = field(default_factory=list)


@dataclass
class DemoProduct:
    sku: str
    name: str
    name_en: str | None
    category: str
    tax_rate_bp: int
    weighed: bool
    units: list[DemoUnit]
    cost_fen: int
    """Cost per base unit (for opening stock)."""
    shelf_life_days: int | None = None
    real_barcode: bool = False
    spec: str | None = None

    @property
    def pinyin(self) -> str:
        return initials(self.name)


def initials(name: str) -> str:
    """Pinyin initials of the Chinese characters of a name (可口可乐 330ml → kkkl)."""
    return "".join(ch for ch in "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore"))
                   if ch.isalpha()).lower()[:100]


def real_barcodes() -> list[tuple[str, str]]:
    """(barcode, name as found) rows of the bundled Open Food Facts extract; invalid codes skipped."""
    text = resources.files("central.demo").joinpath("data/real-barcodes-cn.tsv").read_text(encoding="utf-8")
    rows = []
    for raw in text.splitlines()[1:]:
        if not raw or raw.startswith("#") or raw.startswith("barcode\t"):
            continue
        code, _, name = raw.partition("\t")
        if is_valid_ean13(code):
            rows.append((code, name.strip()))
    return rows


# Typical shelf price ranges (fen) per sub-category, and its VAT rate.
PRICE_RANGE: dict[str, tuple[int, int]] = {
    "DRK": (200, 800), "ALC-BEER": (350, 1200), "ALC-BJ": (2800, 59800), "ALC-HJ": (1200, 6800),
    "SNK": (350, 2800), "GRN-RICE": (1990, 8990), "GRN-OIL": (1990, 12990), "GRN": (590, 2990),
    "INS-NDL": (350, 1890), "INS": (590, 2490), "SEA": (390, 2290), "BRW-TEA": (1990, 16800),
    "BRW": (1290, 6990), "DAI-MLK": (350, 6990), "DAI-PWD": (8990, 29800), "DRY": (990, 4990),
    "FRZ": (1290, 4590), "HOM": (590, 5990), "FRS-FRT": (590, 2990), "FRS-VEG": (190, 1290),
    "FRS-MEAT": (1990, 8990), "FRS-EGG": (890, 1590),
}
TAX_9 = ("GRN", "DAI-MLK", "FRS")
"""Staples, milk and fresh produce carry 9% VAT in China; most packaged goods 13%."""
SHELF_LIFE: dict[str, int] = {"DAI-MLK": 180, "FRZ": 365, "FRS-MEAT": 5, "FRS-EGG": 30, "DRK": 365}
BOXABLE = ("DRK", "ALC-BEER", "DAI-MLK", "INS-NDL", "SNK-BIS", "SNK-PUF", "GRN-OIL")

HOUSE_GOODS: dict[str, list[tuple[str, list[str]]]] = {
    # sub-category: [(noun, [specs])]
    "HOM-HAIR": [("去屑洗发水", ["200ml", "400ml", "750ml"]), ("柔顺洗发露", ["400ml", "750ml"]),
                 ("滋润护发素", ["200ml", "400ml"]), ("植物染发膏", ["黑色", "棕色"])],
    "HOM-ORAL": [("薄荷牙膏", ["90g", "120g", "180g"]), ("美白牙膏", ["120g", "180g"]), ("儿童牙膏", ["60g"]),
                 ("软毛牙刷", ["单支", "3支装"]), ("漱口水", ["250ml", "500ml"])],
    "HOM-LDRY": [("薰衣草洗衣液", ["1kg", "2kg", "3kg"]), ("浓缩洗衣粉", ["1.5kg", "3kg"]), ("洗衣皂", ["2块装", "4块装"]),
                 ("衣物柔顺剂", ["1L", "2L"]), ("衣物消毒液", ["1L"])],
    "HOM-PAPR": [("抽纸", ["3包装", "6包装", "10包装"]), ("卷纸", ["10卷", "12卷", "27卷"]), ("湿巾", ["10片", "80片"]),
                 ("手帕纸", ["10包装"]), ("厨房用纸", ["2卷"])],
    "HOM-BATH": [("沐浴露", ["400ml", "750ml", "1L"]), ("香皂", ["125g", "3块装"]), ("洗手液", ["300ml", "500ml"]),
                 ("洗面奶", ["100g", "150g"])],
    "HOM-KIT": [("柠檬洗洁精", ["500g", "1.1kg", "2kg"]), ("厨房油污净", ["500g"]), ("钢丝球", ["4个装"]),
                ("保鲜膜", ["30m", "60m"]), ("垃圾袋", ["中号", "大号"]), ("一次性筷子", ["50双"])],
}
EXTRA_PACKAGED: dict[str, list[tuple[str, list[str], list[str]]]] = {
    # sub-category: [(noun, [flavours], [specs])]
    "DRK-TEA": [("", ["冰红茶", "绿茶", "茉莉清茶", "乌龙茶", "大麦茶", "柠檬茶"], ["500ml", "1L", "1.5L"]),
                ("奶茶", ["原味", "香芋", "红豆", "麦香"], ["80g", "400ml"])],
    "DRK-WTR": [("饮用天然水", [""], ["380ml", "550ml", "1.5L", "4L"]), ("苏打水", ["原味", "柠檬味"], ["410ml"]),
                ("矿泉水", [""], ["350ml", "550ml", "1.5L", "5L"])],
    "DRK-SDA": [("汽水", ["可乐味", "柠檬味", "橙味", "白桃味"], ["330ml", "500ml", "1.25L", "2L"])],
    "DRK-JUC": [("", ["橙汁", "苹果汁", "葡萄汁", "芒果汁", "番石榴汁", "桃汁"], ["300ml", "450ml", "1L"])],
    "DRK-FUN": [("功能饮料", ["维生素", "牛磺酸", "电解质"], ["250ml", "500ml", "600ml"])],
    "DRK-PLT": [("", ["核桃乳", "椰汁", "杏仁露", "花生牛奶"], ["240ml", "1L"]), ("豆奶", ["原味", "低糖"], ["250ml", "1L"])],
    "ALC-BEER": [("啤酒", ["纯生", "清爽", "黑", "小麦", "原浆", "精酿"], ["330ml", "500ml", "600ml"])],
    "ALC-BJ": [("", ["浓香型白酒52度", "酱香型白酒53度", "清香型白酒42度", "二锅头56度"], ["100ml", "250ml", "500ml"])],
    "DAI-MLK": [("纯牛奶", ["全脂", "高钙", "低脂"], ["200ml", "250ml", "1L", "250ml×12"]),
                ("酸奶", ["原味", "草莓味", "黄桃味", "蓝莓味", "燕麦味"], ["100g×8", "200g", "1kg"]),
                ("乳酸菌饮品", ["原味"], ["100ml×5"]), ("奶酪棒", ["原味", "草莓味"], ["500g"])],
    "FRZ-DMP": [("速冻水饺", ["猪肉白菜", "韭菜鸡蛋", "三鲜", "玉米猪肉", "芹菜猪肉", "香菇鸡肉"], ["500g", "1kg"]),
                ("汤圆", ["黑芝麻", "花生", "红豆", "紫薯"], ["400g"]), ("馄饨", ["荠菜猪肉", "鲜肉"], ["300g"]),
                ("速冻包子", ["鲜肉", "豆沙", "香菇青菜", "梅干菜"], ["360g", "720g"]),
                ("手抓饼", ["原味", "葱香"], ["450g", "900g"]), ("春卷", ["三丝", "荠菜"], ["300g"]),
                ("烧麦", ["糯米", "鲜虾"], ["240g"])],
    "FRZ-SEA": [("冷冻虾仁", [""], ["250g", "500g"]), ("鱼丸", ["", "墨鱼"], ["250g"]), ("鱿鱼圈", [""], ["300g"]),
                ("带鱼段", [""], ["500g", "1kg"]), ("冻扇贝", [""], ["500g"])],
    "SNK-PUF": [("薯片", ["原味", "番茄味", "黄瓜味", "烧烤味", "麻辣味"], ["40g", "70g", "104g", "150g"]),
                ("虾条", ["原味", "香辣", "番茄味"], ["40g", "80g"]), ("锅巴", ["麻辣", "五香", "孜然"], ["100g", "200g"]),
                ("玉米片", ["芝士", "烧烤味"], ["60g", "150g"]), ("米饼", ["原味", "芝士"], ["100g", "400g"])],
    "SNK-BIS": [("苏打饼干", ["原味", "葱香"], ["100g", "400g"]), ("夹心饼干", ["巧克力", "草莓", "香草"], ["97g"]),
                ("蛋黄派", [""], ["6枚装"]), ("沙琪玛", ["鸡蛋", "黑糖"], ["470g"]),
                ("曲奇", ["黄油", "巧克力", "抹茶", "蔓越莓"], ["100g", "400g"]),
                ("威化饼干", ["香草", "巧克力", "柠檬味", "草莓"], ["150g", "400g"]),
                ("蛋卷", ["原味", "芝麻", "椰香"], ["200g", "400g"]), ("月饼", ["五仁", "豆沙", "莲蓉", "蛋黄"], ["100g", "400g"]),
                ("面包", ["全麦", "牛奶", "红豆", "肉松", "椰蓉"], ["200g", "400g"])],
    "SNK-NUT": [("", ["每日坚果", "混合坚果", "盐焗腰果", "碧根果", "开心果", "瓜子", "焦糖瓜子", "山核桃", "夏威夷果",
                      "巴旦木"], ["150g", "500g"])],
    "SNK-MEAT": [("", ["五香牛肉干", "麻辣牛肉干", "猪肉脯"], ["100g"]), ("鸭脖", ["麻辣", "甜辣"], ["150g", "300g"]),
                 ("鸡爪", ["泡椒", "柠檬味"], ["100g", "200g"]), ("卤蛋", ["五香"], ["30g×10"])],
    "INS-NDL": [("方便面", ["红烧牛肉", "老坛酸菜", "鲜虾鱼板", "香辣牛肉", "葱烧排骨"], ["袋装", "桶装", "五连包"]),
                ("", ["酸辣粉", "螺蛳粉"], ["130g", "280g"]), ("方便米线", ["番茄", "酸辣"], ["袋装", "桶装"])],
    "INS-HAM": [("火腿肠", ["玉米", "香辣", "鸡肉"], ["30g×10", "40g×10", "60g×8"])],
    "GRN-RICE": [("大米", ["东北", "五常稻花香", "泰国香"], ["1kg", "2.5kg", "5kg", "10kg"]), ("", ["糯米", "小米"], ["1kg"])],
    "GRN-OIL": [("食用油", ["花生", "菜籽", "大豆", "玉米", "橄榄"], ["900ml", "1.8L", "5L"])],
    "GRN-FLR": [("面粉", ["高筋", "中筋", "饺子粉"], ["1kg", "5kg"]), ("", ["玉米面", "红豆", "绿豆", "黑米"], ["500g", "1kg"])],
    "SEA-SPC": [("", ["鸡精", "味精", "十三香", "花椒粉", "加碘食盐", "胡椒粉", "五香粉", "孜然粉"], ["100g", "400g"])],
    "SEA-SUG": [("", ["白砂糖", "红糖", "单晶冰糖"], ["400g", "1kg"])],
    "BRW-MIX": [("", ["豆浆粉", "燕麦片", "黑芝麻糊", "藕粉", "蜂蜜柚子茶"], ["350g", "500g"])],
    "BRW-COF": [("速溶咖啡", ["原味", "特浓", "无蔗糖", "拿铁"], ["13g×15", "15g×30"])],
    "SNK-CDY": [("", ["水果硬糖", "奶糖", "薄荷糖", "棒棒糖", "水果软糖"], ["80g", "250g", "500g"]),
                ("口香糖", ["薄荷", "西瓜", "蓝莓"], ["13.5g", "56g"])],
    "SNK-CHO": [("巧克力", ["牛奶", "黑", "榛仁", "白"], ["43g", "80g", "252g"])],
    "SNK-JLY": [("果冻", ["什锦", "乳酸菌", "荔枝"], ["150g", "800g"]), ("布丁", ["鸡蛋", "芒果味", "巧克力"], ["100g×4"])],
    "SEA-SAU": [("", ["蚝油", "郫县豆瓣酱", "番茄酱", "芝麻酱", "黄豆酱", "甜面酱"], ["200g", "500g", "1kg"]),
                ("火锅底料", ["牛油", "番茄", "菌汤", "清汤"], ["150g", "400g"]), ("辣椒酱", ["香辣", "蒜蓉"], ["210g"])],
    "SEA-SOY": [("", ["生抽", "老抽", "蒸鱼豉油", "味极鲜酱油"], ["500ml", "1.28L", "1.9L"])],
    "SEA-VIN": [("", ["老陈醋", "香醋", "米醋", "白醋"], ["420ml", "800ml"])],
    "INS-CAN": [("", ["午餐肉罐头", "黄桃罐头", "八宝粥", "豆豉鲮鱼罐头", "糖水橘子罐头"], ["198g", "340g", "425g", "550g"])],
    "INS-PKL": [("榨菜", ["鲜脆", "低盐"], ["80g", "80g×10"]), ("腐乳", ["红", "白"], ["300g"]),
                ("泡菜", ["韩式", "四川"], ["400g"])],
    "ALC-HJ": [("", ["三年陈花雕酒", "五年陈花雕酒", "加饭酒"], ["500ml", "2.5L"])],
    "BRW-TEA": [("", ["铁观音", "西湖龙井", "普洱熟茶", "正山小种", "茉莉花茶"], ["100g", "250g"])],
    "DRY-MSH": [("", ["黑木耳", "干香菇", "茶树菇", "银耳", "竹荪", "猴头菇"], ["100g", "250g"])],
    "DRY-SEA": [("", ["紫菜", "干海带", "虾皮", "干贝", "鱿鱼干"], ["50g", "200g"])],
    "DRY-TOF": [("", ["腐竹", "豆皮", "素鸡", "油豆腐", "千张"], ["200g", "400g"])],
    "GRN-NDL": [("挂面", ["鸡蛋", "龙须", "荞麦", "宽"], ["500g", "1kg"]), ("龙口粉丝", [""], ["100g", "250g"]),
                ("米粉", ["江西", "桂林"], ["400g", "1kg"])],
    "SNK-DRY": [("", ["新疆红枣", "宁夏枸杞", "葡萄干", "芒果干", "山楂片", "话梅", "杏干", "蓝莓干", "黄桃干"],
                 ["100g", "250g", "500g"])],
}
FRESH_BY_WEIGHT: dict[str, list[str]] = {
    "FRS-FRT": ["红富士苹果", "香蕉", "砂糖橘", "雪花梨", "麒麟西瓜", "巨峰葡萄", "猕猴桃", "小台芒", "红心火龙果",
                "赣南脐橙", "金菠萝", "丹东草莓", "蜜桔", "水蜜桃", "哈密瓜"],
    "FRS-VEG": ["大白菜", "土豆", "西红柿", "黄瓜", "胡萝卜", "青椒", "洋葱", "长茄子", "生菜", "菠菜", "西芹",
                "西兰花", "大葱", "生姜", "大蒜", "冬瓜", "南瓜", "铁棍山药", "莲藕", "豆芽"],
    "FRS-MEAT": ["猪五花肉", "猪里脊", "猪肋排", "牛腩", "鸡胸肉", "鸡翅中", "琵琶腿"],
    "FRS-EGG": ["散装鲜鸡蛋", "土鸡蛋"],
}


PER_100: dict[str, tuple[int, int]] = {
    # shelf price in fen per 100 g or 100 ml, by (sub-)category: what a pack of a given size costs
    "DRK-WTR": (25, 60), "DRK-SDA": (60, 100), "DRK-TEA": (55, 90), "DRK-JUC": (80, 160), "DRK-FUN": (90, 160),
    "DRK-PLT": (80, 150), "DRK": (60, 150), "ALC-BEER": (80, 200), "ALC-BJ": (1000, 12000), "ALC-HJ": (200, 600),
    "SNK-CDY": (300, 900), "SNK-CHO": (800, 2000), "SNK-BIS": (250, 600), "SNK-PUF": (600, 1300),
    "SNK-NUT": (600, 1600), "SNK-MEAT": (1000, 2200), "SNK-DRY": (400, 1100), "SNK-JLY": (150, 350),
    "GRN-RICE": (50, 150), "GRN-OIL": (150, 400), "GRN-FLR": (40, 120), "GRN-NDL": (80, 200), "INS-NDL": (250, 500),
    "INS-CAN": (150, 400), "INS-PKL": (200, 500), "INS-HAM": (250, 500), "SEA-SOY": (80, 160), "SEA-VIN": (80, 200),
    "SEA-SAU": (200, 600), "SEA-SPC": (300, 1000), "SEA-SUG": (100, 250), "BRW-TEA": (2000, 10000),
    "BRW-COF": (1000, 3000), "BRW-MIX": (300, 800), "DAI-MLK": (120, 250), "DAI-PWD": (1500, 4000),
    "DRY": (500, 2000), "FRZ": (250, 600),
}
PER_100_OF: dict[str, tuple[int, int]] = {
    # goods much cheaper or dearer than the rest of their category
    "加碘食盐": (40, 80), "味精": (150, 300), "鸡精": (200, 400), "白砂糖": (80, 150), "红糖": (120, 250),
}
PACK_PRICES: dict[str, tuple[int, int]] = {
    # packs sold by count, not size
    "袋装": (250, 350), "桶装": (450, 650), "五连包": (1200, 1600),
}
_PACK = re.compile(r"^(\d+(?:\.\d+)?)(ml|L|g|kg)(?:×(\d+))?$")


def pack_amount(spec: str | None) -> float | None:
    """Grams or millilitres in a pack ("500ml" 500, "1.5L" 1500, "30g×10" 300), None for counts."""
    found = _PACK.match((spec or "").strip())
    if found is None:
        return None
    value = float(found.group(1)) * (1000 if found.group(2) in ("L", "kg") else 1)
    return value * int(found.group(3) or 1)


def _shelf(fen: int, rng: random.Random) -> int:
    """A believable shelf price near `fen`: ¥0.10 steps under ¥2, else ending .00/.50/.80/.90 (¥3.50, ¥12.90)."""
    if fen < 200:
        return max(100, fen - fen % 10)
    return fen - fen % 100 + rng.choice([0, 50, 80, 90, 90, 50])


def _price(rng: random.Random, category: str, spec: str | None = None, name: str = "") -> int:
    """The shelf price of a pack: by its size where the spec gives one (a 550 ml milk is ¥6–14, not ¥56),
    by the kind of pack (a cup of instant noodles), else within the category's usual range."""
    if spec in PACK_PRICES:
        return _shelf(rng.randint(*PACK_PRICES[spec]), rng)
    amount = pack_amount(spec)
    band = next((v for k, v in PER_100_OF.items() if k in name), None) or next(
        (PER_100[k] for k in (category, category.split("-")[0]) if k in PER_100), None)
    if amount is not None and band is not None:
        return _shelf(max(100, round(rng.randint(*band) * amount / 100)), rng)
    lo, hi = next(PRICE_RANGE[k] for k in (category, category.split("-")[0]) if k in PRICE_RANGE)
    return _shelf(rng.randint(lo, hi), rng)


def _tax(category: str) -> int:
    return 900 if category.startswith(TAX_9) else 1300


def _shelf_life(category: str) -> int | None:
    return next((days for k, days in SHELF_LIFE.items() if category.startswith(k)), None)


class _Codes:
    """Synthetic EAN-13 codes (697000 + serial + check digit) that avoid the real ones."""

    def __init__(self, taken: set[str]) -> None:
        self.taken, self.serial = taken, 0

    def next(self) -> str:
        while True:
            self.serial += 1
            code = with_check_digit(f"697000{self.serial:06d}")
            if code not in self.taken:
                self.taken.add(code)
                return code


def build_catalog(min_products: int = 2000, seed: int = 2026) -> list[DemoProduct]:
    """Every product of the demo shop, deterministic for a seed."""
    rng = random.Random(seed)
    real = real_barcodes()
    codes = _Codes({code for code, _ in real})
    products: list[DemoProduct] = []
    sku = iter(range(200001, 999999))

    def add(name: str, name_en: str | None, category: str, barcode: str, *, real_code: bool,
            spec: str | None = None, price: int | None = None) -> None:
        price = price or _price(rng, category, spec, name)
        units = [DemoUnit("pc", "个", 1, price, [barcode])]
        if category.startswith(BOXABLE) and rng.random() < 0.4:
            factor = rng.choice([6, 12, 24]) if price < 1500 else rng.choice([4, 6])
            box_price = (price * factor * rng.choice([92, 94, 95])) // 100 // 10 * 10
            units.append(DemoUnit("box", "箱", factor, box_price, [codes.next()]))
        products.append(DemoProduct(
            sku=str(next(sku)), name=name, name_en=name_en, category=category, tax_rate_bp=_tax(category),
            weighed=False, units=units, cost_fen=price * rng.randint(62, 82) // 100,
            shelf_life_days=_shelf_life(category), real_barcode=real_code, spec=spec))

    own = _own_goods()
    for code, original in real:
        named = shelf_name(original, code)
        if named is not None:
            add(named.name, named.name_en, named.category, code, real_code=True, price=named.price_fen,
                spec=named.name.rsplit(" ", 1)[-1])
        else:  # the open data's name says too little: sell one of our own goods under this real barcode
            name, name_en, category, spec = next(own)
            add(name, name_en, category, code, real_code=True, spec=spec)
    for category, items in HOUSE_GOODS.items():
        for noun, specs in items:
            for spec in specs:
                add(f"{noun} {spec}", english(noun, spec), category, codes.next(), real_code=False, spec=spec)
    plu = iter(range(10001, 10999))
    for category, names in FRESH_BY_WEIGHT.items():
        for name in names:
            price = _price(rng, category)
            products.append(DemoProduct(
                sku=f"{next(plu):05d}", name=name, name_en=english(name), category=category,
                tax_rate_bp=_tax(category), weighed=True, units=[DemoUnit("kg", "千克", 1, price, [])],
                cost_fen=price * 7 // 10, shelf_life_days=_shelf_life(category), spec="散装称重"))
    for name, name_en, category, spec in own:
        if len(products) >= min_products:
            break
        add(name, name_en, category, codes.next(), real_code=False, spec=spec)
    return products


def _own_goods() -> Iterator[tuple[str, str, str, str]]:
    """(name, English name, category, spec) of the shop's own packaged goods, round-robin over the
    categories so any cut-off keeps a spread of them."""
    pools = [[(f"{flavour}{noun} {spec}", english(flavour, noun, spec), category, spec)
              for noun, flavours, specs in items for flavour in flavours for spec in specs]
             for category, items in EXTRA_PACKAGED.items()]
    i = 0
    while any(pools):
        pool = pools[i % len(pools)]
        if pool:
            yield pool.pop(0)
        i += 1


def category_rows() -> list[tuple[str, str, str, str | None]]:
    """(code, name, name_en, parent code) of the whole tree, parents first."""
    rows: list[tuple[str, str, str, str | None]] = []
    for (code, name, name_en), children in CATEGORY_TREE.items():
        rows.append((code, name, name_en, None))
        rows.extend((c, n, e, code) for c, n, e in children)
    return rows
