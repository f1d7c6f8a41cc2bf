"""``scripts/audit_deps.py``: the lock is read whole, and the policy fails exactly on known
vulnerabilities that have a fix, never calling an unaudited lock clean (no network needed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module
    spec.loader.exec_module(module)
    return module


audit_deps = _load()


def report(*deps: dict[str, Any]) -> dict[str, Any]:
    return {"dependencies": list(deps), "fixes": []}


def vuln(vid: str, fixes: list[str], aliases: list[str] | None = None) -> dict[str, Any]:
    return {"id": vid, "fix_versions": fixes, "aliases": aliases or [], "description": "x"}


def test_every_registry_package_of_the_lock_is_pinned() -> None:
    pins = audit_deps.locked_requirements(ROOT / "uv.lock")

    names = {p.split("==")[0] for p in pins}
    assert {"duckdb", "sqlalchemy", "fastapi", "pip-audit"} <= names
    assert "redlane" not in names  # the project itself is not on PyPI
    assert all(p.count("==") == 1 for p in pins)


def test_policy_fails_on_fixable_reports_unfixed_and_honours_the_allowlist() -> None:
    found = audit_deps.findings(
        report(
            {"name": "a", "version": "1", "vulns": [vuln("GHSA-1", ["1.1"])]},
            {"name": "b", "version": "2", "vulns": [vuln("PYSEC-2", [])]},
            {"name": "c", "version": "3", "vulns": [vuln("GHSA-3", ["4"], ["CVE-2099-3"])]},
            {"name": "d", "version": "4", "vulns": []},
        )
    )

    failing, unfixed, accepted = audit_deps.judge(found, {"CVE-2099-3": "not reachable"})

    assert [f.vuln_id for f in failing] == ["GHSA-1"]
    assert [f.vuln_id for f in unfixed] == ["PYSEC-2"]
    assert [(f.vuln_id, why) for f, why in accepted] == [("GHSA-3", "not reachable")]


@pytest.mark.parametrize(
    "canned, code",
    [
        (report({"name": "a", "version": "1", "vulns": []}), 0),
        (report({"name": "a", "version": "1", "vulns": [vuln("GHSA-1", ["1.1"])]}), 1),
        (report({"name": "a", "version": "1", "vulns": [vuln("GHSA-1", [])]}), 0),
        (report({"name": "a", "skip_reason": "Dependency not found on PyPI"}), 2),
    ],
    ids=["clean", "fixable", "no-fix-yet", "unaudited"],
)
def test_exit_code(
    canned: dict[str, Any], code: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(audit_deps, "run_pip_audit", lambda _reqs: canned)
    monkeypatch.setattr(audit_deps, "ALLOWLIST", tmp_path / "none.toml")

    assert audit_deps.main([]) == code


def test_the_shipped_allowlist_reads() -> None:
    allowed = audit_deps.load_allowlist()
    assert all(reason.strip() for reason in allowed.values())
