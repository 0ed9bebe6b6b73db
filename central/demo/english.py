"""English for every word the demo catalog builds its own goods' names from.

A product "{flavour}{noun} {spec}" in Chinese is "{flavour} {noun} {spec}" in English, word for
word from this table, so the two names always describe the same packet (薄荷牙膏 120g / Mint
Toothpaste 120g). Sizes (500ml, 30g×10) read the same in both languages and are not listed.
`tests/central/domains/test_demo.py` fails when a word of the catalog is missing here.
"""

from __future__ import annotations

import re

EN: dict[str, str] = {
    # household and personal care: nouns
    "去屑洗发水": "Anti-Dandruff Shampoo", "柔顺洗发露": "Smoothing Shampoo", "滋润护发素": "Moisturising Conditioner",
    "植物染发膏": "Herbal Hair Dye", "薄荷牙膏": "Mint Toothpaste", "美白牙膏": "Whitening Toothpaste",
    "儿童牙膏": "Kids' Toothpaste", "软毛牙刷": "Soft Toothbrush", "漱口水": "Mouthwash",
    "薰衣草洗衣液": "Lavender Laundry Liquid", "浓缩洗衣粉": "Concentrated Washing Powder", "洗衣皂": "Laundry Soap",
    "衣物柔顺剂": "Fabric Softener", "衣物消毒液": "Laundry Disinfectant", "抽纸": "Facial Tissues",
    "卷纸": "Toilet Rolls", "湿巾": "Wet Wipes", "手帕纸": "Pocket Tissues", "厨房用纸": "Kitchen Towels",
    "沐浴露": "Body Wash", "香皂": "Bath Soap", "洗手液": "Hand Wash", "洗面奶": "Facial Cleanser",
    "柠檬洗洁精": "Lemon Dish Soap", "厨房油污净": "Kitchen Degreaser", "钢丝球": "Steel Wool Scrubbers",
    "保鲜膜": "Cling Film", "垃圾袋": "Bin Bags", "一次性筷子": "Disposable Chopsticks",
    # counts and packs
    "黑色": "Black", "棕色": "Brown", "单支": "Single", "3支装": "3-pack", "2块装": "2 bars", "3块装": "3 bars",
    "4块装": "4 bars", "3包装": "3-pack", "6包装": "6-pack", "10包装": "10-pack", "10卷": "10 rolls",
    "12卷": "12 rolls", "27卷": "27 rolls", "2卷": "2 rolls", "10片": "10 wipes", "80片": "80 wipes",
    "4个装": "4 pcs", "中号": "Medium", "大号": "Large", "50双": "50 pairs", "6枚装": "6 pcs", "袋装": "Bag",
    "桶装": "Cup", "五连包": "5-pack",
    # drinks
    "冰红茶": "Iced Black Tea", "绿茶": "Green Tea", "茉莉清茶": "Jasmine Tea", "乌龙茶": "Oolong Tea",
    "大麦茶": "Barley Tea", "柠檬茶": "Lemon Tea", "奶茶": "Milk Tea", "香芋": "Taro", "麦香": "Malt",
    "饮用天然水": "Natural Drinking Water", "苏打水": "Soda Water", "矿泉水": "Mineral Water", "汽水": "Soda",
    "可乐味": "Cola", "橙味": "Orange", "白桃味": "White Peach", "橙汁": "Orange Juice", "苹果汁": "Apple Juice",
    "葡萄汁": "Grape Juice", "芒果汁": "Mango Juice", "番石榴汁": "Guava Juice", "桃汁": "Peach Juice",
    "功能饮料": "Energy Drink", "维生素": "Vitamin", "牛磺酸": "Taurine", "电解质": "Electrolyte",
    "核桃乳": "Walnut Milk", "椰汁": "Coconut Milk", "杏仁露": "Almond Drink", "花生牛奶": "Peanut Milk",
    "豆奶": "Soy Milk", "低糖": "Low-Sugar",
    # alcohol
    "啤酒": "Beer", "纯生": "Draft", "清爽": "Light", "小麦": "Wheat", "原浆": "Unfiltered", "精酿": "Craft",
    "浓香型白酒52度": "Strong-Aroma Baijiu 52%", "酱香型白酒53度": "Sauce-Aroma Baijiu 53%",
    "清香型白酒42度": "Light-Aroma Baijiu 42%", "二锅头56度": "Erguotou 56%", "三年陈花雕酒": "3-Year Huadiao Wine",
    "五年陈花雕酒": "5-Year Huadiao Wine", "加饭酒": "Jiafan Rice Wine",
    # dairy
    "纯牛奶": "Pure Milk", "全脂": "Whole", "高钙": "High-Calcium", "低脂": "Low-Fat", "酸奶": "Yogurt",
    "蓝莓味": "Blueberry", "燕麦味": "Oat", "草莓味": "Strawberry", "黑芝麻": "Black Sesame", "黄桃味": "Yellow Peach", "乳酸菌饮品": "Probiotic Drink",
    "奶酪棒": "Cheese Sticks",
    # frozen
    "速冻水饺": "Frozen Dumplings", "猪肉白菜": "Pork & Cabbage", "韭菜鸡蛋": "Chive & Egg", "三鲜": "Three-Delicacy",
    "玉米猪肉": "Corn & Pork", "芹菜猪肉": "Celery & Pork", "香菇鸡肉": "Mushroom & Chicken",
    "汤圆": "Glutinous Rice Balls", "紫薯": "Purple Sweet Potato", "馄饨": "Wontons",
    "荠菜猪肉": "Shepherd's Purse & Pork", "鲜肉": "Pork", "速冻包子": "Frozen Steamed Buns", "豆沙": "Red Bean Paste",
    "香菇青菜": "Mushroom & Greens", "梅干菜": "Preserved Mustard Greens", "手抓饼": "Scallion Pancakes",
    "春卷": "Spring Rolls", "三丝": "Three-Shred", "荠菜": "Shepherd's Purse", "烧麦": "Shaomai",
    "糯米": "Glutinous Rice", "鲜虾": "Shrimp", "冷冻虾仁": "Frozen Peeled Shrimp", "鱼丸": "Fish Balls",
    "墨鱼": "Cuttlefish", "鱿鱼圈": "Squid Rings", "带鱼段": "Hairtail Pieces", "冻扇贝": "Frozen Scallops",
    # snacks
    "薯片": "Potato Chips", "番茄味": "Tomato", "黄瓜味": "Cucumber", "烧烤味": "BBQ", "麻辣味": "Mala",
    "虾条": "Prawn Crackers", "锅巴": "Rice Crisps", "麻辣": "Mala", "五香": "Five-Spice", "孜然": "Cumin",
    "玉米片": "Corn Chips", "芝士": "Cheese", "米饼": "Rice Crackers", "苏打饼干": "Soda Crackers", "葱香": "Scallion",
    "夹心饼干": "Sandwich Cookies", "巧克力": "Chocolate", "草莓": "Strawberry", "香草": "Vanilla",
    "蛋黄派": "Custard Pies", "沙琪玛": "Sachima", "鸡蛋": "Egg", "黑糖": "Brown Sugar", "曲奇": "Cookies",
    "黄油": "Butter", "抹茶": "Matcha", "蔓越莓": "Cranberry", "威化饼干": "Wafers", "柠檬味": "Lemon",
    "蛋卷": "Egg Rolls", "芝麻": "Sesame", "椰香": "Coconut", "月饼": "Mooncakes", "五仁": "Five-Nut",
    "莲蓉": "Lotus Paste", "蛋黄": "Egg Yolk", "面包": "Bread", "全麦": "Wholemeal", "肉松": "Pork Floss",
    "椰蓉": "Coconut Flakes", "每日坚果": "Daily Nuts", "混合坚果": "Mixed Nuts", "盐焗腰果": "Salted Cashews",
    "碧根果": "Pecans", "开心果": "Pistachios", "瓜子": "Sunflower Seeds", "焦糖瓜子": "Caramel Sunflower Seeds",
    "山核桃": "Hickory Nuts", "夏威夷果": "Macadamias", "巴旦木": "Almonds", "五香牛肉干": "Five-Spice Beef Jerky",
    "麻辣牛肉干": "Mala Beef Jerky", "猪肉脯": "Pork Jerky", "鸭脖": "Duck Necks", "甜辣": "Sweet & Spicy",
    "鸡爪": "Chicken Feet", "泡椒": "Pickled Pepper", "卤蛋": "Braised Eggs", "水果硬糖": "Fruit Hard Candy",
    "奶糖": "Milk Candy", "薄荷糖": "Mints", "棒棒糖": "Lollipops", "水果软糖": "Fruit Gummies", "口香糖": "Chewing Gum",
    "薄荷": "Mint", "西瓜": "Watermelon", "蓝莓": "Blueberry", "牛奶": "Milk", "黑": "Dark", "榛仁": "Hazelnut",
    "白": "White", "果冻": "Jelly", "什锦": "Assorted", "乳酸菌": "Yogurt", "荔枝": "Lychee", "布丁": "Pudding",
    "芒果味": "Mango", "新疆红枣": "Xinjiang Red Dates", "宁夏枸杞": "Ningxia Goji Berries", "葡萄干": "Raisins",
    "芒果干": "Dried Mango", "山楂片": "Hawthorn Slices", "话梅": "Preserved Plums", "杏干": "Dried Apricots",
    "蓝莓干": "Dried Blueberries", "黄桃干": "Dried Yellow Peaches",
    # instant food
    "方便面": "Instant Noodles", "红烧牛肉": "Braised Beef", "老坛酸菜": "Pickled Cabbage",
    "鲜虾鱼板": "Shrimp & Fish Cake", "香辣牛肉": "Spicy Beef", "葱烧排骨": "Scallion Pork Rib",
    "酸辣粉": "Hot & Sour Sweet Potato Noodles", "螺蛳粉": "Luosifen River Snail Noodles",
    "方便米线": "Instant Rice Noodles", "番茄": "Tomato", "酸辣": "Hot & Sour", "火腿肠": "Ham Sausages",
    "玉米": "Corn", "香辣": "Spicy", "鸡肉": "Chicken", "午餐肉罐头": "Luncheon Meat",
    "黄桃罐头": "Canned Yellow Peaches", "八宝粥": "Eight-Treasure Congee", "豆豉鲮鱼罐头": "Dace with Black Beans",
    "糖水橘子罐头": "Canned Mandarin Oranges", "榨菜": "Zhacai Pickled Mustard", "鲜脆": "Crunchy", "低盐": "Low-Salt",
    "腐乳": "Fermented Bean Curd", "红": "Red", "泡菜": "Kimchi", "韩式": "Korean", "四川": "Sichuan",
    # grain and oil
    "大米": "Rice", "东北": "Northeast", "五常稻花香": "Wuchang Daohuaxiang", "泰国香": "Thai Fragrant",
    "小米": "Millet", "食用油": "Cooking Oil", "花生": "Peanut", "菜籽": "Rapeseed", "大豆": "Soybean", "橄榄": "Olive",
    "面粉": "Flour", "高筋": "Bread", "中筋": "All-Purpose", "饺子粉": "Dumpling", "玉米面": "Cornmeal",
    "红豆": "Red Beans", "绿豆": "Mung Beans", "黑米": "Black Rice", "挂面": "Noodles", "龙须": "Fine", "荞麦": "Buckwheat",
    "宽": "Wide", "龙口粉丝": "Longkou Vermicelli", "米粉": "Rice Noodles", "江西": "Jiangxi", "桂林": "Guilin",
    # condiments
    "鸡精": "Chicken Bouillon Powder", "味精": "MSG", "十三香": "Thirteen-Spice Powder", "花椒粉": "Sichuan Pepper Powder",
    "加碘食盐": "Iodised Salt", "胡椒粉": "White Pepper Powder", "五香粉": "Five-Spice Powder", "孜然粉": "Cumin Powder",
    "白砂糖": "White Sugar", "红糖": "Brown Sugar", "单晶冰糖": "Rock Sugar", "蚝油": "Oyster Sauce",
    "郫县豆瓣酱": "Pixian Broad Bean Paste", "番茄酱": "Ketchup", "芝麻酱": "Sesame Paste", "黄豆酱": "Soybean Paste",
    "甜面酱": "Sweet Bean Sauce", "火锅底料": "Hot Pot Base", "牛油": "Beef Tallow", "菌汤": "Mushroom Broth",
    "清汤": "Clear Broth", "辣椒酱": "Chili Sauce", "蒜蓉": "Garlic", "生抽": "Light Soy Sauce", "老抽": "Dark Soy Sauce",
    "蒸鱼豉油": "Seasoned Soy Sauce for Fish", "味极鲜酱油": "Premium Soy Sauce", "老陈醋": "Aged Vinegar",
    "香醋": "Black Vinegar", "米醋": "Rice Vinegar", "白醋": "White Vinegar",
    # tea, coffee and instant drinks
    "豆浆粉": "Soy Milk Powder", "燕麦片": "Oatmeal", "黑芝麻糊": "Black Sesame Paste", "藕粉": "Lotus Root Powder",
    "蜂蜜柚子茶": "Honey Citron Tea", "速溶咖啡": "Instant Coffee", "原味": "Original", "特浓": "Extra Strong",
    "无蔗糖": "Sugar-Free", "拿铁": "Latte", "铁观音": "Tieguanyin", "西湖龙井": "West Lake Longjing",
    "普洱熟茶": "Ripe Pu'er", "正山小种": "Lapsang Souchong", "茉莉花茶": "Jasmine Tea",
    # dried goods
    "黑木耳": "Black Fungus", "干香菇": "Dried Shiitake", "茶树菇": "Tea-Tree Mushrooms", "银耳": "White Fungus",
    "竹荪": "Bamboo Fungus", "猴头菇": "Lion's Mane Mushrooms", "紫菜": "Nori", "干海带": "Dried Kelp",
    "虾皮": "Dried Baby Shrimp", "干贝": "Dried Scallops", "鱿鱼干": "Dried Squid", "腐竹": "Tofu Skin Sticks",
    "豆皮": "Tofu Skin", "素鸡": "Vegetarian Chicken", "油豆腐": "Fried Tofu Puffs", "千张": "Tofu Sheets",
    # fresh, by weight
    "红富士苹果": "Fuji Apples", "香蕉": "Bananas", "砂糖橘": "Shatang Mandarins", "雪花梨": "Snow Pears",
    "麒麟西瓜": "Qilin Watermelon", "巨峰葡萄": "Kyoho Grapes", "猕猴桃": "Kiwifruit", "小台芒": "Small Taiwan Mangoes",
    "红心火龙果": "Red Dragon Fruit", "赣南脐橙": "Gannan Navel Oranges", "金菠萝": "Golden Pineapple",
    "丹东草莓": "Dandong Strawberries", "蜜桔": "Honey Tangerines", "水蜜桃": "Juicy Peaches", "哈密瓜": "Hami Melon",
    "大白菜": "Napa Cabbage", "土豆": "Potatoes", "西红柿": "Tomatoes", "黄瓜": "Cucumbers", "胡萝卜": "Carrots",
    "青椒": "Green Peppers", "洋葱": "Onions", "长茄子": "Long Aubergines", "生菜": "Lettuce", "菠菜": "Spinach",
    "西芹": "Celery", "西兰花": "Broccoli", "大葱": "Welsh Onions", "生姜": "Ginger", "大蒜": "Garlic",
    "冬瓜": "Winter Melon", "南瓜": "Pumpkin", "铁棍山药": "Iron-Stick Yam", "莲藕": "Lotus Root", "豆芽": "Bean Sprouts",
    "猪五花肉": "Pork Belly", "猪里脊": "Pork Tenderloin", "猪肋排": "Pork Ribs", "牛腩": "Beef Brisket",
    "鸡胸肉": "Chicken Breast", "鸡翅中": "Chicken Mid-Wings", "琵琶腿": "Chicken Drumsticks",
    "散装鲜鸡蛋": "Fresh Eggs", "土鸡蛋": "Free-Range Eggs",
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def english(*words: str) -> str:
    """The English of Chinese words in order ("柠檬味", "汽水", "500ml" → "Lemon Soda 500ml"); a word
    without Chinese (a size) is kept as it is. KeyError names a word the table lacks."""
    return " ".join(EN[w] if _CJK.search(w) else w for w in words if w)
