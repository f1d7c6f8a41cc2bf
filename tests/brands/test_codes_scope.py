"""Code hashing and keys, and the scope's role names matching the service's (both come from
``redlane.policy.roles``; ``tests/policy/test_roles.py`` checks that they are not spelled again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from redlane.api import roles
from redlane.brands import codes, scope
from redlane.errors import ConfigError


def test_role_names_match_the_service() -> None:
    assert scope.RIGHTS_HOLDER == roles.RIGHTS_HOLDER
    assert scope.ADMIN == roles.ADMIN


def test_codes_normalise_and_hash_under_the_key(tmp_path: Path) -> None:
    key = codes.load_code_key(tmp_path)
    assert (tmp_path / "secrets" / "codes.key").stat().st_mode & 0o777 == 0o600
    assert codes.load_code_key(tmp_path) == key  # made once, then read
    assert codes.code_hash(key, "ab12-cd34 ef56") == codes.code_hash(key, "AB12CD34EF56")
    assert codes.code_hash(key, "AB12CD34EF56") != codes.code_hash(b"x" * 32, "AB12CD34EF56")
    assert "AB12" not in codes.code_hash(key, "AB12CD34EF56").upper()


@pytest.mark.parametrize("bad", ["", "AB1", "ÅÄÖ123456", "A" * 65])
def test_bad_codes_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(codes.CodeError) as err:
        codes.normalise_code(bad)
    assert bad[3:] not in err.value.detail or len(bad) <= 3


def test_a_short_environment_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(codes.KEY_ENV, "short")
    with pytest.raises(ConfigError):
        codes.load_code_key(tmp_path)
    monkeypatch.setenv(codes.KEY_ENV, "k" * 40)
    assert codes.load_code_key(tmp_path) == b"k" * 40
    assert not (tmp_path / "secrets").exists()
