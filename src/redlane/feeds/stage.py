"""Parse a file into staged Parquet chunks of raw strings, and one file of parse problems.

A large UTF-8 CSV file is parsed in two halves at once, the second in a worker process: Python's
CSV reader runs on one core, and parsing was about half of ingesting a large file. The halves
meet at a line start where the quotes before it are balanced; after the first half is read, the
split is checked (the first half's last record must have ended outside any quoted field, as the
whole file's reader would have seen it), and if it fell inside a record the file is parsed again
whole. Either way the staged rows, their line numbers and the problems are those of one pass.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq

from redlane.config import IngestSettings, env_name
from redlane.engine.workers import worker_context
from redlane.errors import FeedError
from redlane.feeds.load import chunk_to_arrow, problems_to_arrow
from redlane.feeds.parse import (
    CsvSpan,
    ParseItem,
    ParseProblem,
    ParseStats,
    RawChunk,
    ends_between_records,
    parse_csv,
    parse_file,
)
from redlane.model.spec import FeedSpec, feed

# Files from this size are split (48 MiB unless set; see redlane.config.IngestSettings).
SPLIT_MIN_BYTES_ENV: Final = env_name(IngestSettings, "split_min_bytes")
_SCAN_BLOCK = 8 * 1024 * 1024
# How far past the middle a balanced line end is looked for before giving up on a split.
_SPLIT_SEARCH_BYTES = 16 * 1024 * 1024
_PROBLEMS_PER_FILE = 100_000

Advance = Callable[[int, int], None]  # bytes read, records read


@dataclass(frozen=True)
class Staged:
    tables: dict[str, Path]  # table name -> folder of its raw chunks
    problems: Path | None  # glob of the problem files, if any


def split_min_bytes() -> int:
    """``REDLANE_INGEST_SPLIT_MIN_BYTES`` as the environment has it now."""
    return IngestSettings().split_min_bytes


def stage_file(
    path: Path, spec: FeedSpec, staging: Path, stats: ParseStats, advance: Advance | None
) -> Staged:
    split = csv_split(path, split_min_bytes()) if spec.format == "csv" else None
    if split is not None:
        staged = _stage_in_two(path, spec, staging, stats, advance, split)
        if staged is not None:
            return staged
        shutil.rmtree(staging, ignore_errors=True)
        stats.records = stats.bytes_read = 0
    tables, parts = write_items(parse_file(path, spec, stats), staging, stats, advance, "a")
    return Staged(tables, _problems_glob(staging) if parts else None)


def csv_split(path: Path, min_bytes: int) -> CsvSpan | None:
    """The second half of a CSV file of at least ``min_bytes``: from the first line start past
    its middle where the double quotes before it are even in number, or None (a smaller file,
    one not in UTF-8, one with lone carriage returns, whose lines Python counts differently)."""
    size = path.stat().st_size
    if size < max(min_bytes, 1):
        return None
    middle = size // 2
    quotes = newlines = returns = crlfs = pos = 0
    found: tuple[int, int] | None = None
    last = b""
    with path.open("rb") as raw:
        head = raw.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            return None
        raw.seek(0)
        while block := raw.read(_SCAN_BLOCK):
            returns += block.count(b"\r")
            crlfs += block.count(b"\r\n") + (last == b"\r" and block[:1] == b"\n")
            last = block[-1:]
            if found is None:
                found, quotes, newlines = _balanced_line_end(block, pos, middle, quotes, newlines)
                if found is None and pos + len(block) > middle + _SPLIT_SEARCH_BYTES:
                    return None
            pos += len(block)
    if found is None or found[0] >= size or returns != crlfs:
        return None
    return CsvSpan(found[0], None, found[1])


def _balanced_line_end(
    block: bytes, pos: int, middle: int, quotes: int, newlines: int
) -> tuple[tuple[int, int] | None, int, int]:
    """In ``block`` (at byte ``pos`` of the file), the first line end at or past ``middle``
    with an even count of quotes before it: ((offset after it, lines before it) or None, and
    the counts carried to the next block)."""
    i = min(max(0, middle - pos), len(block))
    quotes += block.count(b'"', 0, i)
    newlines += block.count(b"\n", 0, i)
    while i < len(block):
        end = block.find(b"\n", i)
        if end < 0:
            quotes += block.count(b'"', i)
            break
        quotes += block.count(b'"', i, end)
        newlines += 1
        i = end + 1
        if quotes % 2 == 0:
            return (pos + i, newlines), quotes, newlines
    return None, quotes, newlines


def _stage_in_two(
    path: Path,
    spec: FeedSpec,
    staging: Path,
    stats: ParseStats,
    advance: Advance | None,
    second: CsvSpan,
) -> Staged | None:
    """Both halves staged, or None when the split fell inside a record."""
    first = CsvSpan(0, second.start, 0)
    with ProcessPoolExecutor(1, mp_context=worker_context(__name__)) as pool:
        later = pool.submit(stage_span, str(path), spec.kind, str(staging), second)
        tail: list[str] = []
        items = parse_csv(path, spec, stats, first, tail)
        tables, parts = write_items(items, staging, stats, advance, "a")
        if not ends_between_records(tail):
            later.exception()  # let it finish (or fail) before its files are removed
            return None
        try:
            done = later.result()
        except BrokenProcessPool:
            done = stage_span(str(path), spec.kind, str(staging), second)
    if "error" in done:
        raise FeedError(*done["error"])
    stats.records += done["records"]
    stats.bytes_read = path.stat().st_size
    for name in done["tables"]:
        tables[name] = staging / "raw" / name
    if advance:
        advance(stats.bytes_read, stats.records)
    return Staged(tables, _problems_glob(staging) if parts or done["problem_parts"] else None)


def stage_span(path: str, kind: str, staging: str, span: CsvSpan) -> dict[str, Any]:
    """Stage one span of a CSV file (in a worker): counts, or the error that refused the file
    (an exception whose constructor takes two arguments does not cross processes)."""
    stats = ParseStats()
    try:
        items = parse_csv(Path(path), feed(kind), stats, span)
        tables, parts = write_items(items, Path(staging), stats, None, "b")
    except FeedError as e:
        return {"error": (e.path, e.detail.removeprefix(f"{e.path}: "))}
    return {"records": stats.records, "tables": sorted(tables), "problem_parts": parts}


def write_items(
    items: Iterable[ParseItem],
    staging: Path,
    stats: ParseStats,
    advance: Advance | None,
    prefix: str,
) -> tuple[dict[str, Path], int]:
    """Write chunks as ``raw/<table>/<prefix>-NNNNNN.parquet`` and problems as
    ``problems/<prefix>-NNNNNN.parquet``: the tables written to and the problem files."""
    staged: dict[str, Path] = {}
    problems: list[ParseProblem] = []
    problem_parts = 0
    for n, item in enumerate(items):
        if isinstance(item, RawChunk):
            folder = staging / "raw" / item.table.name
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(chunk_to_arrow(item), folder / f"{prefix}-{n:06d}.parquet")
            staged[item.table.name] = folder
        else:
            problems.append(item)
        if len(problems) >= _PROBLEMS_PER_FILE or (problems and isinstance(item, RawChunk)):
            problem_parts = _flush_problems(problems, staging, prefix, problem_parts)
        if advance and isinstance(item, RawChunk):
            advance(stats.bytes_read, stats.records)
    problem_parts = _flush_problems(problems, staging, prefix, problem_parts)
    if advance:
        advance(stats.bytes_read, stats.records)
    return staged, problem_parts


def _flush_problems(problems: list[ParseProblem], staging: Path, prefix: str, parts: int) -> int:
    if not problems:
        return parts
    folder = staging / "problems"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(problems_to_arrow(problems), folder / f"{prefix}-{parts:06d}.parquet")
    problems.clear()
    return parts + 1


def _problems_glob(staging: Path) -> Path:
    return staging / "problems" / "*.parquet"
