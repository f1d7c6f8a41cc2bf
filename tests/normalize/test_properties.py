"""Every normaliser is total (never raises, returns ``None`` or ``str``) and idempotent."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from redlane import normalize as n

Normaliser = Callable[[str | None], str | None]

NORMALISERS: dict[str, Normaliser] = {
    "person_name": n.person_name,
    "company_name": n.company_name,
    "legal_form": n.legal_form,
    "strip_legal_form": n.strip_legal_form,
    "phone": n.phone,
    "phone_de": lambda s: n.phone(s, "DE"),
    "phone_cn": lambda s: n.phone(s, "CN"),
    "email": n.email,
    "address": n.address,
    "address_core": n.address_core,
    "postcode": n.postcode,
    "postcode_us": lambda s: n.postcode(s, "US"),
    "country": n.country,
    "iban": n.iban,
    "bank_account": n.bank_account,
    "url": n.url,
    "handle": n.handle,
    "ip_address": n.ip_address,
    "device_id": n.device_id,
}

# Arbitrary Unicode, plus text built from the characters these fields are made of, so the
# interesting branches (valid phones, IBAN-like strings, e-mail shapes) are reached too.
FIELD_ALPHABET = st.sampled_from(
    list("0123456789+-()./@:_# abcdefxyzABCDEFXYZ")
    + ["ООО", "有限公司", "Ltd.", "GmbH", " Co., ", "Mr. ", "www.", "https://", "DE89",
       "gmail.com", "::ffff:", "utm_source=x", "?", "&", "=", "ß", "İ", "ﬁ", "\u00ad", "\u200b"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(FIELD_ALPHABET, max_size=20).map("".join),
)


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=TEXT)
@example(value="")
@example(value="\x00")
@example(value="AT&T Inc.")
@example(value="+49 30 1234 5678")
@example(value="John.Doe+x@GoogleMail.com")
def test_total_and_idempotent(name: str, value: str) -> None:
    f = NORMALISERS[name]
    once = f(value)
    assert once is None or (isinstance(once, str) and once != "")
    assert f(once) == once


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_none_in_none_out(name: str) -> None:
    assert NORMALISERS[name](None) is None
