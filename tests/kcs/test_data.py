"""Reading declarations: typed columns, and clear refusals naming file, row and column."""

from __future__ import annotations

import numpy as np
import pytest

from redlane.kcs.data import KcsDataError, read_declarations
from tests.kcs.conftest import COLUMNS, make_rows, write_rows


def test_reads_typed_columns_with_and_without_labels(tmp_path):
    rows = make_rows(20)
    rows[3]["Courier ID"] = ""
    rows[4]["Net Mass"] = ""
    labelled = read_declarations(write_rows(tmp_path / "a.csv", rows))
    assert labelled.labelled and len(labelled) == 20
    assert labelled.ids[0] == rows[0]["Declaration ID"]
    assert labelled.dates.dtype == np.dtype("datetime64[D]")
    assert labelled.categorical["Courier ID"][3] == ""
    assert np.isnan(labelled.numeric["Net Mass"][4])
    assert labelled.numeric["Item Price"][0] == pytest.approx(float(rows[0]["Item Price"]))
    fraud, critical = labelled.labels()
    assert set(critical) <= {0, 1}
    assert critical.sum() == sum(r["Critical Fraud"] == "2" for r in rows)
    columns = tuple(c for c in COLUMNS if c not in ("Fraud", "Critical Fraud"))
    bare = read_declarations(write_rows(tmp_path / "b.csv", rows, columns))
    assert not bare.labelled
    with pytest.raises(KcsDataError, match="b.csv.*'Fraud'"):
        bare.labels()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Item Price", "cheap", r"row 5, column 'Item Price': 'cheap' is not a number"),
        ("Net Mass", "-3", r"row 5, column 'Net Mass': -3.0 is negative"),
        ("Date", "2020-02-31", r"row 5, column 'Date': '2020-02-31' is not a YYYY-MM-DD date"),
        ("Date", "01/02/2020", r"row 5, column 'Date'"),
        ("Fraud", "yes", r"row 5, column 'Fraud': 'yes' is not one of 0, 1"),
        ("Critical Fraud", "3", r"row 5, column 'Critical Fraud'"),
        ("Declaration ID", "", r"row 5, column 'Declaration ID': empty"),
    ],
)
def test_bad_value_names_file_row_and_column(tmp_path, column, value, message):
    rows = make_rows(10)
    rows[4][column] = value
    path = write_rows(tmp_path / "bad.csv", rows)
    with pytest.raises(KcsDataError, match=message) as caught:
        read_declarations(path)
    assert str(path) in caught.value.detail


def test_missing_column_is_named(tmp_path):
    columns = tuple(c for c in COLUMNS if c != "HS10 Code")
    path = write_rows(tmp_path / "nohs.csv", make_rows(5), columns)
    with pytest.raises(KcsDataError, match=r"nohs.csv: missing column\(s\) 'HS10 Code'"):
        read_declarations(path)


def test_labels_required_for_training_and_both_or_neither(tmp_path):
    columns = tuple(c for c in COLUMNS if c != "Critical Fraud")
    path = write_rows(tmp_path / "half.csv", make_rows(5), columns)
    with pytest.raises(KcsDataError, match="has 'Fraud' but not the other"):
        read_declarations(path)
    columns = tuple(c for c in columns if c != "Fraud")
    path = write_rows(tmp_path / "none.csv", make_rows(5), columns)
    with pytest.raises(KcsDataError, match="missing label column"):
        read_declarations(path, require_labels=True)


def test_empty_missing_and_duplicate_header_files(tmp_path):
    with pytest.raises(KcsDataError, match="no such file"):
        read_declarations(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(KcsDataError, match="empty file"):
        read_declarations(tmp_path / "empty.csv")
    header_only = write_rows(tmp_path / "header.csv", [])
    with pytest.raises(KcsDataError, match="no rows"):
        read_declarations(header_only)
    twice = tmp_path / "twice.csv"
    twice.write_text(",".join([*COLUMNS, "Tax Rate"]) + "\n")
    with pytest.raises(KcsDataError, match="'Tax Rate' appear twice"):
        read_declarations(twice)
