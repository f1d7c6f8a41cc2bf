"""Example tables: what each normaliser makes of typical (and typically messy) values."""

from __future__ import annotations

import pytest

from redlane import normalize as n


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mr. John Smith", "john smith"),
        ("Dr. Hans-Peter MÜLLER", "hans peter muller"),
        ("Herr Prof. Dr. Klaus Schmidt", "klaus schmidt"),
        ("Владимир Путин", "vladimir putin"),
        ("Μητσοτάκης", "mitsotakis"),
        ("习近平", "xi jin ping"),
        ("ＪＯＨＮ　ＳＭＩＴＨ", "john smith"),  # full-width, NFKC
        ("O'Brien, Patrick", "obrien patrick"),
        ("   ", None),
        ("!!!", None),
    ],
)
def test_person_name(raw: str, expected: str | None) -> None:
    assert n.person_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected", "form"),
    [
        ("ACME Co., Ltd.", "acme llc", "llc"),
        ("Acme Limited", "acme llc", "llc"),
        ("ACME COMPANY LIMITED", "acme company llc", "llc"),
        ("深圳市华强电子有限公司", "shen zhen shi hua qiang dian zi llc", "llc"),
        ("北京华为技术股份有限公司", "bei jing hua wei ji shu jsc", "jsc"),
        ("株式会社トヨタ", "toyota jsc", "jsc"),
        ("Siemens GmbH", "siemens llc", "llc"),
        ("Romashka LLC", "romashka llc", "llc"),
        ("OOO Romashka", "romashka llc", "llc"),
        ("ООО «Ромашка»", "romashka llc", "llc"),
        ("Yıldız Tekstil Ltd. Şti.", "yildiz tekstil llc", "llc"),
        ("Acme Sp. z o.o.", "acme llc", "llc"),
        ("Telefonica S.A.", "telefonica jsc", "jsc"),
        ("Siemens AG", "siemens jsc", "jsc"),
        ("Acme GmbH & Co. KG", "acme lp", "lp"),
        ("PT Maju Jaya", "maju jaya pt", "pt"),
        ("The Tactical Missiles Corp", "tactical missiles corp", None),
        ("AT&T Inc.", "at t llc", "llc"),  # "AT" inside a name is no legal form
        ("Bank AG Trading", "bank ag trading", None),
    ],
)
def test_company_name(raw: str, expected: str, form: str | None) -> None:
    assert n.company_name(raw) == expected
    assert n.legal_form(raw) == form


def test_strip_legal_form() -> None:
    assert n.strip_legal_form("Acme GmbH & Co. KG") == "acme"
    assert n.strip_legal_form("ООО Ромашка") == "romashka"
    assert n.split_legal_forms("acme co., ltd.") == ("acme ", ("llc",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "II" is also Lithuanian "IĮ" (individuali įmonė) with its ogonek folded: ending a
        # name it is a Roman numeral (Fund II), before the name a legal form
        ("acme ii", ("acme ii", ())),
        ("acme fund ii lp", ("acme fund ii ", ("lp",))),
        ("ii acme", (" acme", ("sp",))),
        # nothing but forms: the first is the name
        ("ab ltd", ("ab", ("llc",))),
        ("ab", ("ab", ())),
    ],
)
def test_split_legal_forms_numerals_and_bare_forms(
    text: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    assert n.split_legal_forms(text) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(030) 1234-5678", "DE", "+493012345678"),
        ("+49 30 1234 5678", None, "+493012345678"),
        ("0049 30 12345678", "DE", "+493012345678"),
        ("415-555-2671", "US", "+14155552671"),
        ("+1 (415) 555-2671 ext. 12", None, "+14155552671"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("+86 138 0013 8000", "US", "+8613800138000"),
        ("415-555-2671", None, None),  # no country code and no region
        ("000 000 0000", "US", None),
        ("12", "DE", None),
        ("call me", "DE", None),
        ("+14155552671", "not-a-region", "+14155552671"),
    ],
)
def test_phone(raw: str, region: str | None, expected: str | None) -> None:
    assert n.phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" John.Doe+shop@GoogleMail.com ", "johndoe@gmail.com"),
        ("j.o.h.n.doe@gmail.com", "johndoe@gmail.com"),
        ("John.Doe@Example.COM", "john.doe@example.com"),
        ("sales+cn@example.com", "sales@example.com"),
        ("mailto:<Info@Shop.de>", "info@shop.de"),
        ("x@bücher.de", "x@xn--bcher-kva.de"),
        ("no-at-sign.example.com", None),
        ("a@b", None),
        ("two words@example.com", None),
        ("+tag@example.com", None),
    ],
)
def test_email(raw: str, expected: str | None) -> None:
    assert n.email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123 Main Street, Apt 4B, Springfield", "123 main st apt 4b springfield"),
        ("123 MAIN ST. APT. 4B SPRINGFIELD", "123 main st apt 4b springfield"),
        ("Bahnhofstraße 10, 86150 Augsburg", "bahnhofstrasse 10 86150 augsburg"),
        ("Main Boulevard 5, Syrian Arab Republic", "main blvd 5 sy"),
        ("", None),
    ],
)
def test_address(raw: str, expected: str | None) -> None:
    assert n.address(raw) == expected


def test_address_core_drops_units() -> None:
    assert n.address_core("1234 Forwarder Way, Suite RL-88213, Portland") == (
        "1234 forwarder way portland"
    )
    assert n.address_core("Flat 3, Floor 2, Room 1203, 5 High St") == "5 high st"
    assert n.address_core("Flat No. 12, 5 MG Road, Pune") == "5 mg rd pune"


def test_address_core_keeps_a_hong_kong_street_number_and_drops_flat_and_floor() -> None:
    # Hong Kong's order: flat, floor, building name, street number, street.
    assert n.address_core(
        "Flat D, 19/F, Fook Hing Building, 77 Queen's Road Central, Kwai Chung"
    ) == n.address_core("Flt D, 3/F, Fook Hing Bldg., 77 Queen's Road Central, Kwai Chung")
    one = n.address_core("Flat D 3/F Mai Hing Bldg 43 Queen's Rd C Kwai Chung")
    assert one is not None and "43" in one and "3 f" not in one
    # a lettered street is not a floor
    street = n.address_core("12 F Street NW, Washington DC 20001")
    assert street is not None and street.startswith("12 f st")


def test_address_core_keeps_the_house_number_written_after_no() -> None:
    # Turkish "No:" and German "Nr." give the building's number, not a unit: two houses of one
    # street are two addresses.
    one = n.address_core("Osmanbey Mahallesi İnönü Caddesi No: 111 06420 Ankara")
    other = n.address_core("Osmanbey Mahallesi, İnönü Caddesi No: 143, 06420 Ankara")
    assert one is not None and "111" in one
    assert other is not None and "143" in other
    assert n.address_core("Hauptstraße Nr. 5, 10115 Berlin") != n.address_core(
        "Hauptstraße Nr. 7, 10115 Berlin"
    )


def test_forwarder_registry() -> None:
    reg = n.ForwarderRegistry({"ShipFast PDX": "1234 Forwarder Way, Portland OR 97201"})
    hit = reg.match("1234 FORWARDER WAY STE RL-88213 PORTLAND OR 97201")
    assert hit is not None and hit.label == "ShipFast PDX" and hit.score == 1.0
    assert reg.is_forwarder("1234 Forwarder Way Suite 8821, Portland, OR 97201")
    assert reg.match("99 Other Road, Portland OR 97201") is None
    assert reg.match(None) is None
    assert len(n.ForwarderRegistry(["1 A St, Town", "1 A Street, Town"])) == 1


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("sw1a 1aa", None, "SW1A1AA"),
        ("62704-1234", "US", "62704"),
        ("62704-1234", None, "627041234"),
        ("518000", "CN", "518000"),
        ("n/a", None, None),
    ],
)
def test_postcode(raw: str, country: str | None, expected: str | None) -> None:
    assert n.postcode(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Deutschland", "DE"),
        ("DEU", "DE"),
        ("de", "DE"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Россия", "RU"),
        ("中国", "CN"),
        ("Syrian Arab Republic", "SY"),
        ("United States of America", "US"),
        ("USA", "US"),
        ("Kosovo", "XK"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_country(raw: str, expected: str | None) -> None:
    assert n.country(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("IBAN GB82-WEST-1234-5698-7654-32", "GB82WEST12345698765432"),
        ("DE89370400440532013001", None),  # checksum
        ("DE89", None),
    ],
)
def test_iban(raw: str, expected: str | None) -> None:
    assert n.iban(raw) == expected


def test_bank_account() -> None:
    assert n.bank_account("12-345-678") == "12345678"
    assert n.bank_account("gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432"
    assert n.bank_account("GB82WEST12345698765433") is None  # IBAN-shaped, bad checksum
    assert n.bank_account("ABCDEFG") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://WWW.Shop.com/a/?utm_source=x&b=1#frag", "shop.com/a?b=1"),
        ("shop.com", "shop.com"),
        ("http://m.shop.com:80/item?id=2&fbclid=abc&a=1", "shop.com/item?a=1&id=2"),
        ("shop.com:8080/x", "shop.com:8080/x"),
        ("http://例え.jp/x", "xn--r8jz45g.jp/x"),
        ("mailto:x@y.com", None),
        ("not a url", None),
    ],
)
def test_url(raw: str, expected: str | None) -> None:
    assert n.url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@Some.Seller", "@some.seller"),
        ("some.seller", "@some.seller"),
        ("https://instagram.com/some.seller/", "@some.seller"),
        ("https://www.tiktok.com/@Some.Seller?lang=en", "@some.seller"),
        ("https://www.linkedin.com/in/jane-doe", "@jane-doe"),
        ("https://t.me/shopbot?start=1", "@shopbot"),
        ("@", None),
        ("two words", None),
    ],
)
def test_handle(raw: str, expected: str | None) -> None:
    assert n.handle(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("[2001:DB8::1]:443", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("10.0.0.1:8080", "10.0.0.1"),
        (" 192.168.001.1", None),  # leading zeros are ambiguous (octal): refused
        ("999.1.1.1", None),
    ],
)
def test_ip_address(raw: str, expected: str | None) -> None:
    assert n.ip_address(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{6F9619FF-8B86-D011-B42D-00C04FC964FF}", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ("6F9619FF8B86D011B42D00C04FC964FF", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ("00000000-0000-0000-0000-000000000000", None),
        ("AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"),
        ("490154203237518", "490154203237518"),
        ("Android-ABC123XYZ", "androidabc123xyz"),
        ("x", None),
    ],
)
def test_device_id(raw: str, expected: str | None) -> None:
    assert n.device_id(raw) == expected
