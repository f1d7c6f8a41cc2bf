"""The demo hook: a case on the riskiest ring (or the fallbacks), with evidence, exported."""

from __future__ import annotations

import json

import pytest

from redlane.cases import package, service
from redlane.cases.demo import create_demo_case
from redlane.store.db import session_scope
from tests.cases import world


def _origin(settings, case_id: int) -> tuple[str, str]:
    with session_scope(settings.database) as session:
        first = service.targets(session, case_id)[0]
        return first.kind, first.ref


def test_demo_case_on_the_riskiest_ring(settings) -> None:
    case_id = create_demo_case(settings)

    out = settings.home / "exports" / f"case-{case_id}"
    assert _origin(settings, case_id) == ("ring", "R1")
    assert package.verify(out).ok
    assert list(out.glob("*.pdf"))
    evidence = sorted(p.name for p in (out / "evidence").iterdir())
    assert evidence == ["0001-seizure-records.json", "0002-listing-snapshots.json"]
    seized = json.loads((out / "evidence" / evidence[0]).read_text())
    assert [s["inspection_id"] for s in seized["seizures"]] == ["I1"]
    assert [s["hawb"] for s in seized["shipments"]] == ["H1"]
    with session_scope(settings.database) as session:
        assert service.get_case(session, case_id).status == "investigation"
    # Running it again makes another case, and a new folder.
    assert create_demo_case(settings) == case_id + 1


def test_demo_falls_back_to_the_biggest_actor_without_rings(settings) -> None:
    world.write_resolution(settings.home, run_id="run-2", rings=False)

    case_id = create_demo_case(settings)

    assert _origin(settings, case_id) == ("actor", "A1")


def test_demo_falls_back_to_a_seizure_before_resolution(settings) -> None:
    (settings.home / "resolution" / "current.json").unlink()

    case_id = create_demo_case(settings)

    assert _origin(settings, case_id) == ("inspection", "I1")
    assert package.verify(settings.home / "exports" / f"case-{case_id}").ok


def test_demo_without_data_says_so(tmp_path, monkeypatch) -> None:
    from redlane.config import Settings
    from redlane.errors import NotReady

    with pytest.raises(NotReady):
        create_demo_case(Settings(home=tmp_path / "empty"))
