"""PPRL as a protocol two parties run (``docs/pprl.md``): encode on one side, link on the other.

**Encode** (on the partner's premises, ``redlane pprl encode``): a CSV or Parquet file of parties
(a record id column plus any of ``name``, ``phone``, ``email``, ``address``, ``country``) becomes an
*encoded file*: JSON holding, per record, the partner's own record id and the record's CLK
(:class:`redlane.cases.pprl.Encoder`, keyed by the secret the linking parties share), plus a *key
check* (a keyed hash of a fixed text) so the receiver can tell two files were made with the same
key without learning it. No clear identifier is written.

**Link** (at the receiver, ``redlane pprl link``): two encoded files (or one against the
warehouse's resolution parties, encoded by whoever holds the key) are compared by the Dice
coefficient of their CLKs and linked one-to-one, best pair first, above a threshold. Files made
with different keys are refused: their CLKs cannot match.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt

from redlane import csv_export
from redlane.cases.pprl import BITS, FIELD_K, Encoder, normalise
from redlane.errors import RedlaneError

SCHEME: Final = "redlane-clk-v1"
MIN_KEY_CHARS: Final = 32
IDENTIFIERS: Final = ("name", "phone", "email", "address", "country")
DEFAULT_THRESHOLD: Final = 0.8
_KEY_CHECK_TEXT: Final = b"redlane pprl key check v1"
# Rows of the left file compared against the whole right file at once (memory: rows x right).
_CHUNK: Final = 512


class PprlError(RedlaneError):
    """A PPRL input that cannot be used (unreadable file, missing column, bad key)."""

    STATUS = 422


@dataclass(frozen=True)
class EncodedFile:
    """An encoded file as read back: ``refs[i]`` is the sender's id of the CLK ``clks[i]``."""

    path: Path
    key_check: str
    refs: list[str]
    clks: list[int]
    actors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EncodeSummary:
    records: int
    without_identifiers: int


def key_from_text(text: str, source: str) -> bytes:
    """The shared secret as the encoder uses it: the text, stripped, at least 32 characters."""
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise PprlError(f"{source}: the PPRL key must have at least {MIN_KEY_CHARS} characters")
    return key.encode("utf-8")


def key_check(encoder: Encoder) -> str:
    """A keyed hash of a fixed text: equal for equal keys, and tells nothing of the key."""
    return hmac.new(encoder.key, _KEY_CHECK_TEXT, hashlib.sha256).hexdigest()[:32]


def read_parties(path: Path, id_column: str = "id") -> list[tuple[str, dict[str, str | None]]]:
    """``(record id, identifiers)`` per row of a CSV or Parquet file of parties."""
    rows, where = _read_rows(path)
    columns = set(rows[0]) if rows else _columns(path)
    if id_column not in columns:
        raise PprlError(
            f"{path}: no id column {id_column!r} (columns: {', '.join(sorted(columns))}); "
            "name it with --id-column"
        )
    if not columns & set(IDENTIFIERS):
        raise PprlError(f"{path}: none of the identifier columns {', '.join(IDENTIFIERS)}")
    seen: dict[str, int] = {}
    out: list[tuple[str, dict[str, str | None]]] = []
    for n, row in enumerate(rows):
        ref = (row.get(id_column) or "").strip()
        if not ref:
            raise PprlError(f"{path}: {where(n)}: field {id_column!r} is empty")
        if ref in seen:
            raise PprlError(f"{path}: {where(n)}: id {ref!r} repeats {where(seen[ref])}")
        seen[ref] = n
        record = {name: _text(row.get(name)) for name in IDENTIFIERS}
        if _id_is_identifier(ref, record):
            raise PprlError(
                f"{path}: {where(n)}: the id {ref!r} is one of the record's own identifiers; "
                "use an opaque id (it leaves your premises in clear)"
            )
        out.append((ref, record))
    return out


def encode(
    encoder: Encoder,
    records: Iterable[tuple[str, Mapping[str, str | None]]],
    actors: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], EncodeSummary]:
    """The encoded file's content: scheme, key check, and ``{ref, clk}`` per record."""
    encoded = []
    empty = 0
    for ref, record in records:
        clk = encoder.encode(record)
        empty += clk == 0
        item = {"ref": ref, "clk": encoder.to_b64(clk)}
        if actors and ref in actors:
            item["actor_id"] = actors[ref]
        encoded.append(item)
    document = {
        "scheme": SCHEME,
        "bits": encoder.bits,
        "fields": dict(FIELD_K),
        "key_check": key_check(encoder),
        "records": encoded,
    }
    return document, EncodeSummary(len(encoded), empty)


def write_encoded(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_encoded(path: Path) -> EncodedFile:
    """An encoded file, checked: scheme, size of the filters, every record's ref and clk."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PprlError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise PprlError(f"{path}: not an encoded file (not JSON: {e})") from None
    if not isinstance(document, dict) or document.get("scheme") != SCHEME:
        raise PprlError(f"{path}: not an encoded file of scheme {SCHEME}")
    if document.get("bits") != BITS or document.get("fields") != FIELD_K:
        raise PprlError(f"{path}: encoded with other parameters (bits, fields) than this version")
    decoder = Encoder(b"\0" * 32)  # only its base64 reader is used: no key is needed to read
    refs: list[str] = []
    clks: list[int] = []
    actors: dict[str, str] = {}
    for n, item in enumerate(document.get("records") or []):
        ref = item.get("ref") if isinstance(item, dict) else None
        if not isinstance(ref, str) or not ref:
            raise PprlError(f"{path}: record {n + 1}: field 'ref' is missing")
        try:
            clks.append(decoder.from_b64(str(item.get("clk"))))
        except ValueError as e:
            raise PprlError(f"{path}: record {n + 1} ({ref}): field 'clk': {e}") from None
        refs.append(ref)
        if isinstance(item.get("actor_id"), str):
            actors[ref] = item["actor_id"]
    return EncodedFile(path, str(document.get("key_check", "")), refs, clks, actors)


def link_files(
    left: EncodedFile, right: EncodedFile, threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[str, str, float]]:
    """One-to-one links ``(left ref, right ref, dice)`` of two encoded files, best first."""
    if not 0 < threshold <= 1:
        raise PprlError(f"the threshold must be in (0, 1], got {threshold}")
    if left.key_check != right.key_check:
        raise PprlError(
            f"{left.path} and {right.path} were encoded with different keys: no record can "
            "link; both sides must encode with the same shared key"
        )
    links = link_clks(left.clks, right.clks, threshold)
    return sorted(
        ((left.refs[i], right.refs[j], score) for i, j, score in links),
        key=lambda t: (-t[2], t[0], t[1]),
    )


def link_clks(
    left: Sequence[int], right: Sequence[int], threshold: float
) -> list[tuple[int, int, float]]:
    """:func:`redlane.cases.pprl.link` in matrix form (the same links, sorted by ``i``):
    intersections as a product of bit matrices, a block of left rows at a time."""
    if not left or not right:
        return []
    right_bits = _bit_matrix(right)
    right_counts = right_bits.sum(axis=1)
    candidates: list[tuple[float, int, int]] = []
    for start in range(0, len(left), _CHUNK):
        block = _bit_matrix(left[start : start + _CHUNK])
        shared = block @ right_bits.T
        totals = block.sum(axis=1)[:, None] + right_counts[None, :]
        scores = np.divide(2 * shared, totals, out=np.zeros_like(shared), where=totals > 0)
        for i, j in zip(*np.nonzero(scores >= threshold - 1e-9), strict=True):
            exact = _dice(left[start + int(i)], right[int(j)])
            if exact >= threshold:
                candidates.append((exact, start + int(i), int(j)))
    candidates.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_left: set[int] = set()
    used_right: set[int] = set()
    links = []
    for score, i, j in candidates:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            links.append((i, j, score))
    return sorted(links)


def write_pairs(
    path: Path, pairs: Sequence[tuple[str, str, float]], actors: Mapping[str, str]
) -> None:
    """The links as CSV: ``ref_a, ref_b, dice`` (and ``actor_id_b`` when B named actors)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv_export.writer(out)
        writer.writerow(["ref_a", "ref_b", "dice", *(["actor_id_b"] if actors else [])])
        for ref_a, ref_b, score in pairs:
            extra = [actors.get(ref_b, "")] if actors else []
            writer.writerow([ref_a, ref_b, f"{score:.4f}", *extra])


def warehouse_parties(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[tuple[str, dict[str, str | None]]], dict[str, str]]:
    """The current resolution's parties (``con`` has its views) as ``(party_id, identifiers)``,
    and each party's actor: what the receiving side encodes to link a partner's file against."""
    rows = con.execute(
        "SELECT p.party_id, any_value(p.name), any_value(p.phone), any_value(p.email),"
        " any_value(p.address), any_value(p.country), any_value(a.actor_id)"
        " FROM parties p LEFT JOIN party_actors a USING (party_id)"
        " GROUP BY p.party_id ORDER BY p.party_id"
    ).fetchall()
    records = [
        (str(r[0]), {"name": r[1], "phone": r[2], "email": r[3], "address": r[4], "country": r[5]})
        for r in rows
    ]
    actors = {str(r[0]): str(r[6]) for r in rows if r[6] is not None}
    return records, actors


def _bit_matrix(clks: Sequence[int]) -> npt.NDArray[np.float32]:
    raw = b"".join(clk.to_bytes(BITS // 8, "big") for clk in clks)
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8)).reshape(len(clks), BITS)
    return bits.astype(np.float32)


def _dice(a: int, b: int) -> float:
    total = a.bit_count() + b.bit_count()
    return 0.0 if total == 0 else 2 * (a & b).bit_count() / total


def _read_rows(path: Path) -> tuple[list[dict[str, Any]], Any]:
    """Rows as dicts, and how to name row ``n`` in an error (CSV: its line)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise PprlError(f"{path}: no such file")
    if suffix == ".csv":
        try:
            with path.open(newline="", encoding="utf-8-sig") as f:
                rows = list(csv.DictReader(f))
        except (UnicodeDecodeError, csv.Error) as e:
            raise PprlError(f"{path}: cannot be read as UTF-8 CSV: {e}") from None
        return rows, lambda n: f"line {n + 2}"
    if suffix == ".parquet":
        try:
            con = duckdb.connect()
            try:
                cursor = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
                names = [d[0] for d in cursor.description or []]
                rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
            finally:
                con.close()
        except duckdb.Error as e:
            raise PprlError(f"{path}: cannot be read as Parquet: {e}") from None
        return rows, lambda n: f"row {n + 1}"
    raise PprlError(f"{path}: expected a .csv or .parquet file")


def _columns(path: Path) -> set[str]:
    """Column names of a file without rows."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as f:
            return set(next(csv.reader(f), []))
    con = duckdb.connect()
    try:
        cursor = con.execute("SELECT * FROM read_parquet(?) LIMIT 0", [str(path)])
        return {d[0] for d in cursor.description or []}
    finally:
        con.close()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _id_is_identifier(ref: str, record: Mapping[str, str | None]) -> bool:
    lowered = ref.strip().lower()
    clear = {str(v).strip().lower() for v in record.values() if v}
    return lowered in clear or lowered in set(normalise(record).values())
