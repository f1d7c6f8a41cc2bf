"""Postal addresses by country, and how the same address gets abbreviated and mangled.

Addresses are written in full once (canonical) and then abbreviated word by word the way forms
and clerks do (Road/Rd, Building/Bldg, Room/Rm, Caddesi/Cad., Straße/Str.), with postcodes or
districts dropped, case changed and typos. Shared forwarding warehouses and US reshippers are
ordinary addresses used by many unrelated actors: the confounder address matching must survive.
"""

from __future__ import annotations

import random
import re
from typing import TypeVar

from redlane.sim.noise import case_change, maybe, squeeze, strip_punctuation, typo

_T = TypeVar("_T")

CN_CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "Shenzhen",
        "Guangdong",
        "518",
        ("Futian", "Luohu", "Nanshan", "Bao'an", "Longgang", "Longhua"),
    ),
    ("Guangzhou", "Guangdong", "510", ("Tianhe", "Baiyun", "Yuexiu", "Haizhu", "Panyu")),
    ("Dongguan", "Guangdong", "523", ("Humen", "Chang'an", "Houjie", "Nancheng")),
    ("Yiwu", "Zhejiang", "322", ("Choucheng", "Beiyuan", "Jiangdong")),
    ("Ningbo", "Zhejiang", "315", ("Yinzhou", "Haishu", "Beilun")),
    ("Xiamen", "Fujian", "361", ("Siming", "Huli")),
    ("Putian", "Fujian", "351", ("Licheng", "Hanjiang")),
    ("Quanzhou", "Fujian", "362", ("Jinjiang", "Fengze")),
    ("Hangzhou", "Zhejiang", "310", ("Xihu", "Binjiang", "Yuhang")),
    ("Shanghai", "Shanghai", "200", ("Pudong", "Minhang", "Jing'an")),
)
CN_STREETS = (
    "Shennan",
    "Huaqiang North",
    "Bao'an",
    "Jiefang",
    "Zhongshan",
    "Renmin",
    "Jianshe",
    "Xinhua",
    "Binhe",
    "Huangpu",
    "Gongye",
    "Chuangye",
    "Keji",
    "Xingye",
    "Jinxiu",
    "Fuqiang",
    "Dongmen",
    "Nanjing",
    "Changjiang",
    "Yingbin",
)
HK_AREAS = (
    ("Kwun Tong", "Kowloon"),
    ("Tsim Sha Tsui", "Kowloon"),
    ("Mong Kok", "Kowloon"),
    ("Sheung Wan", "Hong Kong"),
    ("Wan Chai", "Hong Kong"),
    ("Kwai Chung", "New Territories"),
    ("Tsuen Wan", "New Territories"),
)
HK_STREETS = (
    "Hung To Road",
    "Nathan Road",
    "Des Voeux Road Central",
    "Hennessy Road",
    "Castle Peak Road",
    "Kwai Chung Road",
    "Canton Road",
    "Queen's Road Central",
    "How Ming Street",
    "Hoi Bun Road",
)
HK_BUILDINGS = (
    "Wing Fat",
    "Kai Tak",
    "Tak Fung",
    "Fook Hing",
    "Lucky",
    "Golden",
    "Prosperity",
    "Mai Hing",
    "Tins",
    "Kwun Tong",
)
US_CITIES: tuple[tuple[str, str, str], ...] = (
    ("New York", "NY", "100"),
    ("Brooklyn", "NY", "112"),
    ("Los Angeles", "CA", "900"),
    ("Chicago", "IL", "606"),
    ("Houston", "TX", "770"),
    ("Phoenix", "AZ", "850"),
    ("Philadelphia", "PA", "191"),
    ("San Antonio", "TX", "782"),
    ("San Diego", "CA", "921"),
    ("Dallas", "TX", "752"),
    ("San Jose", "CA", "951"),
    ("Austin", "TX", "787"),
    ("Jacksonville", "FL", "322"),
    ("Columbus", "OH", "432"),
    ("Charlotte", "NC", "282"),
    ("Indianapolis", "IN", "462"),
    ("Seattle", "WA", "981"),
    ("Denver", "CO", "802"),
    ("Boston", "MA", "021"),
    ("Nashville", "TN", "372"),
    ("Portland", "OR", "972"),
    ("Las Vegas", "NV", "891"),
    ("Detroit", "MI", "482"),
    ("Atlanta", "GA", "303"),
    ("Miami", "FL", "331"),
    ("Minneapolis", "MN", "554"),
    ("Tampa", "FL", "336"),
    ("Springfield", "IL", "627"),
    ("Edison", "NJ", "088"),
    ("Orlando", "FL", "328"),
    ("Sacramento", "CA", "958"),
    ("Kansas City", "MO", "641"),
    ("Raleigh", "NC", "276"),
    ("Omaha", "NE", "681"),
    ("Tucson", "AZ", "857"),
    ("Fresno", "CA", "937"),
    ("Albuquerque", "NM", "871"),
    ("Louisville", "KY", "402"),
    ("Milwaukee", "WI", "532"),
    ("Baltimore", "MD", "212"),
)
US_STREETS = (
    "Oak",
    "Maple",
    "Main",
    "Washington",
    "Park",
    "Elm",
    "Pine",
    "Cedar",
    "Lake",
    "Hill",
    "Sunset",
    "Lincoln",
    "Jackson",
    "Highland",
    "Church",
    "Walnut",
    "Center",
    "Franklin",
    "Willow",
    "Meadow",
    "Ridge",
    "Spring",
    "River",
    "Chestnut",
    "Madison",
    "Adams",
    "Forest",
    "Jefferson",
    "Cherry",
    "Mill",
    "Valley",
    "Broad",
    "Market",
)
US_SUFFIXES = ("Street", "Avenue", "Road", "Drive", "Lane", "Boulevard", "Court", "Place", "Way")
OTHER_PLACES: dict[str, tuple[tuple[str, str], ...]] = {
    "GB": (
        ("London", "E1 6AN"),
        ("Manchester", "M1 2AB"),
        ("Birmingham", "B5 4BU"),
        ("Leeds", "LS1 4DT"),
    ),
    "DE": (
        ("Berlin", "10115"),
        ("Hamburg", "20095"),
        ("Frankfurt am Main", "60311"),
        ("Düsseldorf", "40210"),
    ),
    "TR": (("İstanbul", "34169"), ("İzmir", "35210"), ("Bursa", "16010"), ("Ankara", "06420")),
    "RU": (("Moskva", "101000"), ("Sankt-Peterburg", "190000"), ("Novosibirsk", "630099")),
    "IT": (("Milano", "20121"), ("Napoli", "80133"), ("Firenze", "50123"), ("Prato", "59100")),
    "IN": (
        ("Mumbai", "400069"),
        ("New Delhi", "110020"),
        ("Surat", "395003"),
        ("Tiruppur", "641601"),
    ),
    "KR": (("Seoul", "06234"), ("Busan", "48058"), ("Incheon", "22001")),
    "VN": (("Ho Chi Minh City", "700000"), ("Hanoi", "100000"), ("Hai Phong", "180000")),
}
OTHER_STREETS: dict[str, tuple[str, ...]] = {
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gartenstraße", "Lindenstraße"),
    "TR": ("Atatürk Caddesi", "Cumhuriyet Caddesi", "Fatih Sokak", "Merter Sokak", "İnönü Caddesi"),
    "RU": ("ulitsa Lenina", "ulitsa Sadovaya", "prospekt Mira", "ulitsa Tverskaya"),
    "IT": ("Via Roma", "Via Garibaldi", "Via Milano", "Corso Italia", "Via Dante"),
    "IN": ("MG Road", "Station Road", "Ring Road", "Nehru Street"),
    "KR": ("Teheran-ro", "Gangnam-daero", "Sejong-daero", "Dongho-ro"),
    "VN": ("Le Loi Street", "Nguyen Hue Street", "Tran Hung Dao Street", "Hai Ba Trung Street"),
}
COUNTRY_NAMES = {
    "CN": ("China", "P.R. China", "PRC", "CN"),
    "HK": ("Hong Kong", "HK", "HKSAR"),
    "US": ("USA", "US", "United States"),
}
# Full word -> the abbreviations writers use for it.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Road": ("Rd", "Rd."),
    "Street": ("St", "St."),
    "Avenue": ("Ave", "Av."),
    "Boulevard": ("Blvd",),
    "Drive": ("Dr",),
    "Lane": ("Ln",),
    "Court": ("Ct",),
    "Place": ("Pl",),
    "Building": ("Bldg", "Bldg."),
    "Room": ("Rm", "Rm."),
    "Floor": ("F", "Fl."),
    "Block": ("Blk", "Blk."),
    "District": ("Dist.", "Qu"),
    "Industrial": ("Ind.", "Indust."),
    "North": ("N.", "N"),
    "Central": ("C.", "Ctrl"),
    "Apartment": ("Apt", "Apt.", "#"),
    "Suite": ("Ste", "#"),
    "Number": ("No.",),
    "Caddesi": ("Cad.", "Cd."),
    "Sokak": ("Sok.", "Sk."),
    "Mahallesi": ("Mah.", "Mh."),
    "ulitsa": ("ul.",),
    "prospekt": ("pr-t", "pr."),
    "Kowloon": ("Kln", "KLN"),
    "Territories": ("Terr.",),
    "Centre": ("Ctr",),
    "Flat": ("Flt",),
}
_WORD = re.compile(r"[A-Za-zÀ-ÿİıŞşĞğ']+")


def cn_address(
    rng: random.Random,
    street_rng: random.Random | None = None,
    city: int | None = None,
    number: int | None = None,
) -> str:
    # ``street_rng`` draws the street-level parts (city, street, district, postcode) and ``rng``
    # the house-level ones (room, block, building, number): two neighbours share the first. By
    # default one stream draws both, in the order it always has.
    s = street_rng or rng
    city_name, province, post, districts = _at(CN_CITIES, s.choice(CN_CITIES), city)
    unit = f"Room {rng.randint(1, 28)}{rng.randint(1, 20):02d}"
    block = f", Block {rng.choice('ABCDE')}" if maybe(rng, 0.5) else ""
    bldg = ""
    if maybe(rng, 0.5):
        bldg = f", {rng.choice(CN_STREETS).split()[0]} Industrial Building"
    n = rng.randint(1, 399)
    street = f"{number or n} {s.choice(CN_STREETS)} Road"
    district = s.choice(districts)
    return (
        f"{unit}{block}{bldg}, {street}, {district} District, {city_name}, {province} "
        f"{post}{s.randint(0, 999):03d}"
    )


def hk_address(
    rng: random.Random,
    street_rng: random.Random | None = None,
    city: int | None = None,
    number: int | None = None,
) -> str:
    s = street_rng or rng
    area, region = _at(HK_AREAS, s.choice(HK_AREAS), city)
    flat = f"Flat {rng.choice('ABCDEFGH')}, {rng.randint(1, 30)}/F"
    bldg = f"{rng.choice(HK_BUILDINGS)} {rng.choice(('Industrial Building', 'Centre', 'Building'))}"
    n = rng.randint(1, 200)
    return f"{flat}, {bldg}, {number or n} {s.choice(HK_STREETS)}, {area}, {region}"


def us_address(rng: random.Random, business: bool = False) -> str:
    city, state, zip3 = rng.choice(US_CITIES)
    number = rng.randint(1, 9999)
    street = f"{rng.choice(US_STREETS)} {rng.choice(US_SUFFIXES)}"
    unit = ""
    if business and maybe(rng, 0.5):
        unit = f", Suite {rng.randint(100, 900)}"
    elif not business and maybe(rng, 0.3):
        unit = f", Apartment {rng.randint(1, 40)}{rng.choice(('', 'A', 'B', 'C'))}"
    return f"{number} {street}{unit}, {city}, {state} {zip3}{rng.randint(0, 99):02d}"


def other_address(
    country: str,
    rng: random.Random,
    street_rng: random.Random | None = None,
    city: int | None = None,
    number: int | None = None,
) -> str:
    s = street_rng or rng
    places = OTHER_PLACES[country]
    city_name, post = _at(places, s.choice(places), city)
    street = s.choice(OTHER_STREETS[country])
    n = rng.randint(1, 180)
    n = number or n
    if country in ("DE", "IT"):
        return f"{street} {n}, {post} {city_name}"
    if country == "TR":
        return (
            f"{s.choice(('Merter', 'Osmanbey', 'Laleli', 'Zeytinburnu'))} Mahallesi, "
            f"{street} No: {n}, {post} {city_name}"
        )
    if country == "RU":
        return f"{street}, {n}, office {rng.randint(1, 60)}, {city_name} {post}"
    return f"{n} {street}, {city_name} {post}"


def address(
    country: str,
    rng: random.Random,
    business: bool = True,
    *,
    street_rng: random.Random | None = None,
    city: int | None = None,
    number: int | None = None,
) -> str:
    """A canonical address. The keywords place people on one street (``street_rng`` shared,
    ``number`` different) or in a given city (``city``, an index into ``cities(country)``)."""
    if country == "CN":
        return cn_address(rng, street_rng, city, number)
    if country == "HK":
        return hk_address(rng, street_rng, city, number)
    if country == "US":
        return us_address(rng, business)
    return other_address(country, rng, street_rng, city, number)


def cities(country: str) -> int:
    """How many cities (areas in Hong Kong) ``address`` draws from for ``country``."""
    if country == "CN":
        return len(CN_CITIES)
    if country == "HK":
        return len(HK_AREAS)
    if country == "US":
        return len(US_CITIES)
    return len(OTHER_PLACES[country])


def _at(table: tuple[_T, ...], drawn: _T, index: int | None) -> _T:
    # The draw is made either way, so forcing a city leaves the rest of the stream as it was.
    return drawn if index is None else table[index % len(table)]


def abbreviate(text: str, rng: random.Random, p: float = 0.7) -> str:
    def repl(m: re.Match[str]) -> str:
        options = ABBREVIATIONS.get(m.group(0))
        return rng.choice(options) if options and maybe(rng, p) else m.group(0)

    if "straße" in text and maybe(rng, p):
        text = text.replace("straße", rng.choice(("str.", "strasse", "str")))
    return _WORD.sub(repl, text)


def address_variant(text: str, country: str, rng: random.Random) -> str:
    """A differently written form of the same address."""
    out = abbreviate(text, rng)
    r = rng.random()
    if (
        r < 0.15 and out.count(",") >= 3
    ):  # drop the last component (postcode/region) or the district
        parts = [p.strip() for p in out.split(",")]
        drop = len(parts) - 1 if maybe(rng, 0.5) else rng.randrange(1, len(parts))
        out = ", ".join(p for i, p in enumerate(parts) if i != drop)
    elif r < 0.3 and country in COUNTRY_NAMES:
        name = rng.choice(COUNTRY_NAMES[country])
        if not out.lower().endswith(name.lower()):
            out = f"{out}, {name}"
    elif r < 0.4:
        out = out.replace(",", "")
    if maybe(rng, 0.2):
        out = case_change(out, rng)
    if maybe(rng, 0.1):
        out = strip_punctuation(out)
    if maybe(rng, 0.15):
        out = typo(out, rng)
    return squeeze(out)
