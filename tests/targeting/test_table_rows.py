"""Rows read from an Arrow table's columns behave like the dictionaries of ``to_pylist``."""

from __future__ import annotations

import pyarrow as pa
import pytest

from redlane.targeting.reasons import TableRows


def test_rows_read_like_the_dictionaries_of_to_pylist():
    table = pa.table({"a": [1, None, 3], "b": ["x", "y", None]})
    rows = TableRows(table)
    assert len(rows) == 3
    assert [dict(r) for r in rows] == table.to_pylist()
    assert rows[-1]["a"] == 3 and rows[1].get("a") is None and rows[2].get("b", "d") is None
    assert rows[0].get("missing") is None and rows[0].get("missing", 7) == 7
    assert "a" in rows[0] and "missing" not in rows[0]
    with pytest.raises(KeyError):
        rows[0]["missing"]
    with pytest.raises(IndexError):
        rows[3]


def test_a_column_is_turned_into_python_once_and_only_when_read():
    rows = TableRows(pa.table({"a": [1, 2], "b": [3, 4]}))
    assert [r["a"] for r in rows] == [1, 2]
    assert rows.column("a") is rows.column("a")
    assert set(rows._columns) == {"a"}


def test_an_empty_table_has_no_rows():
    rows = TableRows(pa.table({"a": pa.array([], type=pa.int64())}))
    assert len(rows) == 0 and list(rows) == []
