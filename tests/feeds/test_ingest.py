"""Ingestion as a user sees it: what loads, what is refused and why, and what re-runs do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import CARRIER, FEEDS, MARKETPLACE, RECORDATIONS, SOCIAL, TABLES
from tests.utils.feed_files import (
    json_value,
    recordations_document,
    valid_record,
    write_csv,
    write_jsonl,
    write_valid_feed,
)

AED = CARRIER.tables[0]


def quarantine_rows(warehouse: Warehouse) -> list[dict[str, object]]:
    cur = warehouse.connect().execute(
        "SELECT table_name, _source_file, line, location, field, value, reason, errors, record "
        "FROM quarantine ORDER BY line, location"
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.kind)
def test_each_feed_loads_its_valid_file_whole(feed, tmp_path, warehouse):
    path = write_valid_feed(tmp_path / "in", feed, rows=4)
    [result] = ingest_paths([path], warehouse)
    assert result.status == "loaded", result.error
    assert result.feed == feed.kind
    assert result.quarantined == 0
    rows = warehouse.table_rows()
    for table in feed.tables:
        expected = 8 if feed is RECORDATIONS and table.json_path != ("brands",) else 4
        assert rows[table.name] == expected, table.name


def test_loaded_rows_are_typed_and_carry_lineage(tmp_path, warehouse):
    path = write_valid_feed(tmp_path, CARRIER, rows=3)
    ingest_paths([path], warehouse, partner="expr-carrier")
    row = (
        warehouse.connect()
        .execute(
            "SELECT declared_value, pieces, expected_arrival, hs6, currency, _partner, "
            "_source_file, _line, _file_sha256, _batch_id, _ingested_at "
            "FROM aed_shipments ORDER BY _line LIMIT 1"
        )
        .fetchone()
    )
    assert row is not None
    value, pieces, arrival, hs6, currency, partner, source, line, sha, batch, at = row
    assert float(value) == 18.5 and pieces == 1 and hs6 == "851830" and currency == "USD"
    assert str(arrival) == "2025-06-03 06:40:00"
    assert partner == "expr-carrier" and source == str(path.resolve()) and line == 2
    assert len(sha) == 64 and batch and at is not None


def test_bad_rows_go_to_quarantine_with_file_line_field_value_reason(tmp_path, warehouse):
    records = [valid_record(AED, i) for i in range(5)]
    records[1]["shipper_country"] = "XX"
    records[1]["declared_value"] = "-4"
    records[3]["expected_arrival"] = "next tuesday"
    path = write_csv(tmp_path / "aed.csv", AED, records)
    [result] = ingest_paths([path], warehouse)
    assert (result.loaded, result.quarantined) == (3, 2)
    bad = quarantine_rows(warehouse)
    assert [(r["line"], r["field"], r["value"]) for r in bad] == [
        (3, "shipper_country", "XX"),
        (5, "expected_arrival", "next tuesday"),
    ]
    assert bad[0]["reason"] == "not an ISO 3166 country code"
    assert bad[0]["_source_file"] == str(path.resolve())
    errors = json.loads(str(bad[0]["errors"]))
    assert {e["field"] for e in errors} == {"shipper_country", "declared_value"}
    assert json.loads(str(bad[0]["record"]))["hawb"] == records[1]["hawb"]


# (field, bad value, reason) for the carrier feed: one row per kind of rule.
CARRIER_VIOLATIONS = [
    ("hawb", "", "required field is missing"),
    ("hawb", "EX 001", "identifier contains whitespace"),
    ("shipper_name", "x" * 501, "longer than 500 characters"),
    ("description", "x" * 4001, "longer than 4000 characters"),
    ("pieces", "1.5", "not a whole number"),
    ("pieces", "0", "must be at least 1"),
    ("declared_value", "12,50", "not a number"),
    ("declared_value", "NaN", "not a number"),
    ("declared_value", "1e9", "must be at most 1e+08"),
    ("weight_kg", "0", "must be at least 0.001"),
    ("expected_arrival", "2025-13-01T00:00:00Z", "not an ISO 8601 date-time"),
    ("expected_arrival", "1950-01-01T00:00:00Z", "date outside 1990-01-01..2100-12-31"),
    ("origin_country", "China", "not an ISO 3166 country code"),
    ("currency", "XYZ", "not an ISO 4217 currency code"),
    ("hs6", "8518", "HS code must be 6 digits"),
    # identifiers hold no whitespace, Unicode spaces included
    ("hawb", "EX\u00a0000001", "identifier contains whitespace"),
    ("hawb", "EX\u3000000001", "identifier contains whitespace"),
    ("hawb", "EX\u2009000001", "identifier contains whitespace"),
    ("shipper_email", "not-an-email", "not an email address"),
]


@pytest.mark.parametrize(("field", "value", "reason"), CARRIER_VIOLATIONS)
def test_each_validation_rule_refuses_its_row_and_names_it(
    field, value, reason, tmp_path, warehouse
):
    records = [valid_record(AED, i) for i in range(3)]
    records[2][field] = value
    [result] = ingest_paths([write_csv(tmp_path / "aed.csv", AED, records)], warehouse)
    assert (result.loaded, result.quarantined) == (2, 1)
    [bad] = quarantine_rows(warehouse)
    assert (bad["line"], bad["field"], bad["reason"]) == (4, field, reason)


@pytest.mark.parametrize(
    ("table", "field", "value", "reason"),
    [
        ("mp_sellers", "status", "banned", "must be one of: active, suspended, closed"),
        # docs/feeds.md: "list of strings (JSON array)", error `not a list of strings`
        ("mp_sellers", "other_stores", 5, "not a list of strings"),
        ("mp_sellers", "other_stores", "https://shop.example.net/a", "not a list of strings"),
        ("mp_sellers", "other_stores", [1, 2], "not a list of strings"),
        ("mp_sellers", "other_stores", [True], "not a list of strings"),
        ("mp_sellers", "other_stores", [["a"]], "not a list of strings"),
        ("mp_sellers", "other_stores", {"url": "a"}, "not a list of strings"),
        ("mp_sellers", "other_stores", ["a", None], "not a list of strings"),
        ("mp_sellers", "other_stores", ["https://a.example", "https://b.example"], None),
        ("mp_takedowns", "account_closed", "maybe", "not true/false"),
        ("mp_listings", "price", {"amount": 3}, "expected a single value, found dict"),
    ],
)
def test_jsonl_rules(table, field, value, reason, tmp_path, warehouse):
    spec = TABLES[table]
    good = [(t, valid_record(t, i)) for t in MARKETPLACE.tables for i in range(2)]
    bad = valid_record(spec, 9)
    path = write_jsonl(tmp_path / "mp.jsonl", MARKETPLACE, good)
    typed = {k: json_value(spec, k, v) for k, v in bad.items()}
    obj = {"record_type": spec.record_type, **typed, field: value}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(obj) + "\n")
    [result] = ingest_paths([path], warehouse)
    quarantined = quarantine_rows(warehouse)
    if reason is None:
        assert result.quarantined == 0 and result.loaded == 7
        return
    assert result.loaded == 6 and result.quarantined == 1
    assert (quarantined[0]["line"], quarantined[0]["field"]) == (7, field)
    assert quarantined[0]["reason"] == reason


def test_broken_lines_are_quarantined_and_the_rest_loads(tmp_path, warehouse):
    path = write_jsonl(
        tmp_path / "posts.jsonl",
        SOCIAL,
        [(SOCIAL.tables[0], valid_record(SOCIAL.tables[0], i)) for i in range(3)],
    )
    with path.open("ab") as out:
        out.write(b'{"post_id": "P-1", "platform": \n')  # truncated JSON
        out.write(b"[1, 2]\n")
        out.write(b'{"post_id": "P-\xff", "platform": "x"}\n')  # not UTF-8
    [result] = ingest_paths([path], warehouse)
    assert (result.loaded, result.quarantined, result.records) == (3, 3, 6)
    reasons = [r["reason"] for r in quarantine_rows(warehouse)]
    assert reasons[0].startswith("not valid JSON")
    assert reasons[1:] == ["expected a JSON object, found list", "invalid UTF-8 bytes"]


def test_csv_row_with_wrong_field_count_is_quarantined(tmp_path, warehouse):
    path = write_valid_feed(tmp_path, CARRIER, rows=2)
    with path.open("a", encoding="utf-8") as out:
        out.write("EXPR,short,row\n")
    [result] = ingest_paths([path], warehouse)
    assert (result.loaded, result.quarantined) == (2, 1)
    [bad] = quarantine_rows(warehouse)
    assert bad["line"] == 4 and bad["reason"] == f"expected {len(AED.fields)} fields, found 3"


def test_json_document_errors_point_into_the_document(tmp_path, warehouse):
    doc = recordations_document(2)
    doc["brands"][1]["product_lines"][0]["hs6"] = "12"
    doc["brands"][0]["authorized_parties"][1]["country"] = "ZZ"
    path = tmp_path / "holder.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    [result] = ingest_paths([path], warehouse)
    assert result.quarantined == 2
    located = {(r["location"], r["field"]) for r in quarantine_rows(warehouse)}
    assert located == {
        ("/brands/1/product_lines/0", "hs6"),
        ("/brands/0/authorized_parties/1", "country"),
    }
    # Children inherit the brand id of the brand they sit in.
    brand_ids = (
        warehouse.connect()
        .execute("SELECT DISTINCT brand_id FROM product_lines ORDER BY 1")
        .fetchall()
    )
    assert brand_ids == [(doc["brands"][0]["brand_id"],), (doc["brands"][1]["brand_id"],)]


def test_reingesting_three_times_adds_nothing(tmp_path, warehouse):
    folder = tmp_path / "drop"
    for feed in FEEDS:
        write_valid_feed(folder, feed, rows=3)
    records = [valid_record(AED, i) for i in range(3)]
    records[0]["currency"] = "???"
    write_csv(folder / "carrier_bad.csv", AED, records + [valid_record(AED, 7)])
    first = ingest_paths([folder], warehouse)
    counts = warehouse.table_rows()
    for _ in range(3):
        again = ingest_paths([folder], warehouse)
        assert all(r.status == "already_ingested" for r in again)
        assert warehouse.table_rows() == counts
    assert len(warehouse.manifests()) == len(first)


def test_a_new_file_repeating_loaded_rows_adds_only_new_rows(tmp_path, warehouse):
    first = write_csv(tmp_path / "day1.csv", AED, [valid_record(AED, i) for i in range(5)])
    ingest_paths([first], warehouse)
    resent = [valid_record(AED, i) for i in range(3, 8)]  # 3, 4 repeat; 5..7 new
    resent[0] = {**resent[0]}  # identical content: a duplicate
    [result] = ingest_paths([write_csv(tmp_path / "day2.csv", AED, resent)], warehouse)
    assert (result.loaded, result.duplicates, result.quarantined) == (3, 2, 0)
    assert warehouse.table_rows()["aed_shipments"] == 8


def test_same_key_with_other_content_is_quarantined_not_replaced(tmp_path, warehouse):
    ingest_paths([write_csv(tmp_path / "a.csv", AED, [valid_record(AED, 1)])], warehouse)
    changed = {**valid_record(AED, 1), "declared_value": "999"}
    [result] = ingest_paths([write_csv(tmp_path / "b.csv", AED, [changed])], warehouse)
    assert (result.loaded, result.quarantined) == (0, 1)
    [bad] = quarantine_rows(warehouse)
    assert "a row loaded in batch" in str(bad["reason"]) and bad["field"] == "carrier,hawb"
    value = warehouse.connect().execute("SELECT declared_value FROM aed_shipments").fetchone()
    assert value is not None and float(value[0]) == 18.5


def test_duplicates_inside_one_file(tmp_path, warehouse):
    row = valid_record(AED, 1)
    rows = [row, dict(row), {**row, "pieces": "3"}]
    [result] = ingest_paths([write_csv(tmp_path / "a.csv", AED, rows)], warehouse)
    assert (result.loaded, result.duplicates, result.quarantined) == (1, 1, 1)
    [bad] = quarantine_rows(warehouse)
    assert "line 2 of this file" in str(bad["reason"])


def _accounted(result) -> bool:
    return result.loaded + result.duplicates + result.quarantined == result.records


def test_a_bad_row_resent_in_a_new_file_is_quarantined_at_that_file_and_line(tmp_path, warehouse):
    """docs/feeds.md: records = loaded + duplicates + quarantined, and a refused record has a
    quarantine entry for each file and line it came in."""
    from typer.testing import CliRunner

    from redlane.cli import app

    records = [valid_record(AED, i) for i in range(3)]
    records[0]["origin_country"] = "XX"
    day1 = write_csv(tmp_path / "day1.csv", AED, records)
    day2 = write_csv(tmp_path / "day2.csv", AED, [valid_record(AED, 7), *records])
    [first] = ingest_paths([day1], warehouse)
    [second] = ingest_paths([day2], warehouse)
    assert (second.records, second.loaded, second.duplicates, second.quarantined) == (4, 1, 2, 1)
    assert _accounted(first) and _accounted(second)
    places = {(Path(str(r["_source_file"])).name, r["line"]) for r in quarantine_rows(warehouse)}
    assert places == {("day1.csv", 2), ("day2.csv", 3)}

    runner = CliRunner()
    listed = runner.invoke(app, ["quarantine", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["rows"]
    assert {(Path(r["_source_file"]).name, r["line"]) for r in rows} == places
    resent = next(r for r in rows if r["_source_file"].endswith("day2.csv"))
    shown = runner.invoke(app, ["quarantine", "show", resent["quarantine_id"], "--json"])
    assert shown.exit_code == 0, shown.output
    elsewhere = json.loads(shown.stdout)["same_record_elsewhere"]
    assert [(Path(r["file"]).name, r["line"]) for r in elsewhere] == [("day1.csv", 2)]

    again = ingest_paths([day1, day2], warehouse)
    assert [r.status for r in again] == ["already_ingested", "already_ingested"]
    assert warehouse.table_rows()["quarantine"] == 2


def test_the_same_bad_row_twice_in_one_file_is_quarantined_twice(tmp_path, warehouse):
    bad = {**valid_record(AED, 1), "pieces": "lots"}
    path = write_csv(tmp_path / "aed.csv", AED, [bad, dict(bad), valid_record(AED, 2)])
    [result] = ingest_paths([path], warehouse)
    assert (result.records, result.loaded, result.quarantined) == (3, 1, 2)
    assert [r["line"] for r in quarantine_rows(warehouse)] == [2, 3]


def test_a_long_goods_description_loads(tmp_path, warehouse):
    """A consolidated parcel lists many items in its description: 1,500 characters is
    ordinary, and within the documented limit."""
    items = "; ".join(
        f"{n} x wireless earphones model NC{n:03d} with charging case" for n in range(30)
    )
    assert 1500 < len(items) < 4000
    records = [{**valid_record(AED, 1), "description": items}, valid_record(AED, 2)]
    [result] = ingest_paths([write_csv(tmp_path / "aed.csv", AED, records)], warehouse)
    assert (result.loaded, result.quarantined) == (2, 0)
    stored = (
        warehouse.connect()
        .execute("SELECT description FROM aed_shipments ORDER BY _line LIMIT 1")
        .fetchone()
    )
    assert stored == (items,)


def test_json_document_names_each_records_own_unicode_fault(tmp_path, warehouse):
    """A raw byte that is not UTF-8 in one record and a lone surrogate escape in another: each
    record is refused for its own fault, not for the other's."""
    doc = recordations_document(3)
    doc["brands"][0]["name"] = "BYTE_HERE"
    doc["brands"][1]["name"] = "ESCAPE_HERE"
    text = json.dumps(doc).replace("ESCAPE_HERE", "Aur\\ud800alis")
    raw = text.encode("utf-8").replace(b"BYTE_HERE", b"Aur\xffalis")
    path = tmp_path / "holder.json"
    path.write_bytes(raw)
    [result] = ingest_paths([path], warehouse)
    reasons = {
        r["location"]: (r["field"], r["reason"])
        for r in quarantine_rows(warehouse)
        if r["table_name"] == "brands"
    }
    assert reasons == {
        "/brands/0": ("name", "invalid UTF-8 bytes"),
        "/brands/1": ("name", "lone surrogate escape: not valid Unicode text"),
    }
    assert _accounted(result)


def test_jsonl_record_with_an_escape_and_a_bad_byte_names_the_first_fields_fault(
    tmp_path, warehouse
):
    """title (an escape) comes before url (a raw bad byte) in the spec: the reason is title's."""
    spec = TABLES["mp_listings"]
    obj = {"record_type": "listing", **valid_record(spec, 1)}
    obj["title"], obj["url"] = "ESCAPE_HERE", "BYTE_HERE"
    line = json.dumps(obj).replace("ESCAPE_HERE", "NC700 \\udc80 Pro").encode("utf-8")
    path = tmp_path / "mp.jsonl"
    path.write_bytes(line.replace(b"BYTE_HERE", b"https://x.example/\xfe") + b"\n")
    [result] = ingest_paths([path], warehouse)
    [bad] = quarantine_rows(warehouse)
    assert (bad["field"], bad["reason"]) == (
        "title",
        "lone surrogate escape: not valid Unicode text",
    )
    assert result.quarantined == 1


@pytest.mark.parametrize(
    ("written", "reason"),
    [(b"caf\xe9", "invalid UTF-8 bytes"), (b"caf\\ud800", "lone surrogate escape")],
)
def test_a_list_field_given_a_bare_string_with_a_unicode_fault_names_that_field(
    written, reason, tmp_path, warehouse
):
    """A list field written as a bare string that also holds a bad byte or a lone surrogate:
    the record is refused for that field's Unicode fault (found by the fuzzer)."""
    spec = TABLES["mp_sellers"]
    obj = {"record_type": "seller", **valid_record(spec, 1), "other_stores": "HERE"}
    path = tmp_path / "mp.jsonl"
    path.write_bytes(json.dumps(obj).encode("utf-8").replace(b"HERE", written) + b"\n")
    [result] = ingest_paths([path], warehouse)
    [bad] = quarantine_rows(warehouse)
    assert bad["field"] == "other_stores" and bad["reason"].startswith(reason)
    assert result.quarantined == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "file is empty"),
        ("nohead.csv", "carrier,hawb\nEXPR,1\n", "cannot tell which feed"),
        ("notes.txt", "hello", "unknown file type"),
        ("broken.json", '{"brands": [', "not valid JSON"),
    ],
)
def test_unreadable_file_is_refused_whole_and_others_still_load(
    name, content, message, tmp_path, warehouse
):
    folder = tmp_path / "drop"
    write_valid_feed(folder, CARRIER, rows=2)
    (folder / name).write_text(content, encoding="utf-8")
    results = ingest_paths(
        [folder, folder / name] if name.endswith(".txt") else [folder], warehouse
    )
    failed = [r for r in results if r.status == "failed"]
    assert len(failed) == 1 and message in str(failed[0].error) and name in str(failed[0].error)
    assert warehouse.table_rows()["aed_shipments"] == 2


def test_csv_missing_a_required_column_is_refused_whole(tmp_path, warehouse):
    header = [c for c in AED.field_names() if c != "declared_value"]
    path = write_csv(tmp_path / "aed.csv", AED, [valid_record(AED, 1)], header=header)
    [result] = ingest_paths([path], warehouse, feed_kind="carrier")
    assert result.status == "failed" and "declared_value" in str(result.error)
    assert warehouse.table_rows()["aed_shipments"] == 0 and not warehouse.manifests()


def test_truth_folder_is_never_ingested(tmp_path, warehouse):
    write_valid_feed(tmp_path / "world" / "carrier", CARRIER, rows=2)
    shutil.copytree(tmp_path / "world" / "carrier", tmp_path / "world" / "truth")
    results = ingest_paths([tmp_path / "world"], warehouse)
    assert [Path(r.path).parent.name for r in results] == ["carrier"]


def test_hs_and_hts_codes_ignore_dots_spaces_and_dashes_as_documented(tmp_path, warehouse):
    records = [valid_record(AED, i) for i in range(3)]
    for record, code in zip(records, ("8518.30", "8518 30", "8518-30"), strict=True):
        record["hs6"] = code
    [result] = ingest_paths([write_csv(tmp_path / "aed.csv", AED, records)], warehouse)
    assert (result.loaded, result.quarantined) == (3, 0)
    codes = warehouse.connect().execute("SELECT DISTINCT hs6 FROM aed_shipments").fetchall()
    assert codes == [("851830",)]


def test_quarantine_show_prints_a_record_nested_too_deeply_to_parse(tmp_path, warehouse):
    from typer.testing import CliRunner

    from redlane.cli import app

    spec = TABLES["mp_listings"]
    good = [(t, valid_record(t, i)) for t in MARKETPLACE.tables for i in range(2)]
    path = write_jsonl(tmp_path / "mp.jsonl", MARKETPLACE, good)
    deep = "[" * 50_000 + "]" * 50_000
    line = json.dumps({"record_type": spec.record_type, **valid_record(spec, 9)})
    with path.open("a", encoding="utf-8") as out:
        out.write(line[:-1] + ', "title": ' + deep + "}\n")
    [result] = ingest_paths([path], warehouse)
    assert result.quarantined == 1
    (qid,) = warehouse.connect().execute("SELECT quarantine_id FROM quarantine").fetchone()
    runner = CliRunner()
    for args in (["quarantine", "show", qid, "--json"], ["quarantine", "show", qid]):
        shown = runner.invoke(app, args)
        assert shown.exit_code == 0, shown.output
        assert "Traceback" not in shown.output
