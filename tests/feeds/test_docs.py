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
