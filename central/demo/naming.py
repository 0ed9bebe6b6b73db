"""Chinese shelf names and categories for the real barcodes of the demo catalog.

The Open Food Facts names are mostly English or French ("Nouilles instantanées saveur poulet");
a Chinese shop labels the same packet "鸡肉味方便面". These ordered keyword rules turn one into the
other and put the product in a real category, so the demo reads right while the barcodes stay
real. Rows that already carry a Chinese name keep it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def _r(words: str, category: str, noun: str) -> NameRule:
    return NameRule(re.compile(words, re.IGNORECASE), category, noun)


# Order matters: the first rule that matches wins (specific before generic).
RULES: list[NameRule] = [
    _r(r"soy ?sauce|sauce (de )?soja|sauce soja|soja sauce|sojasauce|light soy|dark soy|superior (light|dark)", "SEA-SOY", "酱油"),
    _r(r"oyster", "SEA-SAU", "蚝油"),
    _r(r"vinegar|vinaigre|essig", "SEA-VIN", "香醋"),
    _r(r"sesame oil|huile de s[ée]same|peanut oil|huile|\boil\b|öl", "GRN-OIL", "食用油"),
    _r(r"hot ?pot|fondue", "SEA-SAU", "火锅底料"),
    _r(r"chil+i|piment|pimenté|spicy bean|doubanjiang|sambal", "SEA-SAU", "辣椒酱"),
    _r(r"hoisin|teriyaki|bbq|barbecue|black bean sauce|sauce|paste|pâte|tartin", "SEA-SAU", "调味酱"),
    _r(r"wasabi|seasoning|assaisonnement|five spice|cinq épices|pepper|poivre|curry|msg|glutamate|bouillon|salt\b|\bsel\b", "SEA-SPC", "调味料"),
    _r(r"in syrup|au sirop|in light syrup|canned|en conserve", "INS-CAN", "水果罐头"),
    _r(r"rock sugar|sucre|sugar\b|honey|miel|sirop|syrup", "SEA-SUG", "冰糖"),
    _r(r"instant|ramen|cup noodle|nouilles instantan|quick cooking", "INS-NDL", "方便面"),
    _r(r"vermicel|glass noodle|rice stick|bean thread|fen si|konjac|shirataki|konnyaku", "GRN-NDL", "粉丝"),
    _r(r"noodle|nouille|nudel|spaghetti|udon|soba", "GRN-NDL", "挂面"),
    _r(r"glutinous|sushi|jasmin rice|\briz\b|\brice\b|reis", "GRN-RICE", "大米"),
    _r(r"flour|farine|millet|sorgho|grain|buckwheat|sarrasin|oat|avoine|corn\b|maïs", "GRN-FLR", "杂粮"),
    _r(r"beer|bière|bier|tsingtao|lager", "ALC-BEER", "啤酒"),
    _r(r"baijiu|liquor|wine|vin\b|shaoxing|sake|alcool", "ALC-HJ", "黄酒"),
    _r(r"jasmin|green tea|thé vert|oolong|pu.?erh|gunpowder|black tea|thé noir|white tea|thé blanc|matcha|\bthé\b|\btea\b|\btee\b", "BRW-TEA", "茶叶"),
    _r(r"coffee|café|kaffee", "BRW-COF", "咖啡"),
    _r(r"water|eau\b|wasser", "DRK-WTR", "饮用水"),
    _r(r"cola|soda|sprite|lemonade|limonade", "DRK-SDA", "汽水"),
    _r(r"energy|red bull|vitamin", "DRK-FUN", "功能饮料"),
    _r(r"soy ?milk|lait de soja|almond|walnut milk|coconut milk|lait de coco|coco", "DRK-PLT", "椰子汁"),
    _r(r"juice|jus\b|nectar|boisson|drink|saft|lychee drink", "DRK-JUC", "果汁饮料"),
    _r(r"milk powder|lait en poudre|formula", "DAI-PWD", "奶粉"),
    _r(r"\bmilk\b|\blait\b|yogh?urt|yaourt", "DAI-MLK", "牛奶"),
    _r(r"chocolat|cacao|cocoa", "SNK-CHO", "巧克力"),
    _r(r"candy|bonbon|confiserie|sweets|lollipop|mint|gum|toffee|caramel|gummy|trolli", "SNK-CDY", "糖果"),
    _r(r"jelly|gelée|pudding", "SNK-JLY", "果冻"),
    _r(r"biscuit|cookie|cracker|wafer|gaufrette|cake|gâteau|pain|bread|pastry|mooncake|roll", "SNK-BIS", "饼干"),
    _r(r"chips|crisps|puff|soufflé|popcorn|rice cracker|snack", "SNK-PUF", "膨化食品"),
    _r(r"sunflower|tournesol|seeds|graines|peanut|arachide|cacahu|almond|pistach|cashew|nut|noix|melon seed|pumpkin", "SNK-NUT", "瓜子坚果"),
    _r(r"jerky|beef|bœuf|boeuf|pork|porc|viande|dried meat", "SNK-MEAT", "肉干"),
    _r(r"sausage|saucisse|ham\b|jambon", "INS-HAM", "火腿肠"),
    _r(r"dried (fruit|mango|plum)|prune|preserved fruit|raisin|date|jujube|hawthorn|plum", "SNK-DRY", "果干"),
    _r(r"pickle|pickled|préparé|preserved vegetable|kimchi|zha ?cai|moutarde|mustard|légumes|vegetable", "INS-PKL", "榨菜"),
    _r(r"canned|conserve|in syrup|au sirop|litchi|lychee|mandarin|peach|pêche|pineapple|ananas|fish|poisson|dace|sardine|tuna", "INS-CAN", "罐头"),
    _r(r"mushroom|champignon|shiitake|fungus|wood ear|pilz", "DRY-MSH", "干香菇"),
    _r(r"seaweed|nori|kombu|algue|alga|kelp|shrimp|crevette|squid|jellyfish|méduse", "DRY-SEA", "海带紫菜"),
    _r(r"tofu|bean curd|soja|soy|haricot|bean", "DRY-TOF", "豆制品"),
    _r(r"egg|œuf|oeuf", "FRS-EGG", "咸鸭蛋"),
    _r(r"dumpling|ravioli|bao|gyoza|wonton", "FRZ-DMP", "速冻水饺"),
    _r(r"ginger|gingembre|garlic|ail\b|bamboo|bambou|pousses", "INS-PKL", "腌制菜"),
    _r(r"pomelo|orange|apple|pomme|fruit|berry|strawberry|fraise", "SNK-DRY", "果干"),
]

# Flavour words become a Chinese prefix ("鸡肉味方便面").
FLAVOURS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), zh)
    for p, zh in [
        (r"beef|bœuf|boeuf", "牛肉味"), (r"chicken|poulet|huhn", "鸡肉味"), (r"pork|porc", "猪肉味"),
        (r"shrimp|crevette|seafood|fruits de mer", "海鲜味"), (r"spicy|hot\b|pimenté|épicé|scharf|chil+i", "香辣"),
        (r"mushroom|champignon", "香菇"), (r"sesame|sésame", "芝麻"), (r"ginger|gingembre", "生姜"),
        (r"strawberry|fraise", "草莓味"), (r"mango|mangue", "芒果味"), (r"lemon|citron|lime", "柠檬味"),
        (r"peach|pêche", "蜜桃味"), (r"lychee|litchi", "荔枝"), (r"coconut|coco", "椰香"),
        (r"green tea|thé vert|matcha", "绿茶"), (r"jasmin", "茉莉花"), (r"black|noir", "老抽"),
        (r"light|clair", "生抽"), (r"sweet|doux|douce|sucr", "甜味"), (r"sour|aigre", "酸辣"),
        (r"original|classic|nature", "原味"), (r"organic|bio\b", "有机"), (r"sichuan|szechuan", "四川"),
        (r"red bean|haricot rouge|azuki", "红豆"), (r"black sesam", "黑芝麻"), (r"honey|miel", "蜂蜜"),
    ]
]

_CJK_RULES: list[tuple[str, str]] = [
    ("酒", "ALC-BJ"), ("奶粉", "DAI-PWD"), ("奶", "DAI-MLK"), ("咖啡", "BRW-COF"), ("醋", "SEA-VIN"),
    ("酱油", "SEA-SOY"), ("酱", "SEA-SAU"), ("饼干", "SNK-BIS"), ("蛋糕", "SNK-BIS"), ("巧克力", "SNK-CHO"),
    ("糖", "SNK-CDY"), ("水", "DRK-WTR"), ("茶", "DRK-TEA"), ("火腿肠", "INS-HAM"), ("鲮鱼", "INS-CAN"),
    ("鯪魚", "INS-CAN"), ("蛋", "FRS-EGG"), ("牛肉", "SNK-MEAT"), ("腐乳", "INS-PKL"), ("香珠", "HOM-LDRY"),
    ("健力宝", "DRK-FUN"), ("脉动", "DRK-FUN"), ("可乐", "DRK-SDA"), ("汽水", "DRK-SDA"),
]
_FALLBACK_NOUNS = ["休闲零食", "风味小吃", "特色糕点", "传统点心", "中式糕点", "进口食品"]
_SIZE_IN_NAME = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|ml|cl|l)\b", re.IGNORECASE)
_LIQUID = ("DRK", "ALC", "DAI-MLK", "SEA-SOY", "SEA-VIN", "GRN-OIL")
_CJK = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff\w（）()、·\- ]*")
_SOLID_SIZES = ["100g", "120g", "150g", "200g", "250g", "300g", "400g", "454g", "500g", "1kg"]
_LIQUID_SIZES = ["330ml", "350ml", "500ml", "550ml", "1L", "1.5L"]


def _size(original: str, barcode: str, category: str) -> str:
    found = _SIZE_IN_NAME.search(original)
    if found:
        number, unit = found.group(1).replace(",", "."), found.group(2).lower()
        if unit == "cl":
            number, unit = str(int(float(number) * 10)), "ml"
        return f"{number}{'L' if unit == 'l' else unit}"
    pick = int(barcode[-4:-1])
    if category.startswith(_LIQUID):
        return _LIQUID_SIZES[pick % len(_LIQUID_SIZES)]
    return _SOLID_SIZES[pick % len(_SOLID_SIZES)]


def chinese_name(original: str, barcode: str) -> tuple[str, str]:
    """(Chinese shelf name, sub-category code) for a product name as found in the data."""
    cjk = _CJK.findall(original.replace("?", " "))
    if cjk:
        name = max(cjk, key=len).strip()
        category = next((c for word, c in _CJK_RULES if word in name), None)
        if category is None:
            rule = next((r for r in RULES if r.pattern.search(original)), None)
            category = rule.category if rule else "SNK-BIS"
        return name[:60], category
    rule = next((r for r in RULES if r.pattern.search(original)), None)
    category = rule.category if rule else "SNK-BIS"
    noun = rule.noun if rule else _FALLBACK_NOUNS[int(barcode[-5:-1]) % len(_FALLBACK_NOUNS)]
    flavour = next((zh for p, zh in FLAVOURS if p.search(original) and zh not in noun), "")
    if (category == "SEA-SOY") != (flavour in ("老抽", "生抽")):
        flavour = "" if category != "SEA-SOY" or flavour in ("老抽", "生抽") else flavour
    if category == "SEA-SOY" and flavour not in ("老抽", "生抽"):
        flavour = ""
    return f"{flavour}{noun} {_size(original, barcode, category)}"[:60], category
