"""Labelled name pairs, generated: hard positives and hard negatives from faker's name lists.

Nothing here comes from a public labelled name-pair benchmark. Bases are drawn from faker's
per-locale given/family-name lists and company-name parts, plus company patterns of the kind
seen on marketplaces (``Shenzhen Lucky Star Trading Co., Ltd.``) and vessel-name patterns.

* positives: the same name written differently — typos, look-alike digits, transliteration,
  word order, joined words, initials, titles, nicknames (rigour's list), middle names, legal
  form swapped or dropped, generic words dropped, vessel prefixes and Roman numerals;
* negatives: different names that look alike — same family name and another given name,
  same given name and another family name, a near-spelled given name (Maria/Mario), another
  middle name, a company that differs by one meaningful word, by its city, or by a number,
  plus random pairs. Negatives get the same formatting noise as positives, so noise alone
  never tells the label.

Each pair carries a ``group`` (its base family name, company or vessel word) and the split is
a hash of the group, so held-out names never appear in training.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from anyascii import anyascii
from faker import Faker

from redlane.names.training.noise import (
    drop_diacritics,
    join_words,
    lookalike,
    render,
    romanize,
    typo,
)

__all__ = ["Pair", "generate", "split_of"]

PERSON_LOCALES = {
    "en_US": 3, "en_GB": 1, "de_DE": 1, "fr_FR": 1, "es_ES": 1, "es_MX": 1, "it_IT": 1,
    "pt_BR": 1, "pl_PL": 1, "nl_NL": 1, "tr_TR": 1, "ru_RU": 2, "uk_UA": 1, "el_GR": 1,
    "zh_CN": 2, "zh_TW": 1, "ko_KR": 1, "vi_VN": 1, "id_ID": 1, "en_IN": 1, "ar_AA": 0.5,
}  # fmt: skip
FAMILY_FIRST = {"zh_CN", "zh_TW", "ko_KR", "vi_VN"}
NO_SPACE = {"zh_CN", "zh_TW", "ko_KR"}
TITLES = ["Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Herr", "Frau", "Sir", "Mr", "Dr"]
# Legal-form spellings by class, for swapping within and across classes.
LEGAL = {
    "llc": ["LLC", "L.L.C.", "Ltd", "Ltd.", "Limited", "Co., Ltd.", "CO.,LTD", "Company Limited",
            "GmbH", "OOO", "ООО", "Ltd. Şti.", "Sp. z o.o.", "S.R.L.", "B.V.", "SARL",
            "Pty Ltd", "Sdn Bhd", "Kft.", "Inc.", "Inc", "Incorporated"],
    "jsc": ["S.A.", "SA", "AG", "PLC", "JSC", "PJSC", "ПАО", "АО", "S.p.A.", "N.V.", "A.Ş."],
    "lp": ["KG", "GmbH & Co. KG", "L.P.", "LP"],
}  # fmt: skip
INDUSTRY = [
    "Trading", "Technology", "Electronics", "Industrial", "International", "Import & Export",
    "Logistics", "Apparel", "Garments", "Sports Goods", "Leather", "Cosmetics", "Watch", "Bags",
    "Footwear", "Textile", "E-Commerce", "Global", "Supply Chain", "Manufacturing", "Holdings",
    "Group", "Enterprises", "Industries", "Commerce", "Digital", "Fashion",
]  # fmt: skip
GENERIC = ["Trading", "International", "Group", "Holdings", "Global", "Enterprises", "Company"]
ABBREVIATIONS = {"International": "Intl", "Company": "Co", "Corporation": "Corp",
                 "Manufacturing": "Mfg", "Industries": "Inds", "Trading": "Trade"}  # fmt: skip
ZH_INDUSTRY = ["科技", "贸易", "电子", "实业", "服饰", "国际贸易", "进出口", "皮具"]
ZH_LEGAL = ["有限公司", "股份有限公司", "有限责任公司"]
VESSEL_PREFIXES = ["MV", "M/V", "MT", "M.V.", "SS", "FV", "MSC"]
STRUCTURED_SHARE = 0.15  # extra pairs per family from training/structured.py


@dataclass(frozen=True)
class Pair:
    schema: str
    name1: str
    name2: str
    label: int
    kind: str
    group: str
    #: where the pair comes from (``generator`` or one of ``training.sources``)
    source: str = "generator"


def split_of(group: str) -> str:
    """``train`` (80 %), ``dev`` (10 %) or ``test`` (10 %), by a stable hash of the group."""
    h = int.from_bytes(hashlib.blake2b(group.encode(), digest_size=4).digest(), "big") % 10
    return "test" if h == 0 else "dev" if h == 1 else "train"


def _group(word: str) -> str:
    return anyascii(word).lower().replace(" ", "")


@cache
def _faker(locale: str, seed: int) -> Any:
    fake = Faker(locale)
    fake.seed_instance(seed * 1_000 + sum(map(ord, locale)))
    return fake


@cache
def _name_list(locale: str, attr: str) -> list[str]:
    """One of faker's per-locale name lists (``first_names``, ``last_names``)."""
    from importlib import import_module

    provider = import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attr, None)
    if values is None:
        values = list(getattr(provider, attr + "_male", ())) + list(
            getattr(provider, attr + "_female", ())
        )
    return sorted({str(v).split()[0] for v in values if str(v).strip()})


@cache
def _nicknames() -> dict[str, list[str]]:
    """Given name → nicknames, from rigour's tagger (its ``NICK`` symbols) over faker's names."""
    from rigour.names import NameTypeTag, analyze_names

    out: dict[str, list[str]] = {}
    for given in _name_list("en_US", "first_names"):
        for name in analyze_names(NameTypeTag.PER, [given], phonetics=False):
            nicks = {s.symbol.id.title() for s in name.spans if s.symbol.category.value == "NICK"}
            nicks.discard(given)
            if nicks:
                out[given] = sorted(nicks)
    return out


@cache
def _name_ids(word: str) -> frozenset[str]:
    from rigour.names import NameTypeTag, analyze_names

    return frozenset(
        span.symbol.id
        for name in analyze_names(NameTypeTag.PER, [word], phonetics=False)
        for span in name.spans
        if span.symbol.category.value == "NAME"
    )


def _gendered(a: str, b: str) -> bool:
    """The two genders' forms of one name: Maria/Mario, Petrov/Petrova, Ivan/Ivana."""
    vowels = "aeiouyаеёиоуыэюяіїє"
    a, b = a.lower(), b.lower()
    return a.rstrip(vowels) == b.rstrip(vowels) and (a[-1:] in "aа") != (b[-1:] in "aа")


def _near(rng: random.Random, word: str, pool: list[str], max_dist: int = 2) -> str | None:
    """Another name of ``pool`` within ``max_dist`` edits of ``word``, and clearly another name:
    the other gender's form (Maria/Mario), or a name starting differently (Hansen/Jansen).
    Same-initial near names that are not gendered forms (Jon/John, Smith/Smyth) are left out:
    whether they are "the same name" is a judgement call, so they get no label at all."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    hits = process.extract(word, pool, scorer=Levenshtein.distance, score_cutoff=max_dist, limit=20)
    close = sorted(
        w
        for w, _, _ in hits
        if w.lower() != word.lower()
        and (
            _gendered(w, word)
            or (w[:1].lower() != word[:1].lower() and not _name_ids(w) & _name_ids(word))
        )
    )
    gendered = [w for w in close if _gendered(w, word)]
    if gendered and rng.random() < 0.5:
        return rng.choice(gendered)
    return rng.choice(close) if close else None


# ---------------------------------------------------------------------------- persons


@dataclass
class _Person:
    locale: str
    given: str
    family: str
    middle: str = ""

    def words(self, family_first: bool | None = None) -> list[str]:
        first = self.locale in FAMILY_FIRST if family_first is None else family_first
        given = [self.given] + ([self.middle] if self.middle else [])
        words = [self.family, *given] if first else [*given, self.family]
        if self.locale in NO_SPACE and first:
            return ["".join(words)]
        return words


def _person(rng: random.Random, seed: int, locale: str | None = None) -> _Person:
    if locale is None:
        locales, weights = zip(*PERSON_LOCALES.items(), strict=True)
        locale = rng.choices(locales, weights)[0]
    fake = _faker(locale, seed)
    female = rng.random() < 0.5
    given = fake.first_name_female() if female else fake.first_name_male()
    family = fake.last_name_female() if female else fake.last_name_male()
    middle = ""
    if locale in ("ru_RU", "uk_UA") and rng.random() < 0.4:
        middle = fake.middle_name_female() if female else fake.middle_name_male()
    elif locale in ("en_US", "en_GB") and rng.random() < 0.2:
        middle = fake.first_name_female() if female else fake.first_name_male()
    return _Person(locale, given.split()[0], family.split()[0], middle.split()[0] if middle else "")


def _person_variant(rng: random.Random, p: _Person) -> tuple[list[str], str]:
    """A positive variant of ``p``: words and the name of the main transformation."""
    latin = not any(ord(c) > 0x24F for c in p.given + p.family)
    kinds = ["typo", "typo2", "lookalike", "order", "initial", "middle", "title", "join"]
    if not latin:
        kinds += ["romanize"] * 6
    if p.given in _nicknames():
        kinds += ["nickname"] * 5
    if not p.given.isascii() or not p.family.isascii():
        kinds += ["diacritics"] * (2 if latin else 0)
    kind = rng.choice(kinds)
    words = p.words()
    if kind == "romanize":
        q = _Person(p.locale, *romanize(rng, [p.given, p.family]), *romanize(rng, [p.middle]))
        words = q.words(family_first=rng.random() < 0.5 if p.locale in FAMILY_FIRST else False)
        if len(words) > 1 and rng.random() < 0.2:
            words = words[::-1]
    elif kind == "order":
        words = [p.family + ",", *p.words(False)[:-1]] if rng.random() < 0.5 else words[::-1]
    elif kind == "initial" and p.given.isalpha():
        words = [p.given[0] + rng.choice([".", ""]), *([p.middle] if p.middle else []), p.family]
    elif kind == "middle":
        if p.middle:
            words = [p.given, p.family] if rng.random() < 0.6 else [p.given, p.middle[0], p.family]
        else:
            other = _person(rng, 1, p.locale).given
            words = [p.given, other if rng.random() < 0.5 else other[0] + ".", p.family]
    elif kind == "title":
        words = [rng.choice(TITLES), *words]
    elif kind == "nickname":
        words = [rng.choice(_nicknames()[p.given]), p.family]
    elif kind == "diacritics":
        words = drop_diacritics(rng, words)
    elif kind == "join":
        words = join_words(rng, words) if len(words) > 1 else typo(rng, words)
    elif kind == "lookalike":
        words = lookalike(rng, words)
    else:
        words = typo(rng, words, 2 if kind == "typo2" else 1)
    if rng.random() < 0.25 and kind not in ("typo", "typo2"):
        words = typo(rng, words)
    return words, kind


def _person_negative(rng: random.Random, p: _Person, seed: int) -> tuple[_Person, str]:
    other = _person(rng, seed + 7, p.locale)
    roll = rng.random()
    if roll < 0.3:
        return _Person(p.locale, other.given, p.family, p.middle), "same_family"
    if roll < 0.5:
        return _Person(p.locale, p.given, other.family, p.middle), "same_given"
    if roll < 0.65:
        near = _near(rng, p.given, _name_list(p.locale, "first_names"))
        if near is not None:
            return _Person(p.locale, near, p.family), "near_given"
    if roll < 0.75:
        near = _near(rng, p.family, _name_list(p.locale, "last_names"))
        if near is not None and len(p.family) >= 5:
            return _Person(p.locale, p.given, near), "near_family"
    if roll < 0.8 and p.middle:
        a, b = _person(rng, seed + 3, "en_US").given, other.given
        return _Person(p.locale, p.given, p.family, b if a == p.middle else a), "middle_differs"
    if roll < 0.88 and p.given[:1].isalpha() and other.given[:1] != p.given[:1]:
        return _Person(p.locale, other.given, p.family), "initial_conflict"
    return other, "random"


def person_pairs(rng: random.Random, seed: int, n: int) -> Iterator[Pair]:
    for _ in range(n):
        p = _person(rng, seed)
        base = render(rng, p.words(), noisy=rng.random() < 0.3)
        group = _group(p.family)
        if rng.random() < 0.5:
            words, kind = _person_variant(rng, p)
            yield Pair("Person", base, render(rng, words), 1, kind, group)
        else:
            q, kind = _person_negative(rng, p, seed)
            if (q.given.lower(), q.family.lower(), q.middle.lower()) == (
                p.given.lower(),
                p.family.lower(),
                p.middle.lower(),
            ) or (kind == "initial_conflict" and q.given[:1] == p.given[:1]):
                continue
            words = q.words()
            native = any(ord(c) > 0x24F for c in q.given + q.family)
            if kind == "initial_conflict":
                base = render(rng, [p.given[0] + rng.choice([".", ""]), p.family])
                if rng.random() < 0.5:
                    words = [q.given[0] + ".", q.family]
            elif native and rng.random() < 0.5:
                words = _Person(q.locale, *romanize(rng, [q.given, q.family])).words(
                    family_first=rng.random() < 0.5 if q.locale in FAMILY_FIRST else False
                )
            elif rng.random() < 0.3:
                words, _ = _person_variant(rng, q)
            if (
                q.family != p.family
                and _group(q.family)
                and split_of(_group(q.family)) != split_of(group)
            ):
                continue
            yield Pair("Person", base, render(rng, words), 0, kind, group)


# ---------------------------------------------------------------------------- companies


@dataclass
class _Company:
    core: list[str]  # distinctive words
    prefix: list[str]  # place
    industry: list[str]
    legal: str
    native: bool = False

    def words(self, legal: str | None = None, prefix: bool = True) -> list[str]:
        form = self.legal if legal is None else legal
        if self.native:
            return ["".join((self.prefix if prefix else []) + self.core + self.industry) + form]
        return (
            (self.prefix if prefix else []) + self.core + self.industry + ([form] if form else [])
        )


def _brand_word(rng: random.Random, seed: int) -> str:
    fake = _faker("en_US", seed)
    roll = rng.random()
    if roll < 0.5:
        return str(fake.word()).title()
    if roll < 0.7:
        return str(fake.color_name())
    return str(_faker(rng.choice(["en_US", "de_DE", "it_IT", "tr_TR"]), seed).last_name())


def _company(rng: random.Random, seed: int) -> _Company:
    roll = rng.random()
    legal_class = rng.choices(list(LEGAL), [6, 3, 1])[0]
    legal = rng.choice(LEGAL[legal_class]) if rng.random() < 0.85 else ""
    if roll < 0.15:  # Chinese, in characters
        fake = _faker("zh_CN", seed)
        city = [str(fake.city_name())] if rng.random() < 0.6 else []
        core = [str(fake.company_prefix()).removesuffix("公司")]
        return _Company(core, city, [rng.choice(ZH_INDUSTRY)], rng.choice(ZH_LEGAL), True)
    core = [_brand_word(rng, seed) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    if rng.random() < 0.1:
        core.append(str(rng.randint(1, 999)))
    prefix: list[str] = []
    if rng.random() < 0.35:
        prefix = [anyascii(_faker("zh_CN", seed).city_name())]
    industry = rng.sample(INDUSTRY, rng.choice([0, 1, 1, 2]))
    words = " ".join(industry).split()
    return _Company(core, prefix, words, legal)


def _company_variant(rng: random.Random, c: _Company) -> tuple[list[str], str]:
    if c.native:
        kind = rng.choice(["romanize", "romanize", "legal", "drop_city"])
        if kind == "romanize":
            core = romanize(rng, c.prefix + c.core)
            words = [" ".join(core) if rng.random() < 0.5 else "".join(core)]
            industry = romanize(rng, c.industry) if rng.random() < 0.5 else [rng.choice(INDUSTRY)]
            legal = rng.choice(["Co., Ltd.", "Co., Ltd", "Limited", "Company Limited", "Ltd"])
            return words + industry + [legal], kind
        if kind == "legal":
            return c.words(legal=rng.choice(ZH_LEGAL + [""])), kind
        return c.words(prefix=False), kind
    kinds = ["legal_swap", "legal_swap", "legal_drop", "typo", "lookalike", "join", "generic",
             "abbreviation", "the", "case"]  # fmt: skip
    if c.prefix:
        kinds += ["drop_city", "city_suffix"]
    if c.native is False and any(not w.isascii() for w in c.words()):
        kinds.append("diacritics")
    kind = rng.choice(kinds)
    words = c.words()
    if kind == "legal_swap":
        words = c.words(legal=rng.choice(LEGAL[rng.choice(list(LEGAL))]))
    elif kind == "legal_drop":
        words = c.words(legal="" if c.legal else rng.choice(LEGAL["llc"]))
    elif kind == "typo":
        words = c.words(legal="") + [c.legal]
        words[: len(c.prefix) + len(c.core)] = typo(rng, words[: len(c.prefix) + len(c.core)])
    elif kind == "lookalike":
        words = lookalike(rng, c.core) + c.industry + [c.legal]
    elif kind == "join":
        words = c.prefix + join_words(rng, c.core + c.industry) + [c.legal]
    elif kind == "generic":
        extra = [w for w in GENERIC if w not in c.industry]
        industry = [w for w in c.industry if w not in GENERIC] if rng.random() < 0.5 else (
            c.industry + [rng.choice(extra)])  # fmt: skip
        words = c.prefix + c.core + industry + [c.legal]
    elif kind == "abbreviation":
        words = [ABBREVIATIONS.get(w, w) for w in c.words(legal=c.legal or "Company")]
    elif kind == "the":
        words = ["The", *words]
    elif kind == "drop_city":
        words = c.words(prefix=False)
    elif kind == "city_suffix":
        words = c.core + c.industry + [f"({c.prefix[0]})", c.legal]
    elif kind == "diacritics":
        words = drop_diacritics(rng, words)
    if rng.random() < 0.2 and kind not in ("typo",):
        words = typo(rng, words)
    return words, kind


def _company_negative(rng: random.Random, c: _Company, seed: int) -> tuple[_Company, str]:
    roll = rng.random()
    if c.native:
        other = _company(rng, seed + 5)
        if other.native and roll < 0.6:
            return _Company(other.core, c.prefix, c.industry, c.legal, True), "one_word"
        return other, "random"
    if roll < 0.45 and c.core:
        core = list(c.core)
        i = rng.randrange(len(core))
        near = _near(rng, core[i], [str(w).title() for w in _faker("en_US", seed).words(300)])
        core[i] = near if near and rng.random() < 0.3 else _brand_word(rng, seed + 11)
        if core[i].isdigit() or core == c.core:
            core[i] = str(rng.randint(1, 999))
        return _Company(core, c.prefix, c.industry, c.legal), "one_word"
    if roll < 0.55 and c.prefix:
        return _Company(c.core, [anyascii(_faker("zh_CN", seed + 1).city_name())], c.industry,
                        c.legal), "other_city"  # fmt: skip
    if roll < 0.65:
        return _Company(c.core + [str(rng.randint(1, 99))], c.prefix, c.industry, c.legal), (
            "number")  # fmt: skip
    if roll < 0.75 and c.industry:
        industry = [rng.choice([w for w in INDUSTRY if w not in c.industry])]
        return _Company(c.core, c.prefix, industry, c.legal), "other_industry"
    other = _company(rng, seed + 13)
    if rng.random() < 0.5:
        other = _Company(other.core, c.prefix, c.industry, c.legal)
    return other, "random"


def company_pairs(rng: random.Random, seed: int, n: int, schema: str = "Company") -> Iterator[Pair]:
    for _ in range(n):
        c = _company(rng, seed)
        base = render(rng, c.words(), noisy=not c.native and rng.random() < 0.3)
        group = _group(c.core[0])
        if rng.random() < 0.5:
            words, kind = _company_variant(rng, c)
            yield Pair(schema, base, render(rng, words, noisy=not c.native), 1, kind, group)
        else:
            d, kind = _company_negative(rng, c, seed)
            if split_of(_group(d.core[0])) != split_of(group) or d.words() == c.words():
                continue
            words = d.words()
            if rng.random() < (0.6 if d.native else 0.3):
                words, _ = _company_variant(rng, d)
            yield Pair(schema, base, render(rng, words, noisy=not d.native), 0, kind, group)


# ---------------------------------------------------------------------------- vessels

_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def _vessel(rng: random.Random, seed: int) -> list[str]:
    fake = _faker("en_US", seed)
    roll = rng.random()
    if roll < 0.4:
        words = [str(fake.word()).title(), str(fake.word()).title()]
    elif roll < 0.6:
        words = [str(fake.city()).split()[0], str(fake.word()).title()]
    elif roll < 0.8:
        words = [str(fake.first_name()), str(fake.last_name())]
    else:
        words = [str(fake.word()).title()]
    if rng.random() < 0.3:
        words.append(str(rng.randint(1, 10)))
    return words


def vessel_pairs(rng: random.Random, seed: int, n: int) -> Iterator[Pair]:
    for _ in range(n):
        v = _vessel(rng, seed)
        pre = [rng.choice(VESSEL_PREFIXES)] if rng.random() < 0.4 else []
        base = render(rng, pre + v, noisy=rng.random() < 0.5).upper()
        group = _group(v[0])
        if rng.random() < 0.5:
            kind = rng.choice(["prefix", "typo", "lookalike", "join", "roman", "case"])
            words = list(v)
            if kind == "prefix":
                words = ([rng.choice(VESSEL_PREFIXES)] if not pre else []) + words
            elif kind == "typo":
                words = typo(rng, words)
            elif kind == "lookalike":
                words = lookalike(rng, words)
            elif kind == "join":
                words = join_words(rng, words)
            elif kind == "roman" and words[-1].isdigit():
                words[-1] = _ROMAN[int(words[-1]) - 1]
            yield Pair("Vessel", base, render(rng, words), 1, kind, group)
            continue
        words = list(v)
        roll = rng.random()
        if roll < 0.35 and words[-1].isdigit():
            words[-1] = str(int(words[-1]) % 10 + 1)
            kind = "number"
        elif roll < 0.75:
            i = rng.randrange(len(words))
            words[i] = str(_faker("en_US", seed + 3).word()).title()
            kind = "one_word"
        else:
            words, kind = _vessel(rng, seed + 5), "random"
        if split_of(_group(words[0])) != split_of(group):
            continue
        if words == v:
            continue
        yield Pair("Vessel", base, render(rng, words), 0, kind, group)


GENERATORS: dict[str, Callable[[random.Random, int, int], Iterator[Pair]]] = {
    "person": person_pairs,
    "org": company_pairs,
    "vessel": vessel_pairs,
}


def generate(family: str, n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` labelled pairs for one family (``entity`` mixes persons and companies).

    Deterministic: the same arguments give the same pairs.
    """
    from redlane.names.training.structured import structured_pairs

    _faker.cache_clear()  # faker instances carry state: start every run from their seeds
    rng = random.Random(f"{family}:{seed}")
    if family == "entity":
        people = [
            Pair("LegalEntity", p.name1, p.name2, p.label, p.kind, p.group)
            for p in person_pairs(rng, seed, n // 2)
        ]
        firms = list(company_pairs(rng, seed, n - n // 2, schema="LegalEntity"))
        pairs = people + firms + _org_extra(family, seed, n // 8, "LegalEntity")
    else:
        pairs = list(GENERATORS[family](rng, seed, n))
        if family == "org":
            pairs += _org_extra(family, seed, n // 4, "Company")
    # name structure and numbers (own random stream: the pairs above stay as they were)
    return pairs + list(structured_pairs(family, int(n * STRUCTURED_SHARE), seed))


def _org_extra(family: str, seed: int, n: int, schema: str) -> list[Pair]:
    """The organisation-word pairs, from their own random stream (see ``org_word_pairs``)."""
    return list(org_word_pairs(random.Random(f"org_words:{family}:{seed}"), seed, n, schema))


# ---------------------------------------------------------------------- organisation words
# Acronyms, one-word abbreviations, reordered and added/dropped generic words (org_words.py).
# A separate random stream, appended to the org and entity pairs, so the pairs above stay
# exactly as they were (their held-out table stays comparable).
#
# Labelling rule: an acronym is the same *name* as every expansion it spells ("IBM" is a
# written form of "International Business Machines" and of "Indian Bank of Mumbai"; telling
# those apart needs other evidence than the name), so acronym pairs are positives only when the
# letters spell the other side. Negatives are acronyms one letter off, and names whose
# distinctive word differs while their generic words were added, dropped or reordered.

ORG_CONNECTORS = ["of", "and", "&"]


def _acronym_span(c: _Company) -> list[str] | None:
    """The words an acronym of ``c`` abbreviates: all its words, or its distinctive words,
    when they are 2–6 words of letters; None when no acronym is plausible."""
    for words in (c.core + c.industry, c.core):
        # one word each as prepare reads them: no hyphens, digits or inner capitals
        if 2 <= len(words) <= 6 and all(w.isalpha() and w[1:].islower() for w in words):
            return words
    return None


def _acronym_text(rng: random.Random, letters: str) -> str:
    roll = rng.random()
    if roll < 0.6:
        return letters.upper()
    if roll < 0.85:
        return "".join(f"{ch.upper()}." for ch in letters)
    return " ".join(letters.upper())


def _abbreviate(rng: random.Random, word: str) -> str | None:
    """``Business`` → ``Bus.``; ``Manufacturing`` → ``Mfg``-like: first letter and two later
    consonants in order. None for words too short to abbreviate."""
    if len(word) < 6 or not word.isalpha() or not word.isascii() or not word[1:].islower():
        return None
    if rng.random() < 0.5:
        return word[: rng.choice([3, 4])] + "."
    consonants = [i for i, ch in enumerate(word[1:], 1) if ch.lower() not in "aeiouy"]
    if len(consonants) < 2:
        return None
    picked = sorted(rng.sample(consonants, 2))
    return (word[0] + "".join(word[i] for i in picked)).title()


def _with_connector(rng: random.Random, words: list[str]) -> list[str]:
    """Sometimes a connector inside the spelled-out name (``Bank of America``)."""
    if len(words) >= 2 and rng.random() < 0.3:
        return [words[0], rng.choice(ORG_CONNECTORS), *words[1:]]
    return words


def _org_positive(rng: random.Random, c: _Company) -> tuple[list[str], list[str], str] | None:
    span = _acronym_span(c)
    kinds = ["reorder", "generic_reorder", "abbreviation", "word_form"]
    kinds += ["acronym"] * 3 if span else []
    kind = rng.choice(kinds)
    rest = c.core + c.industry
    if kind == "acronym" and span is not None:
        spelled = _with_connector(rng, span)
        base = c.prefix + spelled + rest[len(span) :] + [c.legal]
        letters = "".join(w[0] for w in span).lower()
        short = [_acronym_text(rng, letters), *rest[len(span) :]]
        legal = c.legal if rng.random() < 0.5 else rng.choice(LEGAL["llc"] + [""])
        return base, c.prefix + short + [legal], "org_acronym"
    if kind == "abbreviation":
        options = [i for i, w in enumerate(rest) if len(w) >= 6 and w.isalpha()]
        if not options:
            return None
        i = rng.choice(options)
        short_word = _abbreviate(rng, rest[i])
        if short_word is None:
            return None
        words = [*rest]
        words[i] = short_word
        return c.words(), c.prefix + words + [c.legal], "org_abbreviation"
    if kind == "word_form":
        options = [i for i, w in enumerate(rest) if len(w) >= 4 and w.isalpha()]
        if not options:
            return None
        i = rng.choice(options)
        words = [*rest]
        word = words[i]
        if word.endswith("y"):
            words[i] = word[:-1] + "ies"
        else:
            words[i] = word + (
                "es" if word.endswith("s") else rng.choice(["s", "ing", "al", "ers"])
            )
        return c.words(), c.prefix + words + [c.legal], "org_word_form"
    words = [*rest]
    if kind == "generic_reorder":
        extra = [w for w in GENERIC if w not in words]
        if rng.random() < 0.5 and extra:
            words.insert(rng.randrange(len(words) + 1), rng.choice(extra))
        else:
            kept = [w for w in words if w not in GENERIC]
            words = kept or words
    if len(words) < 2:
        return None
    shuffled = rng.sample(words, len(words))
    if shuffled == words:
        shuffled = words[::-1]
    return c.words(), c.prefix + shuffled + [c.legal], f"org_{kind}"


def _org_negative(
    rng: random.Random, c: _Company, seed: int
) -> tuple[list[str], list[str], str] | None:
    span = _acronym_span(c)
    rest = c.core + c.industry
    if span is not None and rng.random() < 0.5:
        letters = [w[0].lower() for w in span]
        i = rng.randrange(len(letters))
        letters[i] = rng.choice([ch for ch in "abcdefghijklmnoprstuvw" if ch != letters[i]])
        base = c.prefix + _with_connector(rng, span) + rest[len(span) :] + [c.legal]
        short = [_acronym_text(rng, "".join(letters)), *rest[len(span) :]]
        return base, c.prefix + short + [c.legal], "org_near_acronym"
    # another distinctive word; generic words added, dropped or reordered on top
    core = list(c.core)
    i = rng.randrange(len(core))
    core[i] = _brand_word(rng, seed + 17)
    if core[i].lower() == c.core[i].lower():
        return None
    words = core + c.industry
    extra = [w for w in GENERIC if w not in words]
    if rng.random() < 0.5 and extra:
        words.insert(rng.randrange(len(words) + 1), rng.choice(extra))
    if len(words) > 1 and rng.random() < 0.5:
        words = rng.sample(words, len(words))
    return c.words(), c.prefix + words + [c.legal], "org_distinctive_differs"


def org_word_pairs(
    rng: random.Random, seed: int, n: int, schema: str = "Company"
) -> Iterator[Pair]:
    """Organisation pairs for acronyms, abbreviations and generic-word changes."""
    for _ in range(n):
        c = _company(rng, seed)
        if c.native:
            continue
        group = _group(c.core[0])
        made = _org_positive(rng, c) if rng.random() < 0.5 else _org_negative(rng, c, seed)
        if made is None:
            continue
        base, other, kind = made
        label = 0 if kind in ("org_near_acronym", "org_distinctive_differs") else 1
        yield Pair(
            schema,
            render(rng, base, noisy=rng.random() < 0.3),
            render(rng, other, noisy=kind != "org_acronym" or rng.random() < 0.3),
            label,
            kind,
            group,
        )
