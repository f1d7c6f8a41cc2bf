"""FollowTheMoney: case entities out, legal entities in as lookouts."""

from __future__ import annotations

import json
from pathlib import Path

from followthemoney import model
from sqlalchemy import select

from redlane.cases import records, service
from redlane.cases.ftm import case_entities, fid, import_lookouts
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry, Lookout
from redlane.store.partners import ensure_default_partners


def test_case_entities_map_actors_rings_and_seizures(settings) -> None:
    with session_scope(settings.database) as session:
        case_id = service.open_case(
            session, settings, kind="ring", ref="R1", title="Ring R1", actor="cli:t"
        ).id
        detail = service.case_detail(session, case_id)
    linked = records.collect(settings, [(t["kind"], t["ref"]) for t in detail["targets"]])

    entities = {e["id"]: model.get_proxy(e) for e in case_entities(detail, linked)}

    a1 = entities[fid("actor", "A1")]
    assert a1.schema.name == "LegalEntity"
    assert a1.get("name") == ["Shenzhen Bright Trading"]
    assert set(a1.get("alias")) == {"Bright Trading", "Shenzhen Bright Trading Co"}
    assert a1.get("phone") == ["+8613800138000"]
    project = entities[fid("case", case_id)]
    assert project.schema.name == "Project" and project.get("status") == ["lead"]
    seizure = entities[fid("seizure", "I1")]
    assert seizure.schema.name == "Event"
    assert seizure.get("recordId") == ["H1"]
    assert set(seizure.get("involved")) == {fid("actor", "A1"), fid("actor", "A2")}
    ring = entities[fid("ring", "R1")]
    members = [e for e in entities.values() if e.schema.name == "Membership"]
    assert {m.first("member") for m in members} == {fid("actor", "A1"), fid("actor", "A2")}
    assert all(m.first("organization") == ring.id for m in members)
    similar = [e for e in entities.values() if e.schema.name == "Similar"]
    assert len(similar) == 5  # one per party of A1 and A2
    bank = [e for e in entities.values() if e.schema.name == "BankAccount"]
    assert [b.first("accountNumber") for b in bank] == ["CN12 3456"]
    # Every reference points at an entity in the export.
    for entity in entities.values():
        for prop, value in entity.itervalues():
            if prop.type.name == "entity":
                assert value in entities, (entity.id, prop.name, value)


def test_import_ftm_entities_as_lookouts(settings, tmp_path: Path) -> None:
    person = model.make_entity("Person")
    person.id = "os-1"
    person.add("name", "Ivan Counterfeitov")
    person.add("phone", "+7 495 123 45 67")
    person.add("topics", "crime")
    company = model.make_entity("Company")
    company.id = "os-2"
    company.add("name", "Fake Goods LLC")
    company.add("address", "1 Canal St, New York")
    address = model.make_entity("Address")
    address.id = "os-3"
    address.add("full", "somewhere")
    path = tmp_path / "list.ftm.json"
    path.write_text(
        "\n".join(json.dumps(e.to_dict()) for e in (person, company, address)) + "\nnot json\n"
    )
    with session_scope(settings.database) as session:
        ensure_default_partners(session)
        first = import_lookouts(session, path, actor="cli:t", lane="red")
        second = import_lookouts(session, path, actor="cli:t")
    assert len(first.created) == 2 and first.skipped == {"Address": 1}
    assert first.invalid_lines == [4]
    assert second.created == [] and second.already == 2
    with session_scope(settings.database) as session:
        lookouts = {lk.criteria["ftm_id"]: lk for lk in session.scalars(select(Lookout))}
        assert set(lookouts) == {"os-1", "os-2"}
        ivan = lookouts["os-1"]
        assert ivan.kind == "identifier" and ivan.lane == "red" and ivan.active
        assert ivan.criteria["names"] == ["Ivan Counterfeitov"]
        assert ivan.criteria["phones"] == ["+74951234567"]
        assert ivan.criteria["topics"] == ["crime"]
        assert lookouts["os-2"].criteria["addresses"] == ["1 Canal St, New York"]
        imports = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "lookout.import")
        ).all()
        assert len(imports) == 2 and sorted(imports[0].object_ids) == sorted(
            str(i) for i in first.created
        )


def test_imported_lookouts_screen_and_plan_and_move_the_parcels_in_flight(
    settings, tmp_path: Path
) -> None:
    from redlane.store.event_models import OutboxEvent
    from redlane.targeting.rules import active_checks, check_matches, to_sql

    person = model.make_entity("Person")
    person.id = "os-9"
    person.add("name", "Ivan Counterfeitov")
    person.add("phone", "+7 495 123 45 67")
    path = tmp_path / "one.ftm.json"
    path.write_text(json.dumps(person.to_dict()) + "\n")
    with session_scope(settings.database) as session:
        ensure_default_partners(session)
        import_lookouts(session, path, actor="cli:t", lane="red")
    with session_scope(settings.database, readonly=True) as session:
        (check,) = [c for c in active_checks(session) if c.kind == "identifier"]
        events = [(e.kind, e.payload["ids"]) for e in session.scalars(select(OutboxEvent))]
    assert len(events) == 1 and events[0][0] == "lookout.changed"
    row = {
        "k_sname": "ivancounterfeitov",
        "k_cname": None,
        "k_sphone": None,
        "k_semail": None,
        "k_saddr": None,
        "k_caddr": None,
    }
    assert check_matches(check, row)
    # like a lookout made in the CLI, it applies to parcels already arrived (a replay, history)
    assert check.valid_from is not None and check.valid_from.year < 2000
    assert check_matches(check, {**row, "k_sname": "someoneelse", "k_sphone": "51234567"})
    assert not check_matches(check, {**row, "k_sname": "someoneelse"})
    # the plan's SQL path compiles it too (it used to stop `redlane target plan`)
    sql = to_sql(check.criteria, list(row))
    assert "k_sname" in sql and "k_sphone" in sql
