"""The cache of ``names._company_tokens`` changes no answer of the company-name normalisers.

Every answer is computed twice: with the cache (as in production) and with ``_company_tokens``
as it was before the cache, computed afresh on every call and returning a new list.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from redlane import normalize
from redlane.normalize import names
from redlane.resolve.prepare import name_key
from redlane.sim import names as sim_names

FUNCTIONS: dict[str, Callable[[str | None], str | None]] = {
    "company_name": normalize.company_name,
    "legal_form": normalize.legal_form,
    "strip_legal_form": normalize.strip_legal_form,
    "name_key": name_key,
}

NAME_PIECES = st.sampled_from(
    ["Acme", "Trading", "Shenzhen", "Huaqiang", "深圳", "华强", "电子", "有限公司", "株式会社",
     "トヨタ", "ООО", "«Ромашка»", "Co.,", "Ltd.", "Limited", "GmbH", "& Co.", "KG", "AG", "S.A.",
     "LLC", "PT", "Sp. z o.o.", "Ltd. Şti.", "(Shenzhen)", "Mr.", "AT&T", "Inc.", "jsc", "llc",
     " ", "  ", ",", ".", "-", "'", "ß", "İ", "ﬁ", "\u00ad", "\u200b"]
)  # fmt: skip
NAMES = st.one_of(st.lists(NAME_PIECES, max_size=8).map(" ".join), st.text(max_size=40))


_COMPUTE = names._company_tokens.__wrapped__


def _uncached(text: str) -> list[str] | None:
    words = _COMPUTE(text)
    return None if words is None else list(words)


def _cached_and_plain(values: list[str]) -> tuple[list[list[str | None]], list[list[str | None]]]:
    # Forwards then backwards, so that answers also come from a cache warmed by other values.
    values = values + values[::-1]
    names._company_tokens.cache_clear()
    cached = [[f(v) for v in values] for f in FUNCTIONS.values()]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(names, "_company_tokens", _uncached)
        plain = [[f(v) for v in values] for f in FUNCTIONS.values()]
    return cached, plain


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(NAMES, min_size=1, max_size=6))
@example(values=["Acme Co., Ltd.", "acme llc", "Acme Co., Ltd."])
@example(values=["深圳华强电子有限公司", "ООО «Ромашка»", "Acme GmbH & Co. KG"])
def test_cached_tokens_give_the_uncached_answers(values: list[str]) -> None:
    cached, plain = _cached_and_plain(values)
    assert cached == plain


def test_simulated_names_give_the_uncached_answers() -> None:
    rng = random.Random(3)
    values = []
    for country in ["CN", "HK", "KR", "RU", "TR", "DE", "GB", "US", "JP", "VN", "IT", "PL"]:
        for _ in range(25):
            name = sim_names.company_name(country, rng)
            values += sim_names.name_variants(name, rng, 3)
            values += sim_names.name_variants(sim_names.person_name(country, rng), rng, 1)
    cached, plain = _cached_and_plain(values)
    assert cached == plain
    assert sum(v is not None for v in cached[1]) > 50  # legal forms found: the branch is run
