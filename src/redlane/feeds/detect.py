"""Which feed a file is: from ``--feed``, else from its CSV header or its first JSON record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from redlane.errors import FeedError
from redlane.feeds.parse import JsonProblem, load_json, open_text, read_csv_header
from redlane.model.spec import FEEDS, FEEDS_BY_KIND, FeedFormat, FeedSpec

EXTENSIONS: dict[str, FeedFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
# Folders a world or a partner drop may hold that are never feeds.
SKIPPED_DIRS = frozenset({"truth", ".git", "__pycache__"})


def file_format(path: Path) -> FeedFormat:
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(EXTENSIONS)
        raise FeedError(str(path), f"unknown file type {path.suffix!r}; expected {known}") from None


def _first_json_keys(path: Path, fmt: FeedFormat) -> set[str]:
    with path.open("rb") as raw, open_text(path, raw) as text:
        if fmt == "json":
            head = text.read(1 << 20)
            try:
                doc = load_json(head) if len(head) < (1 << 20) else None
            except JsonProblem as e:
                raise FeedError(str(path), e.reason) from None
            if doc is None:  # too big to peek: look for the top-level keys by text
                return {f"feed:{f.kind}" for f in FEEDS if f'"{f.kind}"' in head}
            if not isinstance(doc, dict):
                raise FeedError(str(path), "expected a JSON object at the top level")
            return set(doc) | ({f"feed:{doc['feed']}"} if "feed" in doc else set())
        for line in text:
            if line.strip():
                try:
                    obj = load_json(line)
                except JsonProblem:
                    continue
                if isinstance(obj, dict):
                    return set(obj)
        return set()


def detect_feed(path: Path, kind: str | None = None) -> FeedSpec:
    fmt = file_format(path)
    if kind is not None:
        spec = FEEDS_BY_KIND.get(kind)
        if spec is None:
            raise FeedError(
                str(path), f"unknown feed kind {kind!r}; known: {', '.join(FEEDS_BY_KIND)}"
            )
        if spec.format != fmt:
            raise FeedError(str(path), f"feed {kind} is sent as {spec.format}, not {fmt}")
        return spec
    keys = set(read_csv_header(path)) if fmt == "csv" else _first_json_keys(path, fmt)
    candidates = [
        f for f in FEEDS if f.format == fmt and (f.signature <= keys or f"feed:{f.kind}" in keys)
    ]
    if len(candidates) == 1:
        return candidates[0]
    known = ", ".join(f.kind for f in FEEDS if f.format == fmt)
    if not candidates:
        raise FeedError(str(path), f"cannot tell which feed this is ({known}); use --feed KIND")
    names = ", ".join(f.kind for f in candidates)
    raise FeedError(str(path), f"matches several feeds ({names}); use --feed KIND")


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to ingest, in a stable order; folders are walked, skipping truth/ and hidden files."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(p in SKIPPED_DIRS or p.startswith(".") for p in rel):
                    continue
                if child.is_file() and child.suffix.lower() in EXTENSIONS:
                    yield child
        elif path.exists():
            yield path
        else:
            raise FeedError(str(path), "no such file or folder")
