"""Word lists for names: Chinese trade syllables and cities, legal forms, trade words by country.

Kept apart from the rendering logic in ``names`` so the lists can grow without touching it. Legal
forms are grouped in families whose first member is the usual spelling; the others are the
spellings the same form takes in real registers and waybills.
"""

from __future__ import annotations

CN_TRADE_CHARS = (
    "华信美亚金辉鑫达盛宏源泰丰恒发隆瑞祥博创嘉德富利新天海东中星光明"
    "安康永益百佳优品汇通腾飞龙凯锦诚"
)
# Romanised by hand: a character-by-character reading gets polyphones wrong (厦门 is Xiamen).
CN_CITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("深圳", ("Shen", "zhen")),
    ("广州", ("Guang", "zhou")),
    ("东莞", ("Dong", "guan")),
    ("义乌", ("Yi", "wu")),
    ("宁波", ("Ning", "bo")),
    ("厦门", ("Xia", "men")),
    ("杭州", ("Hang", "zhou")),
    ("上海", ("Shang", "hai")),
    ("莆田", ("Pu", "tian")),
    ("泉州", ("Quan", "zhou")),
    ("佛山", ("Fo", "shan")),
    ("温州", ("Wen", "zhou")),
    ("苏州", ("Su", "zhou")),
)
CN_INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("贸易", "Trading"),
    ("科技", "Technology"),
    ("电子", "Electronics"),
    ("服饰", "Apparel"),
    ("进出口", "Import & Export"),
    ("实业", "Industrial"),
    ("商贸", "Commerce"),
    ("电子商务", "E-Commerce"),
    ("供应链", "Supply Chain"),
    ("国际贸易", "International Trading"),
    ("皮具", "Leather Products"),
    ("鞋业", "Footwear"),
    ("钟表", "Watch"),
    ("饰品", "Jewelry"),
    ("化妆品", "Cosmetics"),
    ("玩具", "Toys"),
    ("数码", "Digital"),
    ("家居用品", "Household"),
)
HK_SURNAMES = (
    ("陳", "Chan"),
    ("黃", "Wong"),
    ("李", "Lee"),
    ("張", "Cheung"),
    ("梁", "Leung"),
    ("林", "Lam"),
    ("劉", "Lau"),
    ("何", "Ho"),
    ("吳", "Ng"),
    ("鄭", "Cheng"),
    ("楊", "Yeung"),
    ("周", "Chow"),
    ("謝", "Tse"),
    ("麥", "Mak"),
    ("郭", "Kwok"),
)
HK_GIVEN = (
    "Tai Man",
    "Ka Ho",
    "Wing Yan",
    "Chi Keung",
    "Siu Ming",
    "Ka Wai",
    "Mei Ling",
    "Kwok Wah",
    "Hoi Yan",
    "Chun Kit",
)
KR_SURNAMES = {
    "김": "Kim",
    "이": "Lee",
    "박": "Park",
    "최": "Choi",
    "정": "Jung",
    "조": "Cho",
    "강": "Kang",
    "윤": "Yoon",
    "장": "Jang",
    "임": "Lim",
}
RU_WORDS = (
    "Альфа",
    "Вектор",
    "Восток",
    "Гранд",
    "Сибирь",
    "Импульс",
    "Меридиан",
    "Орион",
    "Стандарт",
    "Престиж",
    "Трейд",
    "Снаб",
    "Импорт",
    "Логистик",
    "Партнер",
    "Форвард",
)
TR_SECTORS = ("Tekstil", "Deri", "Elektronik", "Kozmetik", "Ayakkabı", "Dış Ticaret", "Giyim")
LATIN_TRADE = {
    "US": (
        "Imports",
        "Trading",
        "Supply",
        "Distribution",
        "Logistics",
        "Brands",
        "Goods",
        "Wholesale",
        "Commerce",
    ),
    "GB": ("Trading", "Imports", "Supplies", "Distribution", "Retail"),
    "DE": ("Handels", "Vertriebs", "Import Export", "Logistik"),
    "IT": ("Moda", "Pelletteria", "Calzature", "Import Export", "Distribuzione"),
    "IN": ("Exports", "Overseas", "Enterprises", "Impex", "Traders"),
    "KR": ("Trading", "Tech", "Corporation", "International"),
    "VN": ("Trading", "Garment", "Export", "Manufacturing"),
}
LATIN_CORES = {
    "KR": ("Daehan", "Hanil", "Samjin", "Seoul", "Kumho", "Dongyang", "Hanbit", "Sejin"),
    "VN": ("Viet Hung", "Sai Gon", "Ha Noi", "Phuong Nam", "Minh Anh", "Thanh Cong", "Tan Phat"),
}
# Legal-form families: index 0 is how the form is usually written.
FORMS: dict[str, tuple[str, ...]] = {
    "co_ltd": (
        "Co., Ltd.",
        "Co., Ltd",
        "Co Ltd",
        "CO.,LTD",
        "Company Limited",
        "Co.,Ltd.",
        "Co. Ltd",
    ),
    "limited": ("Limited", "Ltd", "Ltd.", "Co., Limited", "Company Limited", "LIMITED"),
    "llc": ("LLC", "L.L.C.", "Llc", "Limited Liability Company", "LLC."),
    "inc": ("Inc.", "Inc", "Incorporated", "INC"),
    "gmbh": ("GmbH", "Gmbh", "G.m.b.H.", "GMBH"),
    "ooo": ("OOO", "ООО", "LLC", "O.O.O."),
    "ltd_sti": (
        "San. ve Tic. Ltd. Şti.",
        "Ltd. Şti.",
        "Ltd. Sti.",
        "Ltd Şti",
        "Sanayi ve Ticaret Limited Şirketi",
        "LTD. ŞTİ.",
    ),
    "srl": ("S.r.l.", "SRL", "Srl", "s.r.l."),
    "pvt_ltd": ("Pvt. Ltd.", "Private Limited", "Pvt Ltd", "(P) Ltd"),
}
PREFIX_FORMS = frozenset({"OOO", "ООО", "O.O.O."})
COUNTRY_FORM = {
    "CN": "co_ltd",
    "HK": "limited",
    "US": "llc",
    "GB": "limited",
    "DE": "gmbh",
    "RU": "ooo",
    "TR": "ltd_sti",
    "IT": "srl",
    "IN": "pvt_ltd",
    "KR": "co_ltd",
    "VN": "co_ltd",
}
PERSON_LOCALE = {
    "US": "en_US",
    "GB": "en_GB",
    "DE": "de_DE",
    "IT": "it_IT",
    "IN": "en_IN",
    "TR": "tr_TR",
    "RU": "ru_RU",
    "CN": "zh_CN",
    "KR": "ko_KR",
    "VN": "en_US",
    "HK": "en_GB",
}
RU_ALT = {
    "щ": "sch",
    "х": "h",
    "ж": "zh",
    "й": "i",
    "ю": "iu",
    "я": "ia",
    "ц": "c",
    "ё": "e",
    "ы": "y",
    "ь": "",
    "ъ": "",
    "э": "e",
    "кс": "x",
}
# The most common names of a country (family names, given names), as natives write them where
# the country has its own script. Any family name with any given name is a plausible person, so
# the lists give enough distinct names for every namesake group of a large world.
COMMON_PERSONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    country: (tuple(families.split()), tuple(givens.split("|")))
    for country, families, givens in (
        (
            "CN",
            "王 李 张 刘 陈 杨 黄 赵",
            "伟|芳|娜|敏|静|丽|强|磊|军|洋|勇|艳|杰|娟|涛|明|超|秀英|霞|平",
        ),
        ("HK", "Chan Wong Lee Cheung Leung", "Tai Man|Ka Ho|Wing Yan|Chi Keung|Siu Ming|Ka Wai"),
        ("KR", "김 이 박 최 정", "민준|서연|지훈|지민|현우|수빈|민서|서준|영수|영희"),
        ("RU", "Иванов Смирнов Кузнецов Попов Петров", "Александр|Сергей|Дмитрий|Андрей|Алексей"),
        ("TR", "Yılmaz Kaya Demir Şahin Çelik", "Mehmet|Mustafa|Ahmet|Ali|Ayşe|Fatma|Emine"),
        ("GB", "Smith Jones Williams Brown Taylor Davies", "James|David|John|Michael|Sarah|Emma"),
        ("DE", "Müller Schmidt Schneider Fischer Weber", "Thomas|Michael|Andreas|Stefan|Sabine"),
        ("IT", "Rossi Russo Ferrari Esposito Bianchi", "Giuseppe|Marco|Giovanni|Maria|Anna|Luca"),
        ("IN", "Kumar Sharma Singh Patel Gupta", "Rahul|Amit|Priya|Raj|Sunil|Anil|Pooja"),
        ("VN", "Nguyen Tran Le Pham", "Van Anh|Van Hung|Thi Lan|Thi Huong|Minh Tuan|Duc Minh"),
        (
            "US",
            "Smith Johnson Williams Brown Jones Garcia Miller Davis",
            "James|John|Robert|Michael|David|William|Mary|Patricia|Jennifer|Linda|Maria",
        ),
    )
}
# What forwarders call themselves: (Chinese, English) for China and Hong Kong, else per country.
CN_FORWARDING: tuple[tuple[str, str], ...] = (
    ("国际物流", "International Logistics"),
    ("物流", "Logistics"),
    ("货运代理", "Freight Forwarding"),
    ("供应链管理", "Supply Chain Management"),
    ("国际货运", "International Freight"),
    ("快递", "Express"),
)
FORWARDING_WORDS: dict[str, tuple[str, ...]] = {
    "GB": ("Logistics", "Freight", "Shipping", "Global Logistics"),
    "DE": ("Logistik", "Spedition", "Logistics"),
    "TR": ("Lojistik", "Kargo", "Uluslararası Taşımacılık"),
    "KR": ("Logistics", "Express", "Global Logistics"),
    "VN": ("Logistics", "Express", "Freight"),
    "IN": ("Logistics", "Freight Carriers", "Cargo Movers"),
}
