"""docs/feeds.md must say what the spec says (regenerate with `make docs`)."""

from __future__ import annotations

from pathlib import Path

from redlane.feeds.docs import feeds_markdown
from redlane.model.spec import FEEDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "feeds.md"


def test_feeds_doc_is_generated_from_the_spec():
    assert DOC.read_text(encoding="utf-8") == feeds_markdown(), "run `make docs`"


def test_every_field_appears_in_the_doc():
    text = DOC.read_text(encoding="utf-8")
    for feed in FEEDS:
        for table in feed.tables:
            assert f"### Table `{table.name}`" in text
            for f in table.fields:
                assert f"| `{f.name}` |" in text, f"{table.name}.{f.name}"


def _doc_row(text: str, table: str, field: str) -> str:
    section = text.split(f"### Table `{table}`", 1)[1].split("### Table", 1)[0]
    return next(line for line in section.splitlines() if line.startswith(f"| `{field}` |"))


def test_every_length_limit_is_in_the_docs_row_of_its_field():
    """Partners size their values from docs/feeds.md alone: every text, identifier and email
    field's row names its limit."""
    text = DOC.read_text(encoding="utf-8")
    for feed in FEEDS:
        for table in feed.tables:
            for f in table.fields:
                limit = f.char_limit()
                if f.kind in ("str", "id", "email"):
                    assert limit is not None, f"{table.name}.{f.name}"
                    assert f"≤ {limit} chars" in _doc_row(text, table.name, f.name), f.name
