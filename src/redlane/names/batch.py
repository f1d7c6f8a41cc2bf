"""Score many name pairs at once: ``compare``'s score for columns of names (Arrow, NumPy, lists).

A resolution compares the same few names over and over (every candidate pair of a block shares
its names with others), so the work is done per distinct name and per distinct pair:

* each distinct (name, family) is prepared once and interned: spellings that prepare alike
  ("ACME Ltd", "Acme Ltd.") share one entry;
* each distinct pair of prepared names is scored once; ``compare`` is symmetric, so (a, b) and
  (b, a) are one pair;
* only the score is computed, never the reasons.

The score is ``compare(name1, name2, schema).score``, bit for bit (tests/names/test_batch.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redlane.names.compare import family_of, probability
from redlane.names.prepare import Family, Prepared, prepare

__all__ = ["DEFAULT_SCHEMA", "PairScorer", "score_arrow", "score_pairs"]

DEFAULT_SCHEMA = "LegalEntity"  # compare()'s default
# Prepared names and scored pairs kept between batches; beyond this the memo starts afresh (a
# day's resolution has a few hundred thousand distinct names; each entry is ~1 kB).
MAX_ENTRIES = 500_000
_UNREADABLE = -1  # a name rigour cannot read: scores 0, as in compare()

Column: TypeAlias = Sequence[Any] | pa.Array | pa.ChunkedArray | np.ndarray


def _values(column: Column) -> list[Any]:
    if isinstance(column, pa.Array | pa.ChunkedArray | np.ndarray):
        return list(column.tolist() if isinstance(column, np.ndarray) else column.to_pylist())
    return list(column)


class PairScorer:
    """Scores pairs with memos that outlive one call (a DuckDB or Spark function sees a column
    in chunks of a few thousand rows, and the same names come back chunk after chunk)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._ids: dict[tuple[str, Family], int] = {}  # name as given -> interned id
        self._interned: dict[Prepared, int] = {}
        self._prepared: list[Prepared] = []
        self._by_ids: dict[tuple[int, int, Family], float] = {}
        self._by_text: dict[tuple[Any, Any, Family], float] = {}

    def clear(self) -> None:
        self._ids.clear()
        self._interned.clear()
        self._prepared.clear()
        self._by_ids.clear()
        self._by_text.clear()

    def _id(self, name: Any, family: Family) -> int:
        text = name if isinstance(name, str) else ""  # as compare(): a non-text is no name
        key = (text, family)
        found = self._ids.get(key)
        if found is not None:
            return found
        try:
            prepared = prepare(text, family)
        except Exception:  # noqa: BLE001 - as compare(): unreadable is no evidence of a match
            found = _UNREADABLE
        else:
            found = self._interned.get(prepared)
            if found is None:
                found = self._interned[prepared] = len(self._prepared)
                self._prepared.append(prepared)
        self._ids[key] = found
        return found

    def _score_ids(self, i: int, j: int, family: Family) -> float:
        if i == _UNREADABLE or j == _UNREADABLE:
            return 0.0
        a, b = self._prepared[i], self._prepared[j]
        # compare() puts the two names in (key, raw) order before aligning, so when those
        # differ the pair is the same either way round; on a tie keep the order given.
        if i > j and (a.key, a.raw) != (b.key, b.raw):
            key = (j, i, family)
        else:
            key = (i, j, family)
        score = self._by_ids.get(key)
        if score is None:
            score = self._by_ids[key] = probability(a, b, family)[0]
        return score

    def score(self, names1: Column, names2: Column, schemas: str | Column = DEFAULT_SCHEMA) -> Any:
        """``compare(n1, n2, schema).score`` for each row, as a float64 NumPy array.

        ``schemas`` is one schema for every row or a column of them (a null schema is
        ``LegalEntity``, compare()'s default); an unknown schema raises ``ValueError``.
        """
        left, right = _values(names1), _values(names2)
        if len(left) != len(right):
            raise ValueError(f"{len(left)} names against {len(right)}")
        if isinstance(schemas, str):
            families: list[Family] = [family_of(schemas)] * len(left)
        else:
            given = _values(schemas)
            if len(given) != len(left):
                raise ValueError(f"{len(given)} schemas for {len(left)} pairs")
            by_schema = {s: family_of(s if s is not None else DEFAULT_SCHEMA) for s in set(given)}
            families = [by_schema[s] for s in given]
        if len(self._by_ids) + len(self._ids) > self.max_entries:
            self.clear()
        out = np.empty(len(left), dtype=np.float64)
        by_text = self._by_text
        for row, key in enumerate(zip(left, right, families, strict=True)):
            score = by_text.get(key)
            if score is None:
                x, y, family = key
                score = by_text[key] = self._score_ids(
                    self._id(x, family), self._id(y, family), family
                )
            out[row] = score
        return out


_SCORER = PairScorer()


def score_pairs(names1: Column, names2: Column, schemas: str | Column = DEFAULT_SCHEMA) -> Any:
    """``compare(n1, n2, schema).score`` for every row of two name columns (float64 array).

    Rows keep their order; a null name scores as an empty one (0), as in compare().
    """
    return _SCORER.score(names1, names2, schemas)


def score_arrow(names1: pa.Array, names2: pa.Array, schemas: pa.Array) -> pa.Array:
    """The score as an Arrow column, NULL where a name or the schema is NULL: the body of the
    DuckDB and Spark functions (a missing name is Splink's null level, not a non-match)."""
    valid = pc.and_(pc.and_(pc.is_valid(names1), pc.is_valid(names2)), pc.is_valid(schemas))
    if len(valid) == 0 or pc.all(valid).as_py():
        return pa.array(_SCORER.score(names1, names2, schemas), type=pa.float64())
    keep = pc.filter(names1, valid), pc.filter(names2, valid), pc.filter(schemas, valid)
    scores = iter(_SCORER.score(*keep).tolist())
    return pa.array([next(scores) if ok else None for ok in valid.to_pylist()], type=pa.float64())
