"""Read KCS import declarations (CSV) into typed numpy columns, refusing bad input clearly.

Every error names the file, the column and, for a bad value, the data row (1 = first row after
the header) and the value, so a user can fix the file without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from redlane.errors import RedlaneError

ID = "Declaration ID"
DATE = "Date"
FRAUD = "Fraud"
CRITICAL = "Critical Fraud"
CATEGORICAL = (
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS10 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Type",
    "Country of Origin Indicator",
)
NUMERIC = ("Tax Rate", "Net Mass", "Item Price")
REQUIRED = (ID, DATE, *CATEGORICAL, *NUMERIC)
LABELS = (FRAUD, CRITICAL)
_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.object_]
DateArray = npt.NDArray[np.datetime64]


class KcsDataError(RedlaneError):
    """A declarations file that cannot be used: nothing is read from it."""

    STATUS = 422

    def __init__(self, path: Path | str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = str(path)


@dataclass(frozen=True)
class Declarations:
    """One file of declarations, in file order. Labels are ``None`` when the file has none."""

    path: str
    ids: StrArray
    dates: DateArray
    categorical: dict[str, StrArray]
    numeric: dict[str, FloatArray]
    fraud: IntArray | None
    critical: IntArray | None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def labelled(self) -> bool:
        return self.fraud is not None and self.critical is not None

    def labels(self) -> tuple[IntArray, IntArray]:
        """``(fraud 0/1, critical 0/1)``; critical is 1 where ``Critical Fraud == 2``."""
        if self.fraud is None or self.critical is None:
            raise KcsDataError(self.path, f"needs the label columns {FRAUD!r} and {CRITICAL!r}")
        return self.fraud, (self.critical == 2).astype(np.int64)

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Declarations:
        """The rows at ``index`` (positions or a mask), labels included."""
        return Declarations(
            path=self.path,
            ids=self.ids[index],
            dates=self.dates[index],
            categorical={k: v[index] for k, v in self.categorical.items()},
            numeric={k: v[index] for k, v in self.numeric.items()},
            fraud=None if self.fraud is None else self.fraud[index],
            critical=None if self.critical is None else self.critical[index],
        )


def read_declarations(path: Path | str, *, require_labels: bool = False) -> Declarations:
    """Read a KCS declarations CSV. Label columns are read when present (both or neither)."""
    path = Path(path)
    if not path.is_file():
        raise KcsDataError(path, "no such file")
    table = _read_table(path)
    duplicated = sorted({c for c in table.column_names if table.column_names.count(c) > 1})
    if duplicated:
        raise KcsDataError(path, f"column(s) {', '.join(map(repr, duplicated))} appear twice")
    names = set(table.column_names)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise KcsDataError(path, f"missing column(s) {', '.join(repr(c) for c in missing)}")
    present = [c for c in LABELS if c in names]
    if require_labels and len(present) < len(LABELS):
        absent = [c for c in LABELS if c not in names]
        raise KcsDataError(path, f"missing label column(s) {', '.join(repr(c) for c in absent)}")
    if len(present) == 1:
        raise KcsDataError(path, f"has {present[0]!r} but not the other label column")
    if table.num_rows == 0:
        raise KcsDataError(path, "has a header but no rows")
    ids = _strings(table, ID)
    blank = np.flatnonzero(ids == "")
    if len(blank):
        raise KcsDataError(path, f"row {blank[0] + 1}, column {ID!r}: empty")
    labelled = len(present) == len(LABELS)
    return Declarations(
        path=str(path),
        ids=ids,
        dates=_dates(path, table),
        categorical={c: _strings(table, c) for c in CATEGORICAL},
        numeric={c: _numbers(path, table, c) for c in NUMERIC},
        fraud=_label(path, table, FRAUD, (0, 1)) if labelled else None,
        critical=_label(path, table, CRITICAL, (0, 1, 2)) if labelled else None,
    )


def _read_table(path: Path) -> pa.Table:
    """All columns as text: types are checked here, column by column, with clear errors."""
    try:
        with path.open("rb") as handle:
            header = handle.readline().decode("utf-8-sig").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KcsDataError(path, f"cannot read the header: {exc}") from exc
    columns = [c.strip().strip('"') for c in header.split(",")]
    if not header:
        raise KcsDataError(path, "empty file (no header)")
    try:
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise KcsDataError(path, f"not a readable CSV: {exc}") from exc


def _strings(table: pa.Table, column: str) -> StrArray:
    values = pc.utf8_trim_whitespace(table.column(column).combine_chunks())
    return np.asarray(values.to_pylist(), dtype=object)


def _first_bad(mask: pa.Array) -> int:
    """Position of the first ``False`` in a boolean array."""
    return int(np.flatnonzero(~np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))[0])


def _numbers(path: Path, table: pa.Table, column: str) -> FloatArray:
    """Decimal numbers; an empty cell is missing (NaN); a negative one is refused."""
    text = pc.utf8_trim_whitespace(table.column(column).combine_chunks())
    empty = pc.equal(text, "")
    ok = pc.or_(empty, pc.match_substring_regex(text, _NUMBER))
    if not pc.all(ok).as_py():
        row = _first_bad(ok)
        raise KcsDataError(
            path, f"row {row + 1}, column {column!r}: {text[row].as_py()!r} is not a number"
        )
    cleaned = pc.if_else(empty, pa.scalar(None, pa.string()), text)
    values = np.asarray(pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    negative = np.flatnonzero(values < 0)
    if len(negative):
        row = int(negative[0])
        raise KcsDataError(path, f"row {row + 1}, column {column!r}: {values[row]} is negative")
    return values


def _dates(path: Path, table: pa.Table) -> DateArray:
    text = pc.utf8_trim_whitespace(table.column(DATE).combine_chunks())
    values = text.to_pylist()
    ok = pc.match_substring_regex(text, _DATE)
    if pc.all(ok).as_py():
        try:
            return np.asarray(values, dtype="datetime64[D]")
        except ValueError:
            pass  # well formed but impossible, e.g. 2020-02-31: find which one below
    for row, value in enumerate(values):
        if not _is_date(value):
            raise KcsDataError(
                path, f"row {row + 1}, column {DATE!r}: {value!r} is not a YYYY-MM-DD date"
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _is_date(value: str) -> bool:
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        np.datetime64(value, "D")
    except ValueError:
        return False
    return True


def _label(path: Path, table: pa.Table, column: str, allowed: tuple[int, ...]) -> IntArray:
    text = _strings(table, column)
    allowed_text = {str(a) for a in allowed} | {f"{a}.0" for a in allowed}
    bad = np.flatnonzero(~np.isin(text, list(allowed_text)))
    if len(bad):
        row = int(bad[0])
        raise KcsDataError(
            path,
            f"row {row + 1}, column {column!r}: {text[row]!r} is not one of "
            f"{', '.join(str(a) for a in allowed)}",
        )
    return np.asarray([int(float(v)) for v in text], dtype=np.int64)
