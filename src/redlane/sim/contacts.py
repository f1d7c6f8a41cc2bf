"""Phones, emails, bank accounts, devices, IPs and social handles, and how each gets written.

The same phone turns up as +86 138 0013 8000, 008613800138000 or 138-0013-8000; the same
mailbox as Wei.Zhang+shop2@gmail.com; the same IBAN with or without spaces. These identifiers
are what ties ring members together, so their variants must stay resolvable (same digits, same
mailbox) while not being byte-equal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from redlane.sim.names import Name, initials, render
from redlane.sim.noise import maybe, slug

CALLING_CODES = {
    "CN": "86",
    "US": "1",
    "HK": "852",
    "GB": "44",
    "DE": "49",
    "TR": "90",
    "RU": "7",
    "IT": "39",
    "IN": "91",
    "KR": "82",
    "VN": "84",
}
_MOBILE_HEAD = {
    "CN": ("13", "15", "18", "17", "19"),
    "HK": ("5", "6", "9"),
    "GB": ("7",),
    "DE": ("151", "160", "176"),
    "TR": ("53", "54", "55"),
    "RU": ("9",),
    "IT": ("3",),
    "IN": ("9", "8", "7"),
    "KR": ("10",),
    "VN": ("9", "8"),
}
_LENGTH = {
    "CN": 11,
    "HK": 8,
    "GB": 10,
    "DE": 11,
    "TR": 10,
    "RU": 10,
    "IT": 10,
    "IN": 10,
    "KR": 10,
    "VN": 9,
    "US": 10,
}
FREE_MAIL = {
    "CN": ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com"),
    "HK": ("gmail.com", "yahoo.com.hk", "outlook.com", "hotmail.com"),
    "RU": ("yandex.ru", "mail.ru", "gmail.com"),
    "default": ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com"),
}
_ALIAS_DOMAINS = frozenset({"gmail.com", "outlook.com", "icloud.com", "hotmail.com"})
_IP_HEADS = {
    "CN": (
        1,
        14,
        27,
        36,
        39,
        42,
        58,
        59,
        60,
        61,
        101,
        110,
        113,
        116,
        119,
        120,
        123,
        180,
        183,
        218,
        221,
        222,
    ),
    "HK": (103, 112, 113, 119, 202, 203),
    "US": (3, 8, 23, 24, 50, 64, 66, 68, 71, 73, 96, 98, 104, 107, 172, 174),
}
HANDLE_HEADS = (
    "lux",
    "luxury",
    "top",
    "best",
    "vip",
    "chic",
    "glam",
    "style",
    "trend",
    "elite",
    "prime",
    "royal",
    "hype",
    "drip",
    "fly",
    "urban",
    "bling",
    "mega",
    "super",
)
HANDLE_TAILS = (
    "deals",
    "outlet",
    "store",
    "shop",
    "closet",
    "finds",
    "kicks",
    "bags",
    "watches",
    "beauty",
    "drops",
    "plug",
    "boutique",
    "vault",
    "mall",
    "house",
)
HANDLE_SUFFIXES = ("", "", "_hk", "_official", "88", "168", "2025", "_store", ".shop", "_us", "_cn")


@dataclass(frozen=True)
class Phone:
    cc: str
    national: str
    country: str


def new_phone(country: str, rng: random.Random) -> Phone:
    cc = CALLING_CODES.get(country, "86")
    if country == "US":
        digits = f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    else:
        head = rng.choice(_MOBILE_HEAD.get(country, ("9",)))
        rest = _LENGTH.get(country, 10) - len(head)
        digits = head + "".join(rng.choice("0123456789") for _ in range(rest))
    return Phone(cc, digits, country)


def phone_text(phone: Phone, style: int) -> str:
    n, cc = phone.national, phone.cc
    forms: tuple[str, ...]
    if phone.country == "US":
        forms = (
            f"+1 {n[:3]} {n[3:6]} {n[6:]}",
            f"({n[:3]}) {n[3:6]}-{n[6:]}",
            f"{n[:3]}-{n[3:6]}-{n[6:]}",
            n,
            f"+1{n}",
            f"1-{n[:3]}-{n[3:6]}-{n[6:]}",
            f"{n[:3]}.{n[3:6]}.{n[6:]}",
        )
    elif phone.country == "CN":
        forms = (
            f"+86 {n[:3]} {n[3:7]} {n[7:]}",
            f"+86{n}",
            f"0086{n}",
            f"{n[:3]}-{n[3:7]}-{n[7:]}",
            n,
            f"86-{n}",
            f"(+86){n[:3]} {n[3:7]} {n[7:]}",
        )
    elif phone.country == "HK":
        forms = (
            f"+852 {n[:4]} {n[4:]}",
            n,
            f"+852{n}",
            f"00852 {n[:4]} {n[4:]}",
            f"{n[:4]}-{n[4:]}",
            f"(852) {n}",
        )
    else:
        trunk = "8" if phone.country == "RU" else "0"
        forms = (
            f"+{cc} {n[:3]} {n[3:6]} {n[6:]}",
            f"00{cc}{n}",
            f"+{cc}{n}",
            f"{trunk}{n}",
            f"{trunk}{n[:3]} {n[3:]}",
            f"+{cc} ({n[:3]}) {n[3:]}",
        )
    return forms[style % len(forms)]


def phone_variant(phone: Phone, rng: random.Random) -> str:
    text = phone_text(phone, rng.randrange(1, 8))
    if maybe(rng, 0.04):  # a mis-keyed digit
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
        i = rng.choice(digits[len(digits) // 2 :])
        text = text[:i] + rng.choice("0123456789") + text[i + 1 :]
    return text


def _latin_parts(name: Name) -> list[str]:
    text = render(name)
    return [w for w in slug(text).split("-") if w]


def new_email(name: Name, country: str, rng: random.Random) -> str:
    parts = _latin_parts(name)
    free = FREE_MAIL.get(country, FREE_MAIL["default"])
    if name.kind == "person":
        if country == "CN" and maybe(rng, 0.4):
            return f"{rng.randint(10_000_000, 3_999_999_999)}@qq.com"
        given, family = (
            (parts[-1], parts[0]) if name.style in ("cn", "kr") else (parts[0], parts[-1])
        )
        local = rng.choice(
            (
                f"{given}.{family}",
                f"{given}{family}",
                f"{given[0]}{family}",
                f"{family}{given}{rng.randint(1, 99)}",
                f"{given}{rng.randint(70, 2005)}",
            )
        )
        return f"{local}@{rng.choice(free)}"
    core = [
        p
        for p in parts
        if p
        not in (
            "co",
            "ltd",
            "llc",
            "inc",
            "limited",
            "gmbh",
            "ooo",
            "sti",
            "srl",
            "pvt",
            "company",
            "san",
            "ve",
            "tic",
        )
    ]
    word = "".join(core[1:3] if name.droppable and len(core) > 2 else core[:2]) or "trade"
    if maybe(rng, 0.5):
        domain = rng.choice(
            (
                f"{word}.com",
                f"{word}.cn" if country == "CN" else f"{word}.net",
                f"{initials(core)}-{core[-1]}.com".lower(),
            )
        )
        local = rng.choice(("sales", "info", "service", "export", "trade", "contact", "admin"))
        return f"{local}@{domain}"
    return f"{word}{rng.randint(1, 999)}@{rng.choice(free)}"


def email_variant(email: str, rng: random.Random) -> str:
    local, domain = email.split("@", 1)
    r = rng.random()
    if domain in _ALIAS_DOMAINS and r < 0.45:
        local = f"{local}+{rng.choice(('shop', 'store', 'amz', '2', 'orders', 'ship'))}"
    elif domain == "gmail.com" and r < 0.65 and "." not in local and len(local) > 4:
        cut = rng.randrange(2, len(local) - 1)
        local = f"{local[:cut]}.{local[cut:]}"
    elif domain == "gmail.com" and r < 0.7:
        domain = "googlemail.com"
    if maybe(rng, 0.5):
        local = local.capitalize() if maybe(rng, 0.6) else local.upper()
        domain = domain.capitalize() if maybe(rng, 0.3) else domain
    return f"{local}@{domain}"


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def new_bank(country: str, rng: random.Random) -> str:
    """Account identifier without separators (variants add them)."""
    match country:
        case "GB":
            return _iban("GB", "NWBK" + _digits(rng, 14))
        case "DE":
            return _iban("DE", _digits(rng, 18))
        case "TR":
            return _iban("TR", _digits(rng, 5) + "0" + _digits(rng, 16))
        case "IT":
            return _iban("IT", rng.choice("ABCX") + _digits(rng, 22))
        case "US":
            return _digits(rng, 9) + _digits(rng, 10)
        case "RU":
            return "40702810" + _digits(rng, 12)
        case "HK":
            return _digits(rng, 12)
        case "CN":
            return "62" + rng.choice(("22", "28", "17", "14")) + _digits(rng, 15)
        case _:
            return _digits(rng, 14)


def bank_text(account: str, style: int) -> str:
    if style % 3 == 0:
        return account
    sep = " " if style % 3 == 1 else "-"
    if account[:2].isalpha() or len(account) > 16:
        return sep.join(account[i : i + 4] for i in range(0, len(account), 4))
    return sep.join((account[:3], account[3:9], account[9:]))


def new_device(rng: random.Random) -> str:
    return "dev-" + "".join(rng.choice("0123456789abcdef") for _ in range(10))


def new_ip(country: str, rng: random.Random) -> str:
    heads = _IP_HEADS.get(country)
    head = rng.choice(heads) if heads else rng.choice((31, 37, 46, 78, 85, 91, 95, 151, 176, 185))
    return f"{head}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def new_handle(rng: random.Random) -> str:
    return "@" + rng.choice(HANDLE_HEADS) + rng.choice(HANDLE_TAILS) + rng.choice(HANDLE_SUFFIXES)


def handle_variant(handle: str, rng: random.Random) -> str:
    text = handle.lstrip("@") if maybe(rng, 0.5) else handle
    if maybe(rng, 0.3):
        text = text.replace("_", ".")
    if maybe(rng, 0.3):
        text = text.upper() if maybe(rng, 0.3) else text.title()
    return text


def store_name(name: Name, counterfeit: bool, rng: random.Random) -> str:
    if counterfeit and maybe(rng, 0.7):
        head = rng.choice(HANDLE_HEADS).capitalize()
        tail = rng.choice(HANDLE_TAILS).capitalize()
        return rng.choice(
            (
                f"{head}{tail}",
                f"{head} {tail} Outlet",
                f"{head} Brand Factory",
                f"{head}{tail} Store",
                f"{head} {tail} Mall",
            )
        )
    core = [w for w in render(name).split() if w[0].isupper() and w != "OOO"][:2] or ["Global"]
    core_text = " ".join(w.strip(",.") for w in core)
    return rng.choice(
        (f"{core_text} Official Store", f"{core_text} Direct", f"{core_text}Shop", core_text)
    )
