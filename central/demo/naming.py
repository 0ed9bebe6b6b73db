"""Shelf names (Chinese and English) and categories for the real barcodes of the demo catalog.

The Open Food Facts names are mostly English or French ("Nouilles instantanées saveur poulet");
a Chinese shop labels the same packet "鸡肉味方便面 150g" and its English mode "Chicken Instant
Noodles 150g". These ordered keyword rules make both from the same noun, flavour and pack size,
so the two names always say the same thing. Rows whose found name is Chinese get the demo's own
curated names and prices (`data/known-products.tsv`); rows no rule understands ("Happy Nero",
"Cottage Cheese") get no name here, and the catalog puts one of its own Chinese goods on that
real barcode instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Category tree: top level → sub categories (code, Chinese name, English name).
CATEGORY_TREE: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {
    ("DRK", "饮料", "Beverages"): [
        ("DRK-WTR", "饮用水", "Water"), ("DRK-TEA", "茶饮料", "Tea drinks"),
        ("DRK-JUC", "果汁饮料", "Juice"), ("DRK-SDA", "碳酸饮料", "Soft drinks"),
        ("DRK-FUN", "功能饮料", "Energy drinks"), ("DRK-PLT", "植物蛋白饮料", "Plant protein drinks"),
    ],
    ("ALC", "酒水", "Alcohol"): [
        ("ALC-BJ", "白酒", "Baijiu"), ("ALC-BEER", "啤酒", "Beer"), ("ALC-HJ", "黄酒", "Rice wine"),
    ],
    ("SNK", "零食", "Snacks"): [
        ("SNK-CDY", "糖果", "Candy"), ("SNK-CHO", "巧克力", "Chocolate"),
        ("SNK-BIS", "饼干糕点", "Biscuits & cakes"), ("SNK-PUF", "膨化食品", "Chips"),
        ("SNK-NUT", "坚果炒货", "Nuts & seeds"), ("SNK-MEAT", "肉干肉脯", "Jerky"),
        ("SNK-DRY", "蜜饯果干", "Dried fruit"), ("SNK-JLY", "果冻布丁", "Jelly"),
    ],
    ("GRN", "粮油", "Grain & oil"): [
        ("GRN-RICE", "大米", "Rice"), ("GRN-OIL", "食用油", "Cooking oil"),
        ("GRN-FLR", "面粉杂粮", "Flour & grains"), ("GRN-NDL", "挂面粉丝", "Noodles & vermicelli"),
    ],
    ("INS", "方便速食", "Instant food"): [
        ("INS-NDL", "方便面", "Instant noodles"), ("INS-CAN", "罐头", "Canned food"),
        ("INS-PKL", "酱菜腌制品", "Pickles"), ("INS-HAM", "火腿肠", "Sausages"),
    ],
    ("SEA", "调味品", "Condiments"): [
        ("SEA-SOY", "酱油", "Soy sauce"), ("SEA-VIN", "醋", "Vinegar"),
        ("SEA-SAU", "调味酱", "Sauces"), ("SEA-SPC", "调料", "Spices & seasoning"),
        ("SEA-SUG", "糖", "Sugar"),
    ],
    ("BRW", "冲调茶饮", "Tea & coffee"): [
        ("BRW-TEA", "茶叶", "Tea leaves"), ("BRW-COF", "咖啡", "Coffee"), ("BRW-MIX", "冲饮", "Instant drinks"),
    ],
    ("DAI", "乳品", "Dairy"): [
        ("DAI-MLK", "牛奶", "Milk"), ("DAI-PWD", "奶粉", "Milk powder"),
    ],
    ("DRY", "南北干货", "Dried goods"): [
        ("DRY-MSH", "干菌菇", "Dried mushrooms"), ("DRY-SEA", "海产干货", "Dried seafood"),
        ("DRY-TOF", "豆制品", "Soy products"),
    ],
    ("FRZ", "冷冻食品", "Frozen food"): [
        ("FRZ-DMP", "速冻面点", "Frozen dumplings"), ("FRZ-SEA", "冷冻水产", "Frozen seafood"),
    ],
    ("HOM", "日化", "Household & personal care"): [
        ("HOM-HAIR", "洗发护发", "Hair care"), ("HOM-ORAL", "口腔护理", "Oral care"),
        ("HOM-LDRY", "衣物清洁", "Laundry"), ("HOM-PAPR", "纸品", "Paper"),
        ("HOM-BATH", "沐浴清洁", "Bath"), ("HOM-KIT", "厨房清洁", "Kitchen cleaning"),
    ],
    ("FRS", "生鲜", "Fresh"): [
        ("FRS-FRT", "水果", "Fruit"), ("FRS-VEG", "蔬菜", "Vegetables"),
        ("FRS-MEAT", "鲜肉", "Meat"), ("FRS-EGG", "禽蛋", "Eggs"),
    ],
}


@dataclass(frozen=True)
class NameRule:
    pattern: re.Pattern[str]
    category: str
    noun: str
    noun_en: str


def _r(words: str, category: str, noun: str, noun_en: str) -> NameRule:
    return NameRule(re.compile(words, re.IGNORECASE), category, noun, noun_en)


# Order matters: the first rule that matches wins (specific before generic).
RULES: list[NameRule] = [
    _r(r"soy ?sauce|sauce (de )?soja|sauce soja|soja sauce|sojasauce|light soy|dark soy|superior (light|dark)", "SEA-SOY", "酱油", "Soy Sauce"),
    _r(r"oyster|huitre|huître", "SEA-SAU", "蚝油", "Oyster Sauce"),
    _r(r"vinegar|vinaigre|essig", "SEA-VIN", "香醋", "Vinegar"),
    _r(r"sesame oil|huile de s[ée]same", "GRN-OIL", "芝麻香油", "Sesame Oil"),
    _r(r"peanut oil|huile|\boil\b|öl", "GRN-OIL", "食用油", "Cooking Oil"),
    _r(r"hot ?pot|fondue|maocai", "SEA-SAU", "火锅底料", "Hot Pot Base"),
    _r(r"chil+i|piment|pimenté|spicy bean|doubanjiang|sambal", "SEA-SAU", "辣椒酱", "Chili Sauce"),
    _r(r"confiture|\bjam\b|marmalade", "SEA-SAU", "果酱", "Jam"),
    _r(r"mirin", "SEA-SAU", "味淋", "Mirin"),
    _r(r"hoisin|teriyaki|bbq|barbecue|black bean sauce|sauce|paste|pâte|tartin", "SEA-SAU", "调味酱", "Sauce"),
    _r(r"wasabi|seasoning|assaisonnement|five spice|cinq épices|pepper|poivre|prickl|curry|msg|glutamate|bouillon|flavour cubes|salt\b|\bsel\b", "SEA-SPC", "调味料", "Seasoning"),
    _r(r"in syrup|au sirop|in light syrup", "INS-CAN", "水果罐头", "Canned Fruit"),
    _r(r"honey|miel", "SEA-SUG", "蜂蜜", "Honey"),
    _r(r"rock sugar|sucre|sugar\b|sirop|syrup", "SEA-SUG", "冰糖", "Rock Sugar"),
    _r(r"instant|ramen|cup noodle|nouilles instantan|quick cooking", "INS-NDL", "方便面", "Instant Noodles"),
    _r(r"vermicel|vemicel|glass noodle|glasnudel|rice stick|bean thread|fen si|konjac|shirataki|konnyaku", "GRN-NDL", "粉丝", "Vermicelli"),
    _r(r"noodle|nouille|nudel|spaghetti|udon|soba", "GRN-NDL", "挂面", "Noodles"),
    _r(r"tapioca", "GRN-FLR", "西米", "Tapioca Pearls"),
    _r(r"glutinous|sushi|jasmin rice|\briz\b|\brice\b|reis", "GRN-RICE", "大米", "Rice"),
    _r(r"flour|farine|millet|sorgho|grain|buckwheat|sarrasin|oat|avoine|corn\b|maïs|yam|orge|barley", "GRN-FLR", "杂粮", "Grains"),
    _r(r"beer|bière|bier|tsingtao|lager", "ALC-BEER", "啤酒", "Beer"),
    _r(r"baijiu|liquor|moutai|kweichow|branntwein|erguotou|fenjiu", "ALC-BJ", "白酒", "Baijiu"),
    _r(r"wine|vin\b|shaoxing|sake|alcool", "ALC-HJ", "黄酒", "Rice Wine"),
    _r(r"jasmin|green tea|thé vert|the vert|oolong|pu.?erh|gunpowder|black tea|thé noir|the noir|white tea|thé blanc|matcha|teatox|\bthé\b|\btea\b|\btee\b", "BRW-TEA", "茶叶", "Tea"),
    _r(r"coffee|café|cafe\b|kaffee", "BRW-COF", "咖啡", "Coffee"),
    _r(r"nongfu|water|eau\b|wasser", "DRK-WTR", "饮用水", "Drinking Water"),
    _r(r"cola|soda|sprite|lemonade|limonade", "DRK-SDA", "汽水", "Soda"),
    _r(r"energy|red bull|vitamin", "DRK-FUN", "功能饮料", "Energy Drink"),
    _r(r"soy ?milk|lait de soja|soy drink", "DRK-PLT", "豆奶", "Soy Milk"),
    _r(r"almond drink|almond milk", "DRK-PLT", "杏仁露", "Almond Drink"),
    _r(r"walnut", "DRK-PLT", "核桃乳", "Walnut Milk"),
    _r(r"coconut milk|lait de coco|coconut juice|coco", "DRK-PLT", "椰汁", "Coconut Milk"),
    _r(r"juice|jus\b|nectar|boisson|drink|saft|beverage", "DRK-JUC", "果汁饮料", "Juice Drink"),
    _r(r"milk powder|lait en poudre|formula", "DAI-PWD", "奶粉", "Milk Powder"),
    _r(r"yogh?urt|yaourt", "DAI-MLK", "酸奶", "Yogurt"),
    _r(r"pocky|biscuit|cookie|cracker|wafer|gaufrette", "SNK-BIS", "饼干", "Biscuits"),
    _r(r"\bmilk\b|\blait\b", "DAI-MLK", "牛奶", "Milk"),
    _r(r"chocolat|cacao|cocoa|m&m|malteser|hershey", "SNK-CHO", "巧克力", "Chocolate"),
    _r(r"candy|bonbon|confiserie|sweets|lollipop|sucker|mint|gum|toffee|caramel|gummy|trolli", "SNK-CDY", "糖果", "Candy"),
    _r(r"pudding", "SNK-JLY", "布丁", "Pudding"),
    _r(r"jelly|gelée", "SNK-JLY", "果冻", "Jelly"),
    _r(r"cake|gâteau|gateau|pain|bread|pastry|mooncake|roll|madeleine|macaron|chouquette|man tou|fried sticks", "SNK-BIS", "糕点", "Pastries"),
    _r(r"chips|crisps|puff|soufflé|popcorn|rice cracker|snack", "SNK-PUF", "膨化食品", "Puffed Snacks"),
    _r(r"sunflower|tournesol|seeds|graines|peanut|arachide|cacahu|almond|pistach|cashew|nut|noix|melon seed|pumpkin", "SNK-NUT", "瓜子坚果", "Nuts & Seeds"),
    _r(r"jerky|beef|bœuf|boeuf|pork|porc|viande|dried meat|bacon|gésier|gesier|duck", "SNK-MEAT", "肉干", "Jerky"),
    _r(r"sausage|saucisse|ham\b|jambon", "INS-HAM", "火腿肠", "Ham Sausages"),
    _r(r"dried (fruit|mango|plum)|prune|preserved fruit|raisin|date|jujube|hawthorn|haw|plum|arbouse", "SNK-DRY", "果干", "Dried Fruit"),
    _r(r"pickle|pickled|préparé|preserved (vegetable|cabbage)|kimchi|zha ?cai|moutarde|mustard|légumes|vegetable|asparagus|salade", "INS-PKL", "榨菜", "Pickled Vegetables"),
    _r(r"fish|poisson|dace|sardine|tuna|saumon|salmon|tilapia", "INS-CAN", "鱼罐头", "Canned Fish"),
    _r(r"canned|conserve|litchi|lychee|mandarin|peach|pêche|pineapple|ananas", "INS-CAN", "罐头", "Canned Food"),
    _r(r"mushroom|champignon|shiitake|fungus|wood ear|pilz", "DRY-MSH", "干香菇", "Dried Mushrooms"),
    _r(r"seaweed|nori|kombu|algue|alga|kelp|purpurtang|shrimp|crevette|squid|jellyfish|méduse|meduse", "DRY-SEA", "海带紫菜", "Dried Seaweed"),
    _r(r"tofu|bean curd|soja|soy|haricot|bean", "DRY-TOF", "豆制品", "Soy Products"),
    _r(r"egg|œuf|oeuf", "FRS-EGG", "咸鸭蛋", "Salted Duck Eggs"),
    _r(r"dumpling|ravioli|bao|gyoza|wonton", "FRZ-DMP", "速冻水饺", "Frozen Dumplings"),
    _r(r"ginger|gingembre|garlic|ail\b|bamboo|bambou|pousses", "INS-PKL", "腌制菜", "Pickles"),
    _r(r"pomelo|orange|apple|pomme|fruit|berry|strawberry|fraise", "SNK-DRY", "果干", "Dried Fruit"),
]

# Flavour words become a prefix in both languages ("鸡肉味方便面" / "Chicken Instant Noodles").
FLAVOURS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p, re.IGNORECASE), zh, en)
    for p, zh, en in [
        (r"beef|bœuf|boeuf", "牛肉味", "Beef"), (r"chicken|poulet|huhn", "鸡肉味", "Chicken"),
        (r"pork|porc", "猪肉味", "Pork"), (r"shrimp|crevette|seafood|fruits de mer", "海鲜味", "Seafood"),
        (r"spicy|hot\b|pimenté|épicé|scharf|chil+i", "香辣", "Spicy"), (r"mushroom|champignon", "香菇", "Mushroom"),
        (r"black sesam", "黑芝麻", "Black Sesame"), (r"sesame|sésame", "芝麻", "Sesame"),
        (r"ginger|gingembre", "生姜", "Ginger"), (r"strawberry|fraise", "草莓味", "Strawberry"),
        (r"mango|mangue", "芒果味", "Mango"), (r"lemon|citron|lime", "柠檬味", "Lemon"),
        (r"peach|pêche", "蜜桃味", "Peach"), (r"lychee|litchi", "荔枝", "Lychee"), (r"coconut|coco", "椰香", "Coconut"),
        (r"green tea|thé vert|the vert|matcha", "绿茶", "Green Tea"), (r"jasmin", "茉莉花", "Jasmine"),
        (r"dark|black|noir", "老抽", "Dark"), (r"light|clair", "生抽", "Light"), (r"sweet|doux|douce|sucr", "甜味", "Sweet"),
        (r"sour|aigre", "酸辣", "Hot & Sour"), (r"original|classic|nature", "原味", "Original"),
        (r"organic|bio\b", "有机", "Organic"), (r"sichuan|szechuan", "四川", "Sichuan"),
        (r"red bean|haricot rouge|azuki", "红豆", "Red Bean"), (r"honey|miel", "蜂蜜", "Honey"),
    ]
]
SOY_FLAVOURS = ("老抽", "生抽")
"""Dark and light are kinds of soy sauce only; for any other noun they are not flavours."""

_CJK = re.compile(r"[\u3400-\u9fff]")
_SIZE_IN_NAME = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|ml|cl|l)\b", re.IGNORECASE)
_SOLID_SIZES = ["100g", "120g", "150g", "200g", "250g", "300g", "400g", "454g", "500g", "1kg"]
_PACK_SIZES: dict[str, list[str]] = {
    # the sizes these goods are sold in, where they differ from a snack's
    "DRK": ["330ml", "500ml", "550ml", "1L", "1.5L"], "ALC-BEER": ["330ml", "500ml"], "ALC-BJ": ["100ml", "500ml"],
    "ALC-HJ": ["500ml", "2.5L"], "DAI-MLK": ["200ml", "250ml", "1L"], "DAI-PWD": ["400g", "800g"],
    "SEA-SOY": ["500ml", "1.28L", "1.9L"], "SEA-VIN": ["420ml", "800ml"], "GRN-OIL": ["900ml", "1.8L", "5L"],
    "GRN-RICE": ["2.5kg", "5kg", "10kg"], "GRN-FLR": ["1kg", "2.5kg"], "INS-NDL": ["105g", "120g"],
    "GRN-NDL": ["250g", "500g", "1kg"], "INS-CAN": ["312g", "425g", "660g"],
    "BRW-TEA": ["100g", "250g"], "SEA-SPC": ["40g", "100g", "227g"],
}


@dataclass(frozen=True)
class ShelfName:
    """A product's shelf name in both languages, its sub-category, and a curated price (fen) if any."""

    name: str
    name_en: str
    category: str
    price_fen: int | None = None


def _size(original: str, barcode: str, category: str) -> str:
    found = _SIZE_IN_NAME.search(original)
    if found:
        number, unit = found.group(1).replace(",", "."), found.group(2).lower()
        if unit == "cl":
            number, unit = str(int(float(number) * 10)), "ml"
        return f"{number}{'L' if unit == 'l' else unit}"
    sizes = next((v for k, v in _PACK_SIZES.items() if category.startswith(k)), _SOLID_SIZES)
    return sizes[int(barcode[-4:-1]) % len(sizes)]


@lru_cache(maxsize=1)
def known_products() -> dict[str, ShelfName]:
    """The demo's curated names and prices for the real barcodes whose found name is Chinese."""
    text = resources.files("central.demo").joinpath("data/known-products.tsv").read_text(encoding="utf-8")
    out = {}
    for raw in text.splitlines():
        if not raw or raw.startswith(("#", "barcode\t")):
            continue
        code, name, name_en, category, price = raw.split("\t")
        out[code] = ShelfName(name, name_en, category, int(price))
    return out


def shelf_name(original: str, barcode: str) -> ShelfName | None:
    """The shelf names and category for a product as found in the open data, or None when the
    found name says too little (the catalog then sells one of its own goods under that barcode)."""
    known = known_products().get(barcode)
    if known is not None:
        return known
    if _CJK.search(original):
        return None  # a Chinese name not curated: better none than a guess
    rule = next((r for r in RULES if r.pattern.search(original)), None)
    if rule is None:
        return None
    soy = rule.category == "SEA-SOY"
    flavour = next(((zh, en) for p, zh, en in FLAVOURS
                    if (zh in SOY_FLAVOURS) == soy and p.search(original) and zh not in rule.noun), ("", ""))
    size = _size(original, barcode, rule.category)
    name_en = " ".join(w for w in (flavour[1], rule.noun_en, size) if w)
    return ShelfName(f"{flavour[0]}{rule.noun} {size}"[:60], name_en[:100], rule.category)
