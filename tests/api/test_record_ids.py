"""Ids taken as text: only ASCII digits within 64 bits are ids; anything else is a 404."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redlane.api.schemas import INT64_MAX, record_id
from tests.api.conftest import Service, service  # noqa: F401 - the seeded service fixture


@given(st.text(max_size=30))
def test_record_id_never_raises_and_round_trips(text: str) -> None:
    value = record_id(text)
    if value is not None:
        assert 0 <= value <= INT64_MAX and int(text) == value and text.isascii()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("²", None), ("١٢", None), ("-1", None), (" 7", None), (str(2**63), None)],
)
def test_record_id_examples(text: str, expected: int | None) -> None:
    assert record_id(text) == expected


@pytest.mark.parametrize("bad", ["²", "١٢", "99999999999999999999"])
def test_unicode_digits_and_huge_ids_are_not_found(service: Service, bad: str) -> None:  # noqa: F811
    for method, path, who in [
        ("DELETE", f"/v1/lookouts/{bad}", "investigator"),
        ("GET", f"/v1/rules/{bad}", "analyst"),
        ("DELETE", f"/v1/apikeys/{bad}", "admin"),
    ]:
        r = service.client.request(method, path, headers=service.auth(who))
        assert r.status_code == 404, (method, path, r.status_code, r.text)
