"""CSV that redlane writes for people to open: no cell runs as a spreadsheet formula.

Partner data reaches exports (an air waybill, a shipper name, a rule's reason), and a partner
can send ``=HYPERLINK("http://evil.example", "click")``. Excel, LibreOffice and Google Sheets run
a cell starting with ``=``, ``+``, ``-`` or ``@`` (and some a tab or carriage return) as a
formula, so such text gets a leading apostrophe, as OWASP advises: the cell then shows as the
text it is. Numbers stay numbers, negative ones included. A cell holding a line break is always
quoted (``csv.writer`` with a ``"\\n"`` terminator leaves a bare ``"\\r"`` unquoted, and a
spreadsheet then starts a new row there). Every CSV export goes through :func:`writer`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, Final, Protocol

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a cell: text a spreadsheet would run is neutralised."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, handle: _Writable, **fmtparams: Any) -> None:
        self._handle = handle
        self._terminator = fmtparams.pop("lineterminator", "\r\n")
        self._row = io.StringIO()
        # Rows are formatted with "\r\n" so a cell holding either line break gets quoted, and
        # written with the terminator asked for.
        self._writer = csv.writer(self._row, lineterminator="\r\n", **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        self._writer.writerow([safe_cell(v) for v in row])
        text = self._row.getvalue()[:-2] + self._terminator
        self._row.seek(0)
        self._row.truncate()
        return self._handle.write(text)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: _Writable, **fmtparams: Any) -> SafeWriter:
    """A CSV writer for exports (same parameters as :func:`csv.writer`)."""
    return SafeWriter(handle, **fmtparams)
