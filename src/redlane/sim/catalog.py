"""What moves in the parcels: product categories, HS codes, genuine prices, and how fakes hide.

Category shares of counterfeit traffic follow CBP's FY2023 seizure mix (DESIGN.md §6): apparel
and accessories lead by lines, watches/jewellery and handbags by value, then electronics,
footwear, pharma/personal care and toys. Each category carries the descriptions and wrong HS
codes counterfeiters use to pass as generic goods. Generic (unbranded) goods make up most legit
traffic, and essentials are the goods of the price-gouging episode.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class LineSpec:
    name: str
    hs6: str
    price: tuple[float, float]  # genuine retail price per unit, USD, for a mid-tier brand
    weight: float  # kg per unit
    descriptions: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    key: str
    counterfeit_share: float
    luxury: float  # probability that a brand of this category is a luxury brand
    lines: tuple[LineSpec, ...]
    misdescriptions: tuple[str, ...]
    wrong_hs: tuple[str, ...]


L = LineSpec
CATEGORIES: tuple[Category, ...] = (
    Category(
        "apparel",
        0.26,
        0.3,
        (
            L(
                "t-shirts",
                "610910",
                (25, 120),
                0.25,
                ("cotton t-shirt", "men's t-shirt", "tee shirt"),
            ),
            L("sweaters", "611020", (60, 400), 0.5, ("knitted sweater", "pullover", "cardigan")),
            L(
                "jackets",
                "620193",
                (150, 1500),
                1.0,
                ("men's jacket", "windbreaker", "down jacket"),
            ),
            L("trousers", "620342", (60, 300), 0.7, ("men's cotton trousers", "jeans", "pants")),
            L("dresses", "620442", (80, 900), 0.4, ("women's dress", "cotton dress", "skirt")),
            L("caps", "650500", (25, 90), 0.15, ("baseball cap", "knitted hat", "cap")),
            L("scarves", "621410", (80, 600), 0.15, ("silk scarf", "scarf", "shawl")),
        ),
        ("clothes", "garment", "clothing sample", "cotton top", "textile"),
        ("630790", "611595", "621710", "630900"),
    ),
    Category(
        "watches",
        0.12,
        0.8,
        (
            L("automatic watches", "910221", (800, 15000), 0.3, ("wrist watch", "automatic watch")),
            L("quartz watches", "910211", (150, 2000), 0.2, ("quartz wrist watch", "watch")),
            L("watch straps", "911390", (30, 200), 0.05, ("watch strap", "watch band")),
        ),
        ("watch", "clock", "gift", "metal accessories", "watch box"),
        ("911390", "392690", "910229", "711719"),
    ),
    Category(
        "jewellery",
        0.10,
        0.6,
        (
            L("fashion jewellery", "711719", (40, 400), 0.05, ("necklace", "bracelet", "earrings")),
            L("silver jewellery", "711311", (120, 2500), 0.05, ("silver ring", "silver bracelet")),
            L("gold jewellery", "711319", (500, 10000), 0.05, ("gold necklace", "ring")),
        ),
        ("jewelry", "alloy accessories", "hair accessories", "gift", "beads"),
        ("711719", "961511", "392690", "830890"),
    ),
    Category(
        "handbags",
        0.15,
        0.7,
        (
            L("handbags", "420221", (400, 5000), 0.8, ("leather handbag", "women's handbag")),
            L("wallets", "420231", (150, 900), 0.15, ("leather wallet", "card holder")),
            L("backpacks", "420292", (150, 1500), 0.9, ("backpack", "travel bag")),
            L("belts", "420330", (200, 800), 0.25, ("leather belt", "belt")),
        ),
        ("bag", "handbag", "pu bag", "storage bag", "textile bag", "gift"),
        ("420222", "420292", "392690", "630533"),
    ),
    Category(
        "headphones",
        0.08,
        0.1,
        (
            L("headphones", "851830", (99, 549), 0.35, ("wireless headphones", "headset")),
            L("earbuds", "851830", (79, 279), 0.1, ("wireless earbuds", "bluetooth earphones")),
            L("speakers", "851822", (79, 399), 1.0, ("bluetooth speaker", "portable speaker")),
        ),
        ("earphones", "electronic accessories", "plastic box", "headset", "cable"),
        ("854442", "392690", "851890", "847330"),
    ),
    Category(
        "phone_accessories",
        0.08,
        0.05,
        (
            L("chargers", "850440", (19, 79), 0.15, ("phone charger", "usb adapter")),
            L("phone cases", "392690", (15, 69), 0.08, ("phone case", "protective cover")),
            L("cables", "854442", (12, 39), 0.05, ("usb cable", "charging cable")),
            L("power banks", "850760", (39, 129), 0.3, ("power bank", "portable battery")),
        ),
        ("phone accessories", "plastic case", "electronic parts", "adapter", "gift"),
        ("392690", "854442", "850440", "853690"),
    ),
    Category(
        "footwear",
        0.08,
        0.3,
        (
            L("sneakers", "640411", (90, 350), 0.9, ("sports shoes", "sneakers", "running shoes")),
            L("leather shoes", "640399", (150, 1200), 1.1, ("leather shoes", "boots")),
            L("sandals", "640419", (40, 200), 0.5, ("sandals", "slippers")),
        ),
        ("shoes", "footwear", "slippers", "sample shoes", "canvas shoes"),
        ("640299", "640419", "640690", "630790"),
    ),
    Category(
        "cosmetics",
        0.07,
        0.4,
        (
            L("perfume", "330300", (60, 400), 0.35, ("perfume", "eau de parfum", "fragrance")),
            L("lipstick", "330410", (20, 60), 0.05, ("lipstick", "lip gloss")),
            L("skincare", "330499", (30, 300), 0.2, ("face cream", "serum", "skin care set")),
            L("eye makeup", "330420", (20, 70), 0.05, ("mascara", "eyeshadow palette")),
        ),
        ("cosmetic sample", "gift set", "liquid", "body spray", "cosmetics"),
        ("330499", "340130", "330790", "392390"),
    ),
    Category(
        "toys",
        0.03,
        0.05,
        (
            L("toys", "950300", (10, 150), 0.4, ("toy", "plush toy", "building blocks")),
            L("collectible figures", "950300", (20, 300), 0.3, ("figure", "collectible figure")),
            L("game controllers", "950450", (40, 80), 0.3, ("game controller", "gamepad")),
        ),
        ("toy", "plastic toy", "gift", "kids toy", "model"),
        ("950300", "392690", "950590"),
    ),
    Category(
        "pharma",
        0.03,
        0.05,
        (
            L("tablets", "300490", (20, 300), 0.1, ("tablets", "medicine")),
            L("supplements", "210690", (20, 90), 0.2, ("dietary supplement", "vitamins")),
        ),
        ("vitamins", "health food", "supplement", "sample", "candy"),
        ("210690", "330499", "170490"),
    ),
)
CATEGORY_BY_KEY = {c.key: c for c in CATEGORIES}

GENERIC: tuple[LineSpec, ...] = (
    L("phone case", "392690", (3, 20), 0.08, ("phone case", "silicone case", "mobile cover")),
    L("usb cable", "854442", (2, 12), 0.05, ("usb cable", "data cable", "type-c cable")),
    L("led lamp", "940542", (5, 60), 0.6, ("led lamp", "led strip light", "night light")),
    L("kitchenware", "392410", (3, 30), 0.4, ("plastic kitchenware", "food container")),
    L("socks", "611595", (2, 15), 0.2, ("cotton socks", "socks")),
    L("t-shirt", "610910", (4, 20), 0.25, ("t-shirt", "cotton t-shirt", "women's top")),
    L("dress", "620442", (8, 40), 0.4, ("women's dress", "summer dress")),
    L("toy", "950300", (3, 30), 0.3, ("plastic toy", "toy car", "puzzle")),
    L("phone charger", "850440", (4, 20), 0.15, ("usb charger", "wall adapter")),
    L("earphones", "851830", (5, 40), 0.1, ("bluetooth earphones", "wired earphones")),
    L("cosmetic brushes", "960329", (3, 20), 0.15, ("makeup brush set", "cosmetic brush")),
    L("hair accessories", "961511", (1, 10), 0.05, ("hair clips", "hair band")),
    L("fitness gear", "950691", (5, 60), 1.2, ("resistance bands", "yoga mat", "dumbbell")),
    L("bicycle parts", "871499", (5, 80), 0.8, ("bicycle parts", "bike light", "pedals")),
    L("car accessories", "870829", (5, 60), 0.7, ("car accessories", "car seat cover")),
    L("keyboard", "847160", (10, 80), 0.9, ("keyboard", "computer mouse")),
    L("computer parts", "847330", (5, 120), 0.3, ("computer parts", "ssd", "memory module")),
    L("hand tools", "820559", (4, 40), 0.7, ("hand tools", "screwdriver set")),
    L("ceramic mug", "691200", (3, 20), 0.5, ("ceramic mug", "tableware")),
    L("pet supplies", "420100", (3, 30), 0.4, ("pet collar", "dog leash", "pet harness")),
    L("stickers", "491199", (1, 8), 0.05, ("stickers", "printed matter", "poster")),
    L("books", "490199", (5, 40), 0.6, ("book", "printed books")),
    L("fashion jewelry", "711719", (1, 15), 0.05, ("fashion jewelry", "alloy earrings")),
    L("textile bag", "420222", (5, 35), 0.4, ("tote bag", "canvas bag")),
    L("shoes", "640299", (10, 45), 0.8, ("rubber shoes", "slippers", "sandals")),
    L("cheap watch", "910211", (5, 30), 0.1, ("digital watch", "kids watch")),
    L("screen protector", "700719", (1, 10), 0.05, ("screen protector", "tempered glass")),
    L("fabric", "540752", (5, 50), 1.0, ("polyester fabric", "fabric roll")),
    L("vitamins", "210690", (8, 40), 0.3, ("vitamins", "dietary supplement")),
    L("tea", "090210", (5, 50), 0.3, ("green tea", "tea leaves")),
    L("sunglasses", "900410", (3, 25), 0.05, ("sunglasses", "eyewear")),
    L("garden tools", "820140", (5, 40), 1.0, ("garden tools", "pruning shears")),
    L("drone parts", "880730", (10, 120), 0.3, ("drone parts", "propellers")),
    L("auto parts", "870899", (10, 200), 1.5, ("auto parts", "brake pads", "filters")),
    L("machine parts", "848180", (10, 300), 1.2, ("valves", "machine parts")),
    L("electronics", "851769", (20, 150), 0.4, ("wifi router", "network device")),
)
GOUGING: tuple[LineSpec, ...] = (
    L("face masks", "630790", (8, 20), 0.3, ("KN95 face masks", "N95 masks", "protective masks")),
    L("hand sanitiser", "380894", (3, 10), 0.6, ("hand sanitizer", "alcohol gel")),
    L("test kits", "382219", (10, 25), 0.2, ("COVID-19 antigen test kits", "rapid test kits")),
    L("thermometers", "902519", (15, 40), 0.15, ("infrared thermometer", "forehead thermometer")),
)
GENERIC_MISDESCRIPTIONS = (
    "gift",
    "accessories",
    "sample",
    "goods",
    "personal effects",
    "daily necessities",
    "fashion accessories",
    "gift box",
    "samples no commercial value",
    "spare parts",
    "plastic products",
)
NOTES_SEIZED = (
    "labels misspelled",
    "poor stitching",
    "no serial number",
    "packaging inconsistent with genuine",
    "logo misaligned",
    "hologram missing",
    "rights holder confirmed counterfeit",
    "fake certificate of authenticity",
    "",
)
NOTES_CLEARED = ("", "", "", "matches declaration", "genuine, invoice verified")
NOTES_OTHER = (
    "undervalued, invoice mismatch",
    "prohibited item",
    "missing documentation",
    "quantity exceeds declaration",
    "price gouging referral",
)

_PREFIXES = (
    "Aur",
    "Vel",
    "Cast",
    "Mor",
    "Lun",
    "Sol",
    "Ver",
    "Nov",
    "Zen",
    "Kal",
    "Bel",
    "Tor",
    "Ard",
    "Fen",
    "Lyr",
    "Cor",
    "Dav",
    "Ors",
    "Quin",
    "Sab",
    "Tem",
    "Val",
    "Xan",
    "Mar",
    "Ren",
    "Sil",
    "Ast",
    "Bram",
    "Cel",
    "Dor",
    "Esk",
    "Gal",
    "Hal",
    "Jor",
    "Lor",
    "Nyx",
)
_MIDDLES = ("", "a", "e", "i", "o", "ell", "ar", "en", "or", "is", "an", "ov")
_SUFFIXES = (
    "lis",
    "mora",
    "lane",
    "ia",
    "ex",
    "on",
    "ique",
    "ora",
    "ino",
    "etti",
    "ano",
    "ova",
    "eon",
    "ix",
    "oir",
    "ara",
    "ette",
    "us",
    "ent",
    "ier",
    "ello",
    "ana",
)
HOLDER_COUNTRIES = (
    ("US", "Inc.", 0.3),
    ("FR", "S.A.", 0.15),
    ("IT", "S.p.A.", 0.15),
    ("CH", "AG", 0.1),
    ("DE", "AG", 0.08),
    ("GB", "plc", 0.08),
    ("JP", "Co., Ltd.", 0.06),
    ("KR", "Co., Ltd.", 0.04),
    ("ES", "S.A.", 0.04),
)


def brand_names(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct invented, pronounceable brand names (no real marks)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = rng.choice(_PREFIXES) + rng.choice(_MIDDLES) + rng.choice(_SUFFIXES)
        if name.lower() not in seen and 5 <= len(name) <= 11:
            seen.add(name.lower())
            names.append(name)
    return names


@cache
def hts_suffix(hs6: str, pick: int) -> str:
    """A US statistical suffix that extends an HS6 to HTS10 (stable per code)."""
    options = ("0000", "1000", "2000", "4000", "6000", "9000", "0010", "0090")
    base = sum(ord(c) * (i + 1) for i, c in enumerate(hs6))
    return options[(base + pick % 2) % len(options)]
