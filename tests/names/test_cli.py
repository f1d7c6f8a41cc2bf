"""``names score-pairs``: round trip through CSV files, errors naming file and line."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from redlane.cli.names_cmds import names_app
from redlane.names import compare

runner = CliRunner()


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_round_trip(tmp_path: Path) -> None:
    rows = [
        ["id", "schema", "name1", "name2"],
        ["1", "Person", "John Smith", "Smith, John"],
        ["2", "Company", "TACTICAL MISSILES", "TACTICAL KITTENS"],
        ["x-3", "Vessel", "MV Ocean Star", "OCEAN STAR"],
        ["4", "LegalEntity", "ООО «Ромашка»", "Romashka LLC"],
        ["5", "Organization", "", "Red Cross"],
        ["6", "Person", 'Line\nbreak, "quoted"', "Line Break Quoted"],
    ]
    src = write(tmp_path / "in.csv", rows)
    out = tmp_path / "sub" / "out.csv"
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = read(out)
    assert got[0] == ["id", "score", "match"]
    assert [r[0] for r in got[1:]] == ["1", "2", "x-3", "4", "5", "6"]
    for (rid, score, match), src_row in zip(got[1:], rows[1:], strict=True):
        value = float(score)
        assert 0.0 <= value <= 1.0 and len(score.split(".")[1]) == 4
        assert match == ("true" if value >= 0.5 else "false")
        expected = compare(src_row[2], src_row[3], src_row[1])
        assert score == f"{expected.score:.4f}", rid
    assert [r[2] for r in got[1:]] == ["true", "false", "true", "true", "false", "true"]


def test_columns_in_any_order_and_extra_columns(tmp_path: Path) -> None:
    src = write(
        tmp_path / "in.csv",
        [
            ["name2", "note", "id", "name1", "schema"],
            ["Jon Smith", "n", "a", "John Smith", "Person"],
        ],
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read(out)[1][0] == "a"


def test_unknown_schema_is_legal_entity_with_warning(tmp_path: Path) -> None:
    src = write(
        tmp_path / "in.csv",
        [["id", "schema", "name1", "name2"], ["1", "Airplane", "Acme Ltd", "ACME LIMITED"]],
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(out)])
    assert result.exit_code == 0
    assert "in.csv:2" in result.stderr and "Airplane" in result.stderr
    assert "LegalEntity" in result.stderr
    expected = compare("Acme Ltd", "ACME LIMITED", "LegalEntity")
    assert read(out)[1] == ["1", f"{expected.score:.4f}", "true"]


def test_wrong_header_exits_non_zero(tmp_path: Path) -> None:
    src = write(tmp_path / "in.csv", [["id", "kind", "name1", "name2"], ["1", "Person", "a", "b"]])
    out = tmp_path / "out.csv"
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(out)])
    assert result.exit_code == 2
    assert "in.csv:1" in result.stderr and "schema" in result.stderr
    assert not out.exists()


def test_empty_file_exits_non_zero(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("", encoding="utf-8")
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "in.csv:1" in result.stderr


def test_missing_column_on_a_row_names_the_line(tmp_path: Path) -> None:
    src = write(
        tmp_path / "in.csv",
        [
            ["id", "schema", "name1", "name2"],
            ["1", "Person", "John Smith", "John Smith"],
            ["2", "Person", "only one name"],
        ],
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(out)])
    assert result.exit_code == 1
    assert "in.csv:3" in result.stderr and "expected 4 fields" in result.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv.*"))


def test_missing_input_file(tmp_path: Path) -> None:
    result = runner.invoke(
        names_app, ["score-pairs", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2
    assert "nope.csv" in result.stderr


def test_big_file_with_progress(tmp_path: Path) -> None:
    rows = [["id", "schema", "name1", "name2"]]
    rows += [[str(i), "Person", f"Person {i}", f"Person {i}"] for i in range(5_200)]
    src = write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    result = runner.invoke(names_app, ["score-pairs", str(src), "--out", str(out)])
    assert result.exit_code == 0
    got = read(out)
    assert len(got) == 5_201 and got[-1][0] == "5199"
