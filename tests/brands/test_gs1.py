"""GS1 identifiers read the way docs/brands.md says: every form, check digits, GTIN-14."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redlane.brands import codes, gs1

# GS1's own example GTIN (the Digital Link standard uses it) and its shorter forms.
GTIN14 = "09506000134352"
SERIAL = "ABC123"


def check_digit(payload: str) -> str:
    """The GS1 mod-10 check digit, written out from the General Specifications (weights 3, 1
    from the right), so the test does not borrow the code under test."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


@pytest.mark.parametrize(
    "text",
    [
        "09506000134352",  # GTIN-14
        "9506000134352",  # GTIN-13 (EAN)
        "9506-0001-34352",  # separators ignored
        "(01)09506000134352",
        "0109506000134352",
        "]C10109506000134352",
        "https://id.gs1.org/01/09506000134352",
        "https://brand.example/01/9506000134352",
    ],
)
def test_every_form_of_a_gtin_reads_as_the_same_gtin14(text: str) -> None:
    assert gs1.read_gtin(text) == GTIN14


def test_short_gtins_are_padded_to_gtin14() -> None:
    assert gs1.read_gtin("96385074") == "00000096385074"  # GTIN-8
    assert gs1.read_gtin("036000291452") == "00036000291452"  # GTIN-12 (UPC-A)


@pytest.mark.parametrize(
    "text",
    [
        "(01)09506000134352(21)ABC123",
        "(01) 09506000134352 (21) ABC123",
        "010950600013435221ABC123",
        "\x1d010950600013435221ABC123",
        "]d2010950600013435221ABC123",
        "]Q3010950600013435221ABC123",
        "0109506000134352" + "10LOT7\x1d" + "21ABC123",  # a lot first, ended by FNC1
        "(01)09506000134352(17)271231(21)ABC123",
        "https://id.gs1.org/01/09506000134352/21/ABC123",
        "https://id.gs1.org/01/09506000134352/10/LOT7/21/ABC123?17=271231",
    ],
)
def test_every_form_of_an_sgtin_reads_as_gtin_and_serial(text: str) -> None:
    found = gs1.read(text)
    assert (found.gtin, found.serial) == (GTIN14, SERIAL)


@pytest.mark.parametrize(
    "text",
    [
        "09506000134353",
        "9506000134353",
        "(01)09506000134353(21)ABC123",
        "010950600013435321ABC123",
        "https://id.gs1.org/01/09506000134353/21/ABC123",
    ],
)
def test_a_wrong_check_digit_is_refused_saying_which_digit(text: str) -> None:
    with pytest.raises(gs1.GS1Error) as err:
        gs1.read(text)
    assert "wrong check digit: expected 2, got 3" in err.value.detail


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("1234567", "8, 12, 13 or 14 digits"),
        ("(21)ABC123", "no GTIN (AI 01)"),
        ("https://example.com/about", "Digital Link"),
        ("NOT-A-GTIN", "not a GS1 identifier"),
        ("]", "symbology identifier"),
        ("]d2", "nothing follows"),
    ],
)
def test_what_is_not_gs1_is_refused_clearly(text: str, problem: str) -> None:
    with pytest.raises(gs1.GS1Error) as err:
        gs1.read(text)
    assert problem in err.value.detail


def test_a_product_line_gtin_with_a_serial_is_refused() -> None:
    with pytest.raises(gs1.GS1Error, match="not a unit's serial"):
        gs1.read_gtin("(01)09506000134352(21)ABC123")


def test_errors_never_repeat_the_serial() -> None:
    with pytest.raises(gs1.GS1Error) as err:
        gs1.read("(01)09506000134352(21)SECRETSERIAL0123456789XYZ")
    assert "SECRETSERIAL" not in err.value.detail


def test_own_codes_stay_own_codes_unless_unmistakably_gs1() -> None:
    assert codes.read_code("ACME-0001-XK") == codes.Reading("ACME-0001-XK")
    assert codes.read_code(GTIN14) == codes.Reading(GTIN14)  # plain digits: an own code
    # A bare 01…21… string whose GTIN check digit is wrong is an own code too.
    assert codes.read_code("010950600013435321ABC123").gtin is None
    assert codes.read_code("010950600013435221ABC123") == codes.Reading(SERIAL, GTIN14)
    assert codes.read_code("(01)09506000134352(21)ABC123", "code").gtin is None
    with pytest.raises(codes.CodeError, match="names a product, not a unit"):
        codes.read_code(GTIN14, "gs1")


# --- property: any valid GTIN, any form, one GTIN-14 ---------------------------------------
@st.composite
def gtins(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([8, 12, 13, 14]))
    payload = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    return payload + check_digit(payload)


SERIALS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=6, max_size=20)


def _forms(gtin: str, serial: str) -> list[str]:
    padded = gtin.zfill(14)
    return [
        f"(01){padded}(21){serial}",
        f"01{padded}21{serial}",
        f"]d201{padded}21{serial}",
        f"\x1d01{padded}21{serial}",
        f"https://id.gs1.org/01/{padded}/21/{serial}",
        f"https://id.gs1.org/01/{gtin}/21/{serial}",
    ]


@settings(max_examples=150, deadline=None)
@given(gtin=gtins(), serial=SERIALS)
def test_any_valid_gtin_in_any_form_parses_to_one_gtin14(gtin: str, serial: str) -> None:
    expected = gtin.zfill(14)
    assert gs1.read_gtin(gtin) == expected
    assert gs1.read_gtin(f"(01){expected}") == expected
    for form in _forms(gtin, serial):
        found = gs1.read(form)
        assert (found.gtin, found.serial) == (expected, serial), form


@settings(max_examples=100, deadline=None)
@given(gtin=gtins(), wrong=st.integers(1, 9))
def test_any_changed_check_digit_is_refused(gtin: str, wrong: int) -> None:
    bad = gtin[:-1] + str((int(gtin[-1]) + wrong) % 10)
    with pytest.raises(gs1.GS1Error, match="check digit"):
        gs1.read_gtin(bad)


MARKS = st.sampled_from(["", "(01)", "01", "]d2", "]", "\x1d", "https://id.gs1.org/01/", "(21)"])


@settings(max_examples=300, deadline=None)
@given(mark=MARKS, rest=st.text(max_size=30))
def test_anything_unreadable_is_a_clear_error_never_a_crash(mark: str, rest: str) -> None:
    try:
        gs1.read(mark + rest)
    except gs1.GS1Error as err:
        assert err.STATUS == 422 and err.detail
