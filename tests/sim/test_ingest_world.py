"""The ingester and the simulator agree: the rows the truth says are broken are the ones refused."""

from __future__ import annotations

from redlane.feeds.ingest import ingest_paths


def test_ingesting_a_world_quarantines_exactly_the_injected_rows(world, warehouse):
    results = ingest_paths([world.path], warehouse)
    assert all(r.status == "loaded" for r in results), [r.error for r in results if r.error]
    injected = world.truth("injected_errors")
    resent = world.truth("resent")
    assert sum(r.quarantined for r in results) == len(injected)
    assert sum(r.duplicates for r in results) == len(resent)
    rows = (
        warehouse.connect().execute("SELECT _source_file, line, field FROM quarantine").fetchall()
    )
    refused = {(src.split("/world/")[-1], line, field) for src, line, field in rows}
    assert refused == {(r["file"], r["line"], r["field"]) for r in injected}
