"""Person and company names: Unicode, case, punctuation, transliteration, titles, legal forms.

Built on ``rigour``: its transliteration (``ascii_text``: Cyrillic, Greek, Armenian, Georgian and
Hangul by rigour's own tables, everything else — Han, Arabic, … — through ``normality``), its
honorific list (``remove_person_prefixes``) and its legal-form database (``org_types``, built
from ISO 20275, the OCCRP list and Wikipedia). Legal forms are mapped to rigour's *generic*
vocabulary, so "Co., Ltd.", "Limited", "有限公司", "GmbH", "LLC", "OOO", "ООО", "Ltd. Şti." and
"Sp. z o.o." all become ``llc``; "S.A.", "AG", "PLC", "ПАО" become ``jsc``; "KG" ``lp`` and so on.

CJK text has no spaces, so a legal form glued to the end (``深圳华强电子有限公司``) or start
(``株式会社トヨタ``) of a name is split off first, by asking the same database about the
token's suffixes and prefixes — no table of our own.
"""

from __future__ import annotations

from functools import lru_cache

from rigour.names import (
    extract_org_types,
    remove_org_prefixes,
    remove_person_prefixes,
    tokenize_name,
)
from rigour.text.scripts import is_dense_script
from rigour.text.translit import ascii_text

from redlane.normalize._util import clean_text, fixpoint

__all__ = [
    "company_name",
    "is_legal_form_token",
    "latinize",
    "legal_form",
    "person_name",
    "split_cjk_legal_forms",
    "split_legal_forms",
    "strip_legal_form",
]

_MAX_FORM = 8  # longest CJK legal form we look for, in characters ("股份有限公司" is 6)


def latinize(text: str) -> str:
    """Lower-case ASCII transliteration of any script (lossy for Han and Arabic)."""
    return ascii_text(text).lower()


def _is_dense(ch: str) -> bool:
    return is_dense_script(ch)


@lru_cache(maxsize=4096)
def _whole_form(text: str) -> bool:
    """``text`` is, in full, one legal form known to rigour."""
    found = extract_org_types(text, generic=True)
    return len(found) == 1 and found[0][0] == text


def _split_token(token: str) -> str:
    if len(token) < 3 or token.isascii() or not is_dense_script(token):
        return token
    for k in range(min(_MAX_FORM, len(token) - 1), 1, -1):
        if _is_dense(token[-k]) and _whole_form(token[-k:]):
            return f"{_split_token(token[:-k])} {token[-k:]}"
    for k in range(min(_MAX_FORM, len(token) - 1), 1, -1):
        if _is_dense(token[k - 1]) and _whole_form(token[:k]):
            return f"{token[:k]} {_split_token(token[k:])}"
    return token


def split_cjk_legal_forms(text: str) -> str:
    """Put spaces around legal forms glued to CJK names: ``华强有限公司`` → ``华强 有限公司``."""
    if text.isascii():
        return text
    return " ".join(_split_token(tok) for tok in text.split())


@lru_cache(maxsize=4096)
def _vocabulary(matched: str, specific: str) -> str:
    """rigour's generic class for a matched legal form (``llc``, ``jsc``…), else its own code."""
    found = extract_org_types(matched, generic=True)
    if len(found) == 1 and found[0][0] == matched:
        return found[0][1]
    return specific


@lru_cache(maxsize=4096)
def is_legal_form_token(token: str) -> bool:
    """``token`` is a code of the legal-form vocabulary (``llc``, ``jsc``, ``lp``, ``pt``…)."""
    spans = _form_spans(token)
    return len(spans) == 1 and spans[0][:2] == (0, len(token)) and spans[0][2] == token


# Roman numerals the legal-form database also lists: "II" is Lithuanian "IĮ" (individuali
# įmonė) with its ogonek folded away. Ending a name it numbers the entity, as regnal numbers
# and series do ("Fund II LP", "Acme II"; "Roman numerals", "Regnal number"); before the name
# ("IĮ Acme") it stays a legal form.
_NUMERAL_LETTERS = frozenset("ivx")


def _numeral(text: str, span: tuple[int, int, str]) -> bool:
    """The legal-form match ``span`` ends the name and is written as a Roman numeral."""
    matched = text[span[0] : span[1]]
    return span[0] > 0 and len(matched) > 1 and set(matched) <= _NUMERAL_LETTERS


def _alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _form_spans(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping legal-form matches, from both the specific and the generic table."""
    found: list[tuple[int, int, str]] = []
    for generic in (False, True):
        pos = 0
        for matched, target in extract_org_types(text, generic=generic):
            i = text.find(matched, pos)
            if i < 0:
                continue
            found.append((i, i + len(matched), _vocabulary(matched, target)))
            pos = i + len(matched)
    found.sort(key=lambda span: (span[0], span[0] - span[1]))
    spans: list[tuple[int, int, str]] = []
    for span in found:
        if not spans or span[0] >= spans[-1][1]:
            spans.append(span)
    return spans


def split_legal_forms(text: str) -> tuple[str, tuple[str, ...]]:
    """Split a cleaned, case-folded company name into its core and its legal forms.

    Only forms at the end of the name (``Acme Co., Ltd.``, ``X Ltd. Şti.``) or at its start
    followed by a space (``ООО Ромашка``, ``PT Maju``) count: a form-like word inside a name
    (``AT&T``, ``Bank AG Trading``) is part of the name. A name that is nothing but a legal
    form keeps it as its core.
    """
    text = split_cjk_legal_forms(text)
    tail = ""
    if text.endswith(")") and "(" in text:
        # "Sunrise Apparel Co., Ltd. (Shenzhen)": the form ends the name before the bracket.
        cut = text.rindex("(")
        if cut > 0 and _alnum(text[:cut]):
            text, tail = text[:cut].rstrip(), " " + text[cut:]
    spans = _form_spans(text)
    accepted: list[tuple[int, int, str]] = []
    end = len(text)
    for span in reversed(spans):
        before_ok = span[0] == 0 or not text[span[0] - 1].isalnum()
        if before_ok and not _alnum(text[span[1] : end]) and not _numeral(text, span):
            accepted.append(span)
            end = span[0]
        else:
            break
    accepted.reverse()
    if len(accepted) > 1 and not _alnum(text[: accepted[0][0]]):
        # nothing but forms ("AB Ltd"): the first is the name, the last its legal form
        end = accepted.pop(0)[1]
    start = 0
    prefix: list[tuple[int, int, str]] = []
    for span in spans if not accepted else ():
        if span in accepted or span[0] >= end:
            break
        after_ok = span[1] < len(text) and text[span[1]].isspace()
        if after_ok and not _alnum(text[start : span[0]]):
            prefix.append(span)
            start = span[1]
        else:
            break
    core = text[start:end]
    if not accepted and not prefix or sum(ch.isalnum() for ch in core) < 2:
        return text + tail, ()
    forms = tuple(dict.fromkeys(form for _, _, form in prefix + accepted))
    return core + tail, forms


def _words(text: str) -> list[str]:
    return tokenize_name(latinize(text))


def _person_step(text: str) -> str | None:
    cleaned = clean_text(text, casefold=True)
    if cleaned is None:
        return None
    latin = latinize(cleaned)
    latin = remove_person_prefixes(latin)
    words = tokenize_name(latin)
    return " ".join(words) or None


def person_name(text: str | None) -> str | None:
    """``"Dr. Hans-Peter MÜLLER"`` → ``"hans peter muller"``; ``"Путин"`` → ``"putin"``."""
    return fixpoint(_person_step, text)


# Cached because the fixed-point loops ask it the same text again: the confirming round of
# ``company_name`` and the first round of ``strip_legal_form`` on its result (``name_key`` in
# resolution) see the same string. A tuple, so that no caller can alter a cached answer.
@lru_cache(maxsize=4096)
def _company_tokens(text: str) -> tuple[str, ...] | None:
    cleaned = clean_text(text, casefold=True)
    if cleaned is None:
        return None
    core, forms = split_legal_forms(cleaned)
    core = remove_org_prefixes(core)
    words = _words(core)
    if not words:
        return None
    return tuple(words + [f for f in forms if f not in words])


def _company_step(text: str) -> str | None:
    words = _company_tokens(text)
    return " ".join(words) if words else None


def company_name(text: str | None) -> str | None:
    """``"ACME Co., Ltd."`` → ``"acme llc"``; ``"ООО «Ромашка»"`` → ``"romashka llc"``."""
    return fixpoint(_company_step, text)


def _legal_step(text: str) -> str | None:
    words = _company_tokens(text)
    if not words:
        return None
    forms = [w for w in words if is_legal_form_token(w)]
    return forms[0] if forms else None


def legal_form(text: str | None) -> str | None:
    """The generic legal form of a company name (``"Siemens AG"`` → ``"jsc"``), or ``None``."""
    return fixpoint(_legal_step, text)


def _strip_step(text: str) -> str | None:
    words = _company_tokens(text)
    if not words:
        return None
    core = [w for w in words if not is_legal_form_token(w)]
    return " ".join(core) or None


def strip_legal_form(text: str | None) -> str | None:
    """The company name without its legal form: ``"Acme GmbH & Co. KG"`` → ``"acme"``."""
    return fixpoint(_strip_step, text)
