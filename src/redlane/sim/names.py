"""Person and company names as structured parts, and the ways one name gets written down.

A name is kept as parts (given/family, company core words split into syllables, legal form,
native script) so that realistic variants can be rendered from it: pinyin joined, camel-cased or
spaced ("Huaxin", "HuaXin", "Hua Xin"), Chinese characters vs pinyin, Cyrillic vs two Latin
transliterations, family name first, legal-form spellings (Co., Ltd. / CO.,LTD / Company
Limited), Turkish letters folded to ASCII, plus case, punctuation and typos from ``noise``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import import_module
from typing import Any

from anyascii import anyascii

from redlane.sim.lexicon import (
    CN_CITIES,
    CN_FORWARDING,
    CN_INDUSTRIES,
    CN_TRADE_CHARS,
    COUNTRY_FORM,
    FORMS,
    FORWARDING_WORDS,
    HK_GIVEN,
    HK_SURNAMES,
    KR_SURNAMES,
    LATIN_CORES,
    LATIN_TRADE,
    PERSON_LOCALE,
    PREFIX_FORMS,
    RU_ALT,
    RU_WORDS,
    TR_SECTORS,
)
from redlane.sim.noise import case_change, maybe, squeeze, strip_punctuation, typo


@dataclass(frozen=True)
class Name:
    """A name as parts. Persons: ``words`` is (given, family); companies: the core words."""

    kind: str  # "person" | "company"
    style: str  # "cn" | "ru" | "kr" | "tr" | "latin"
    words: tuple[tuple[str, ...], ...]
    native: tuple[str, ...] = ()
    form: str = ""
    # Leading words a writer may drop (a Chinese company's city prefix).
    droppable: int = 0

    @cached_property
    def canonical(self) -> str:
        # Rendered once: the truth tables ask for it of every identity, some several times.
        return render(self)


def _syllables(text: str) -> tuple[str, ...]:
    return tuple(anyascii(ch).capitalize() for ch in text if ch.strip())


def _join(sylls: tuple[str, ...], mode: str) -> str:
    if mode == "camel":
        return "".join(sylls)
    if mode == "spaced":
        return " ".join(sylls)
    return sylls[0] + "".join(s.lower() for s in sylls[1:])


def translit_ru(text: str, alt: bool = False) -> str:
    if not alt:
        return anyascii(text).replace("'", "")
    out, i = [], 0
    low = text.lower()
    while i < len(text):
        pair = low[i : i + 2]
        if pair in RU_ALT:
            out.append(RU_ALT[pair])
            i += 2
            continue
        rep = RU_ALT.get(low[i])
        piece = rep if rep is not None else anyascii(text[i]).replace("'", "").lower()
        out.append(piece.capitalize() if text[i].isupper() else piece)
        i += 1
    return "".join(out)


def render(
    name: Name,
    *,
    mode: str = "joined",
    family_first: bool | None = None,
    form_index: int = 0,
    drop: int = 0,
    native: bool = False,
    alt: bool = False,
) -> str:
    """One written form of ``name``; defaults give the canonical form."""
    if name.kind == "person":
        given, family = (
            name.native
            if native and name.native
            else tuple(_latin_word(name, w, i, mode, alt) for i, w in enumerate(name.words))
        )
        first = name.style in ("cn", "kr") if family_first is None else family_first
        if native and name.style in ("cn", "kr"):
            return family + given
        return f"{family} {given}" if first else f"{given} {family}"
    if native and name.native:
        core = name.native[0]
        if name.form == "ooo":
            return f"ООО «{core}»"
        return core + "有限公司" if name.form in ("co_ltd", "limited") else core
    words = [_latin_word(name, w, i, mode, alt) for i, w in enumerate(name.words)][drop:]
    form = FORMS[name.form][form_index] if name.form else ""
    core = " ".join(words)
    if form in PREFIX_FORMS:
        return f"{form} {core}"
    return f"{core} {form}".strip()


def _latin_word(name: Name, word: tuple[str, ...], index: int, mode: str, alt: bool) -> str:
    if name.style == "ru" and name.native:
        source = name.native[index] if name.kind == "person" else name.native[0].split()[index]
        return translit_ru(source, alt)
    return _join(word, mode) if len(word) > 1 else word[0]


def variant(name: Name, rng: random.Random) -> str:
    """A noisy written form: one or two structural changes, then maybe case/punctuation/typo."""
    ops = ["case", "punct", "typo"]
    multi = any(len(w) > 1 for w in name.words)
    if name.kind == "company" and name.form:
        ops += ["form", "form"]
    if multi:
        ops += ["mode", "mode"]
    if name.native:
        ops.append("native")
    if name.kind == "person":
        ops += ["order", "comma"]
    if name.droppable:
        ops.append("drop")
    if name.style == "ru":
        ops.append("alt")
    if name.style == "tr":
        ops.append("fold")
    chosen = rng.sample(ops, k=min(len(ops), 1 + int(maybe(rng, 0.35))))
    kw: dict[str, Any] = {}
    if "mode" in chosen:
        kw["mode"] = rng.choice(("camel", "spaced"))
    if "form" in chosen:
        kw["form_index"] = rng.randrange(1, len(FORMS[name.form]))
    if "native" in chosen:
        kw["native"] = True
    if "order" in chosen and "comma" not in chosen:
        kw["family_first"] = name.style not in ("cn", "kr")
    if "drop" in chosen:
        kw["drop"] = name.droppable
    if "alt" in chosen:
        kw["alt"] = True
    text = render(name, **kw)
    if "comma" in chosen and name.kind == "person" and not kw.get("native"):
        parts = text.split(" ", 1)
        first_is_family = name.style in ("cn", "kr")
        if len(parts) == 2:
            family, given = (parts[0], parts[1]) if first_is_family else (parts[1], parts[0])
            text = f"{family.upper()}, {given}"
    if "fold" in chosen:
        text = anyascii(text)
    if "case" in chosen:
        text = case_change(text, rng)
    if "punct" in chosen:
        text = strip_punctuation(text)
    if "typo" in chosen and not kw.get("native"):
        text = typo(text, rng)
    return squeeze(text)


@cache
def _faker_list(locale: str, attr: str) -> tuple[tuple[str, ...], tuple[float, ...] | None]:
    provider = import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attr)
    if isinstance(values, dict):
        return tuple(values), tuple(float(w) for w in values.values())
    return tuple(values), None


def pick_faker(locale: str, attr: str, rng: random.Random) -> str:
    values, weights = _faker_list(locale, attr)
    if weights is None:
        return rng.choice(values)
    return rng.choices(values, weights=weights)[0]


def person_name(country: str, rng: random.Random) -> Name:
    if country == "CN":
        family = pick_faker("zh_CN", "last_names", rng)
        given = pick_faker("zh_CN", "first_names", rng)
        return Name("person", "cn", (_syllables(given), _syllables(family)), (given, family))
    if country == "HK":
        if maybe(rng, 0.5):
            _, family = rng.choice(HK_SURNAMES)
            return Name("person", "cn", (tuple(rng.choice(HK_GIVEN).split()), (family,)))
    if country == "KR":
        family = pick_faker("ko_KR", "last_names", rng)
        given = pick_faker("ko_KR", "first_names", rng)
        latin_family = KR_SURNAMES.get(family) or anyascii(family)
        return Name("person", "kr", (_syllables(given), (latin_family,)), (given, family))
    if country == "RU":
        sex = "male" if maybe(rng, 0.6) else "female"
        given = pick_faker("ru_RU", f"first_names_{sex}", rng)
        family = pick_faker("ru_RU", f"last_names_{sex}", rng)
        return Name(
            "person", "ru", ((translit_ru(given),), (translit_ru(family),)), (given, family)
        )
    locale = PERSON_LOCALE.get(country, "en_US")
    given = pick_faker(locale, "first_names", rng)
    family = pick_faker(locale, "last_names", rng)
    if country == "HK":
        family = rng.choice(HK_SURNAMES)[1]
    style = "tr" if country == "TR" else "latin"
    return Name("person", style, ((given,), (family,)))


def company_name(
    country: str,
    rng: random.Random,
    industry: int | None = None,
    industries: tuple[tuple[str, str], ...] = CN_INDUSTRIES,
) -> Name:
    form = COUNTRY_FORM.get(country, "co_ltd")
    if country in ("CN", "HK"):
        trade = "".join(rng.sample(CN_TRADE_CHARS, 2))
        han_ind, eng_ind = industries[
            industry if industry is not None else rng.randrange(len(industries))
        ]
        words: list[tuple[str, ...]] = [_syllables(trade)]
        words += [(w,) for w in eng_ind.split()]
        prefix = ""
        drop = 0
        if country == "CN" and maybe(rng, 0.7):
            prefix, city = rng.choice(CN_CITIES)
            words.insert(0, city)
            drop = 1
        elif country == "HK" and maybe(rng, 0.3):
            words.append(("(HK)",))
        native = (("香港" if country == "HK" else prefix) + trade + han_ind,)
        return Name("company", "cn", tuple(words), native, form, drop)
    if country == "RU":
        core = " ".join(rng.sample(RU_WORDS, 1 + int(maybe(rng, 0.5))))
        latin = tuple((translit_ru(w),) for w in core.split())
        return Name("company", "ru", latin, (core,), form)
    if country == "TR":
        family = pick_faker("tr_TR", "last_names", rng)
        return Name("company", "tr", ((family,), (rng.choice(TR_SECTORS),)), (), form)
    cores = LATIN_CORES.get(country)
    if cores is not None:
        head: tuple[tuple[str, ...], ...] = tuple((w,) for w in rng.choice(cores).split())
    else:
        locale = PERSON_LOCALE.get(country, "en_US")
        head = ((pick_faker(locale, "last_names", rng),),)
        if maybe(rng, 0.2):
            head += (("&",), (pick_faker(locale, "last_names", rng),))
    trade = rng.choice(LATIN_TRADE.get(country, LATIN_TRADE["US"]))
    if country == "US" and maybe(rng, 0.3):
        form = "inc"
    return Name("company", "latin", head + tuple((w,) for w in trade.split()), (), form)


def forwarder_name(country: str, rng: random.Random) -> Name:
    """A freight forwarder's company name: a Chinese or Hong Kong one like any other company's
    but in logistics; elsewhere a family name or trade core and a logistics word."""
    if country in ("CN", "HK"):
        return company_name(country, rng, industries=CN_FORWARDING)
    form = COUNTRY_FORM.get(country, "co_ltd")
    word = tuple((w,) for w in rng.choice(FORWARDING_WORDS.get(country, ("Logistics",))).split())
    if country == "TR":
        return Name("company", "tr", ((pick_faker("tr_TR", "last_names", rng),), *word), (), form)
    cores = LATIN_CORES.get(country)
    head: tuple[tuple[str, ...], ...] = (
        tuple((w,) for w in rng.choice(cores).split())
        if cores is not None
        else ((pick_faker(PERSON_LOCALE.get(country, "en_US"), "last_names", rng),),)
    )
    return Name("company", "latin", head + word, (), form)


def common_person(country: str, family: str, given: str) -> Name:
    """A person with one of the country's most common names (``COMMON_PERSONS``), built as
    ``person_name`` builds that country's names so that it is written the same ways."""
    if country == "CN":
        return Name("person", "cn", (_syllables(given), _syllables(family)), (given, family))
    if country == "HK":
        return Name("person", "cn", (tuple(given.split()), (family,)))
    if country == "VN":  # family name first, the given name kept as written ("Van Anh")
        return Name("person", "cn", ((given,), (family,)))
    if country == "KR":
        latin_family = KR_SURNAMES.get(family) or anyascii(family)
        return Name("person", "kr", (_syllables(given), (latin_family,)), (given, family))
    if country == "RU":
        return Name(
            "person", "ru", ((translit_ru(given),), (translit_ru(family),)), (given, family)
        )
    return Name("person", "tr" if country == "TR" else "latin", ((given,), (family,)))


def name_variants(name: Name, rng: random.Random, n: int) -> list[str]:
    """The canonical form first, then ``n - 1`` noisy forms."""
    return [name.canonical] + [variant(name, rng) for _ in range(n - 1)]


def initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w and w[0].isalpha()).upper()
