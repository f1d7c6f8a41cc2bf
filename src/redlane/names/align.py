"""Align the tokens of two prepared names and turn the alignment into features and reasons.

Passes, each on the tokens still unmatched, strongest evidence first:

1. equal text;
2. equal after folding look-alike characters (``g00gle``/``google``, ``1ucky``/``lucky``);
3. a shared rigour symbol: same given name across scripts or transliterations, a nickname,
   a generic-word synonym (``intl``/``international``), the same number;
4. joined words: 2–4 consecutive tokens that spell a token of the other side
   (``jin ping``/``jinping``, ``acme trading``/``acmetrading``);
5. typos: optimal-string-alignment distance (a swap of neighbours is one edit) within a
   budget that grows with the length of the shorter word (none for words of 1–2 letters);
6. initials: a single letter against a word that starts with it.

Organisation names (org and entity families) get two more passes between 4 and 5, from
``names/org_words.py``: acronyms (``IBM``, ``I.B.M.``, ``I B M`` against a run of words whose
initials spell it), one-word abbreviations (``Mfg``/``Manufacturing``, ``Bus.``/``Business``)
and word forms (``Bank``/``Banking``).

Everything here is symmetric by construction: ``compare`` orders the two names canonically
before aligning, and the features only use symmetric combinations (min, max, sums).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, Levenshtein
from rapidfuzz.fuzz import ratio

from redlane.names.org_words import (
    abbreviates,
    acronym_run,
    could_spell,
    same_stem,
)
from redlane.names.prepare import Prepared, Token
from redlane.names.structure import (
    STRUCTURE_FEATURES,
    given_syllable_conflict,
    name_order_moved,
    structure_features,
    structure_reasons,
)

__all__ = ["FEATURES", "Alignment", "align", "features", "reasons"]

_VOWELS = "aeiouy"
_SYMBOL_SIM = {"NAME": 0.9, "NICK": 0.85, "SYMBOL": 0.9, "NUM": 1.0}


@dataclass(slots=True)
class Alignment:
    """Which tokens of ``a`` and ``b`` were paired, how, and how well."""

    a: Prepared
    b: Prepared
    sim_a: list[float]  # per token of a: similarity of its match (0 = unmatched)
    sim_b: list[float]
    kinds: dict[str, int] = field(default_factory=dict)  # evidence kind -> count
    edits: int = 0
    worst: float = 1.0  # lowest similarity of a fuzzy pair
    order_a: list[int] = field(default_factory=list)  # a-positions of 1:1 pairs...
    order_b: list[int] = field(default_factory=list)  # ...and their b-positions
    # two-letter acronyms paired: (flip, first, last acronym position, positions of its run)
    short_acronyms: list[tuple[bool, int, int, list[int]]] = field(default_factory=list)

    def add(self, kind: str, n: int = 1) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + n


# Edits allowed for a typo, by the length of the shorter word (10+ letters: 3).
_BUDGET = (0, 0, 0, 1, 1, 1, 2, 2, 2, 2)


def _pair(al: Alignment, i: int, j: int, sim: float, kind: str) -> None:
    al.sim_a[i] = sim
    al.sim_b[j] = sim
    al.order_a.append(i)
    al.order_b.append(j)
    al.add(kind)


def _joined(al: Alignment, xs: tuple[Token, ...], ys: tuple[Token, ...], flip: bool) -> None:
    """Runs of 2–4 adjacent unmatched tokens of ``xs`` that spell one unmatched token of ``ys``."""
    sim_x, sim_y = (al.sim_b, al.sim_a) if flip else (al.sim_a, al.sim_b)
    if sum(not s for s in sim_x) < 2:  # no run of two unmatched tokens: nothing to find
        return
    for j, y in enumerate(ys):
        if sim_y[j] or len(y.text) < 4 or y.numeric:
            continue
        for size in (2, 3, 4):
            for start in range(len(xs) - size + 1):
                run = range(start, start + size)
                if any(sim_x[k] for k in run):
                    continue
                spelled = "".join(xs[k].text for k in run)
                if abs(len(spelled) - len(y.text)) > 1 or spelled[0] != y.text[0]:
                    continue
                dist = OSA.distance(spelled, y.text, score_cutoff=1)
                if dist > 1 or (dist == 1 and len(y.text) < 6):
                    continue
                sim = 0.95 if dist == 0 else 0.85
                for k in run:
                    sim_x[k] = sim
                sim_y[j] = sim
                al.add("joined")
                al.edits += dist
                break
            if sim_y[j]:
                break


def _gendered(x: str, y: str) -> bool:
    """Forms that differ by a final ``a`` (Maria/Mario, Petrov/Petrova, Daniel/Daniela)."""
    return x != y and x.rstrip(_VOWELS) == y.rstrip(_VOWELS) and x.endswith("a") != y.endswith("a")


def _names(token: Token) -> frozenset[str]:
    return frozenset(s for s in token.symbols if s.startswith("NAME:"))


def _known_names_differ(x: Token, y: Token) -> bool:
    """Both spellings are names rigour knows, not as the same name, and they start with
    different letters (Hansen/Jansen): a typo rarely hits the first letter."""
    if x.text[:1] == y.text[:1]:
        return False
    nx, ny = _names(x), _names(y)
    return bool(nx and ny and not nx & ny)


_SHORT_SIM = 0.85  # an acronym or abbreviation: good evidence, weaker than equal words


def _link(al: Alignment, flip: bool, i: int, j: int) -> None:
    """Record an x-position/y-position pair for the word-order test, in a/b orientation."""
    al.order_a.append(j if flip else i)
    al.order_b.append(i if flip else j)


def _org_passes(al: Alignment) -> None:
    """Acronyms against runs of words, then single-word abbreviations and word forms, both
    ways. Cheap filters first: most organisation pairs have no acronym to find."""
    for flip in (False, True):
        xs, ys = (al.b, al.a) if flip else (al.a, al.b)
        sim_x, sim_y = (al.sim_b, al.sim_a) if flip else (al.sim_a, al.sim_b)
        org = xs.org
        free_y = [j for j, s in enumerate(sim_y) if not s]
        if org is None or not free_y or all(sim_x):
            continue
        ty = ys.tokens
        initials = "".join(ty[j].text[:1] for j in free_y)
        for first, last, letters in org.acronyms:
            if letters[0] not in initials or any(sim_x[first : last + 1]):
                continue
            if first < last:  # spaced letters "I B M" against a written-together "IBM"
                j = next((j for j in free_y if not sim_y[j] and ty[j].text == letters), -1)
                if j >= 0:
                    sim_x[first : last + 1] = [0.95] * (last + 1 - first)
                    sim_y[j] = 0.95
                    _link(al, flip, first, j)
                    al.add("joined")
                    continue
            if len(letters) > len(free_y) or not could_spell(letters, initials):
                continue
            run = acronym_run(letters, ty, [not s for s in sim_y])
            if run is None:
                continue
            sim_x[first : last + 1] = [_SHORT_SIM] * (last + 1 - first)
            for k in run:
                sim_y[k] = _SHORT_SIM
            _link(al, flip, first, run[0])
            al.add("acronym")
            if len(letters) == 2:
                al.short_acronyms.append((flip, first, last, run))
        for i, x in enumerate(xs.tokens):
            xt = x.text
            if sim_x[i] or x.numeric or len(xt) < 3:
                continue
            dotted = i in org.dotted
            shaped = i in org.abbreviations
            for j in free_y:
                yt = ty[j].text
                if sim_y[j] or len(yt) <= len(xt) or yt[0] != xt[0] or ty[j].numeric:
                    continue
                if shaped and abbreviates(xt, yt, dotted):
                    kind, sim = "abbreviation", _SHORT_SIM
                elif yt[:3] == xt[:3] and same_stem(xt, yt):
                    kind, sim = "word_form", 0.9
                else:
                    continue
                sim_x[i] = sim_y[j] = sim
                _link(al, flip, i, j)
                al.add(kind)
                break


def align(a: Prepared, b: Prepared) -> Alignment:
    ta, tb = a.tokens, b.tokens
    if a.key == b.key:  # same words in the same order: nothing to search
        n = len(ta)
        return Alignment(a, b, [1.0] * n, [1.0] * n, {"exact": n}, 0, 1.0, [*range(n)], [*range(n)])
    al = Alignment(a, b, [0.0] * len(ta), [0.0] * len(tb))
    # 1. equal text, preferring the same position
    for i, x in enumerate(ta):
        best = -1
        for j, y in enumerate(tb):
            if not al.sim_b[j] and x.text == y.text:
                if best < 0 or abs(j - i) < abs(best - i):
                    best = j
        if best >= 0:
            _pair(al, i, best, 1.0, "exact")
    if all(al.sim_a) and all(al.sim_b):
        return al
    # 2. look-alike characters, 3. shared symbols
    for i, x in enumerate(ta):
        if al.sim_a[i]:
            continue
        for j, y in enumerate(tb):
            if al.sim_b[j]:
                continue
            if x.skeleton == y.skeleton and not (x.text.isdigit() or y.text.isdigit()):
                _pair(al, i, j, 0.95, "lookalike")
                break
            shared = (
                x.symbols & y.symbols
                if (len(x.text) > 1 or x.numeric) and (len(y.text) > 1 or y.numeric)
                else None
            )
            if shared:
                category = min(s.split(":", 1)[0] for s in shared)
                kind = "nickname" if category == "NICK" else "variant"
                if category == "SYMBOL":
                    kind = "synonym"
                elif category == "NUM":
                    kind = "number"  # 7/seven, III/3/third, XIV/14
                _pair(al, i, j, _SYMBOL_SIM.get(category, 0.9), kind)
                if _gendered(x.text, y.text):
                    al.add("ending")
                break
    if all(al.sim_a) or all(al.sim_b):
        return al
    # 4. joined words, both ways
    _joined(al, ta, tb, flip=False)
    _joined(al, tb, ta, flip=True)
    # 4b. acronyms and abbreviations (organisations)
    if a.org is not None and b.org is not None:
        _org_passes(al)
    # 5. typos, best pairs first
    candidates: list[tuple[float, int, int, int]] = []
    for i, x in enumerate(ta):
        if al.sim_a[i] or (x.numeric and x.text.isdigit()):
            continue
        for j, y in enumerate(tb):
            # a number word may carry a typo (eigth), but two numbers never match as one
            if al.sim_b[j] or (y.numeric and (x.numeric or y.text.isdigit())):
                continue
            lx, ly = len(x.text), len(y.text)
            budget = _BUDGET[lx if lx < ly else ly] if (lx if lx < ly else ly) < 10 else 3
            if budget == 0 or abs(lx - ly) > budget:
                continue
            dist = OSA.distance(x.text, y.text, score_cutoff=budget)
            if dist <= budget:
                sim = 1.0 - dist / max(len(x.text), len(y.text))
                candidates.append((sim, i, j, dist))
    candidates.sort(reverse=True)
    for sim, i, j, dist in candidates:
        if al.sim_a[i] or al.sim_b[j]:
            continue
        xt, yt = ta[i].text, tb[j].text
        swap = dist == 1 and Levenshtein.distance(xt, yt, score_cutoff=2) == 2
        _pair(al, i, j, sim, "swap" if swap else "typo")
        al.edits += dist
        if _known_names_differ(ta[i], tb[j]):
            al.add("known_conflict")
        if _gendered(xt, yt):
            al.add("ending")
        al.worst = min(al.worst, sim)
    # 6. initials
    for xs, ys, sim_x, sim_y, flip in (
        (ta, tb, al.sim_a, al.sim_b, False),
        (tb, ta, al.sim_b, al.sim_a, True),
    ):
        for i, x in enumerate(xs):
            if sim_x[i] or len(x.text) != 1 or not x.text.isalpha():
                continue
            for j, y in enumerate(ys):
                if not sim_y[j] and len(y.text) > 1 and y.text[0] == x.text and not y.generic:
                    sim_x[i] = sim_y[j] = 0.75
                    if flip:
                        al.order_a.append(j)
                        al.order_b.append(i)
                    else:
                        al.order_a.append(i)
                        al.order_b.append(j)
                    al.add("initial")
                    break
    if al.short_acronyms:
        _weigh_short_acronyms(al)
    return al


def _distinct_matched(
    tokens: tuple[Token, ...], sims: list[float], skip: range | list[int]
) -> bool:
    """A matched word outside ``skip`` that is distinctive: neither a generic organisation
    word, a particle nor a number."""
    return any(
        s and not (t.generic or t.numeric)
        for k, (t, s) in enumerate(zip(tokens, sims, strict=True))
        if k not in skip
    )


def _weigh_short_acronyms(al: Alignment) -> None:
    """Mark two-letter acronyms that stand alone as ``weak_acronym`` (``compare.stated_logit``
    weighs them). Two letters are two initials: any of the 676 letter pairs spells the start of
    countless two-word names (``JP`` ↔ ``Jade Pearl``, ``James Pierpont``). One is backed when a
    distinctive word matched besides it on both sides (``JP Morgan`` ↔ ``James Pierpont
    Morgan``, ``BP Oil`` ↔ ``British Petroleum Oil``); alone are ``JP Trading`` ↔
    ``Jade Pearl Trading`` and ``UN`` ↔ ``United Nations``."""
    for flip, first, last, run in al.short_acronyms:
        xs, ys = (al.b, al.a) if flip else (al.a, al.b)
        sim_x, sim_y = (al.sim_b, al.sim_a) if flip else (al.sim_a, al.sim_b)
        span = range(first, last + 1)
        if not (
            _distinct_matched(xs.tokens, sim_x, span) and _distinct_matched(ys.tokens, sim_y, run)
        ):
            al.add("weak_acronym")


FEATURES: tuple[str, ...] = (
    "cov_min",
    "cov_max",
    "unmatched_min",
    "unmatched_max",
    "edits",
    "fuzzy_worst",
    "initials",
    "variants",
    "nicknames",
    "known_conflict",
    "ending",
    "joined",
    "lookalike",
    "legal_conflict",
    "legal_one_side",
    "number_conflict",
    "number_extra",
    "exact",
    "sort_ratio",
    "joined_ratio",
    "strong_matches",
    "generic_only",
    "single_token",
    "initial_conflict",
    "scripts_differ",
    # person-name structure (redlane.names.structure) and numbers written another way
    *STRUCTURE_FEATURES,
    "number_forms",
    # organisations (org_words.py); appended: earlier coefficients keep their positions
    "acronyms",
    "abbreviations",
    "distinctive_min",
)


def _side(
    tokens: tuple[Token, ...], sims: list[float]
) -> tuple[float, float, int, int, int, float]:
    """Coverage, unmatched weight, unmatched numbers, unmatched initials, strong matches, and
    the distinctive share: coverage of the words that are neither generic nor numbers (a name
    without such words falls back to its coverage)."""
    total = covered = unmatched = distinct = distinct_covered = 0.0
    numbers = initials = strong = 0
    for t, s in zip(tokens, sims, strict=True):
        weight = t.weight
        total += weight
        flat = t.generic or t.numeric
        if not flat:
            distinct += weight
        if s:
            covered += weight * s
            if not flat:
                distinct_covered += weight * s
            if s >= 0.8 and not t.generic and len(t.text) > 2:
                strong += 1
        else:
            unmatched += weight
            numbers += t.numeric
            initials += len(t.text) == 1
    coverage = covered / (total or 1.0)
    share = distinct_covered / distinct if distinct else coverage
    return coverage, unmatched, numbers, initials, strong, share


def features(al: Alignment) -> list[float]:
    a, b = al.a, al.b
    cov_a, un_a, num_a, init_a, strong, share_a = _side(a.tokens, al.sim_a)
    cov_b, un_b, num_b, init_b, _, share_b = _side(b.tokens, al.sim_b)
    generic_only = any(al.sim_a) and not any(
        s and not t.generic for t, s in zip(a.tokens, al.sim_a, strict=True)
    )
    k = al.kinds
    legal_conflict = bool(a.forms and b.forms and not a.forms & b.forms)
    return [
        min(cov_a, cov_b),
        max(cov_a, cov_b),
        min(un_a, un_b),
        max(un_a, un_b),
        float(min(al.edits, 4)),
        1.0 - al.worst,
        float(min(k.get("initial", 0), 3)),
        float(min(k.get("variant", 0), 3)),
        float(min(k.get("nickname", 0), 3)),
        float(min(k.get("known_conflict", 0), 3)),
        float(min(k.get("ending", 0), 3)),
        float(min(k.get("joined", 0), 3)),
        float(min(k.get("lookalike", 0), 3)),
        float(legal_conflict),
        float(bool(a.forms) != bool(b.forms)),
        float(num_a > 0 and num_b > 0),
        float((num_a > 0) != (num_b > 0)),
        float(a.key == b.key),
        ratio(a.sorted_key, b.sorted_key) / 100.0,
        ratio(a.joined, b.joined) / 100.0,
        float(min(strong, 3)),
        float(generic_only),
        float(min(len(a.tokens), len(b.tokens)) == 1),
        float(init_a > 0 and init_b > 0),
        float(a.scripts != b.scripts),
        *structure_features(a, b, (al.order_a, al.order_b), al.sim_a, al.sim_b),
        given_syllable_conflict(a, b, al.sim_a, al.sim_b),
        float(min(k.get("number", 0), 3)),
        float(min(k.get("acronym", 0), 3)),
        float(min(k.get("abbreviation", 0) + k.get("synonym", 0) + k.get("word_form", 0), 3)),
        min(share_a, share_b),
    ]


def _pairs(al: Alignment) -> dict[int, int]:
    """a-index → b-index of the words paired one to one."""
    return dict(zip(al.order_a, al.order_b, strict=True))


def _in_order(al: Alignment) -> bool:
    pairs = sorted(zip(al.order_a, al.order_b, strict=True))
    seq = [j for _, j in pairs]
    return all(x < y for x, y in zip(seq, seq[1:], strict=False))


def reasons(al: Alignment) -> list[str]:
    """Human-readable evidence, in a fixed vocabulary (see docs/names.md)."""
    a, b = al.a, al.b
    out: list[str] = []
    if a.empty or b.empty:
        return ["empty name"]
    same_core = a.key == b.key
    if same_core and a.forms == b.forms:
        if a.raw == b.raw:
            out.append("exact match")
        elif (a.forms or b.forms) and a.core_raw == b.core_raw:
            out.append("legal form differs only")
        else:
            out.append("formatting differs only")
    elif same_core:
        out.append("legal form differs only")
    elif a.forms and b.forms and not a.forms & b.forms:
        out.append("legal form differs")
    if a.titled != b.titled:
        out.append("title removed")
    k = al.kinds
    if a.scripts != b.scripts and any(al.sim_a):
        out.append("transliteration")
    if k.get("variant"):
        out.append("spelling variant")
    if k.get("nickname"):
        out.append("nickname")
    if k.get("acronym"):
        out.append("acronym")
    if k.get("synonym") or k.get("abbreviation"):
        out.append("abbreviation")
    if k.get("word_form"):
        out.append("word form")
    if k.get("initial"):
        out.append("initial matches")
    if k.get("lookalike"):
        out.append("look-alike characters")
    if k.get("ending"):
        out.append("different ending")
    if k.get("swap"):
        out.append("character swap")
    typos = k.get("typo", 0)
    if typos:
        out.append("one typo" if typos == 1 and al.edits == 1 else "typos")
    if k.get("joined"):
        out.append("joined words")
    if k.get("number"):
        out.append("number written differently")
    if not same_core and len(al.order_a) > 1 and not _in_order(al):
        out.append("word order")
        if name_order_moved(a, b, _pairs(al)):
            out.append("name order")
    out += structure_reasons(a, b, (al.order_a, al.order_b), al.sim_a, al.sim_b)
    un_a = [t for t, s in zip(a.tokens, al.sim_a, strict=True) if not s]
    un_b = [t for t, s in zip(b.tokens, al.sim_b, strict=True) if not s]
    if any(t.numeric for t in un_a) or any(t.numeric for t in un_b):
        out.append("number differs")
    mean_a = [t for t in un_a if not t.generic and not t.numeric]
    mean_b = [t for t in un_b if not t.generic and not t.numeric]
    if mean_a and mean_b:
        out.append("different word")
    elif mean_a or mean_b:
        out.append("extra word")
    elif any(t.generic for t in un_a) or any(t.generic for t in un_b):
        out.append("generic word differs")
    if not any(al.sim_a):
        out.append("no common words")
    elif all(t.generic for t, s in zip(a.tokens, al.sim_a, strict=True) if s) and (
        mean_a or mean_b
    ):
        out.append("generic words only")
    return out
