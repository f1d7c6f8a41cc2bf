"""The signed case PDF shows Chinese names: the CJK font is embedded and the text extracts back."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from redlane.cases import package, report, service
from redlane.config import Settings
from redlane.store.db import session_scope

ME = "cli:tester"
SHIPPER = "深圳市华强贸易有限公司"
SELLER = "广州明亮鞋业有限公司"


def _export_case_with_chinese_names(settings: Settings, out: Path) -> Path:
    with session_scope(settings.database) as session:
        case_id = service.open_case(
            session, settings, kind="ring", ref="R1", title=f"{SHIPPER} network", actor=ME
        ).id
        service.add_note(session, case_id, f"seller {SELLER} ships via Bright", actor=ME)
    with session_scope(settings.database) as session:
        result = package.export_case(session, settings, case_id, out, actor=ME)
    return result.out_dir / f"case-{case_id}.pdf"


def _fonts(reader: PdfReader) -> dict[str, Any]:
    """Every font the pages use, by base name, with its descriptor (descendant's for Type0)."""
    found: dict[str, Any] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            found[str(font["/BaseFont"])] = descendant.get("/FontDescriptor")
    return found


def test_case_pdf_embeds_a_cjk_font_and_the_names_extract(
    settings: Settings, tmp_path: Path
) -> None:
    if report.cjk_font_file() is None:
        message = f"no TrueType CJK font installed (apt-get install {report.CJK_FONT_PACKAGE})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    reader = PdfReader(_export_case_with_chinese_names(settings, tmp_path / "out"))
    text = "".join(page.extract_text() for page in reader.pages)
    assert SHIPPER in text and SELLER in text
    fonts = _fonts(reader)
    assert not [name for name in fonts if report.CJK_FALLBACK_FONT in name]
    cjk = [name for name in fonts if "WenQuanYi" in name or "Droid" in name or "UMing" in name]
    assert cjk, f"no CJK font among {sorted(fonts)}"
    for name in cjk:
        descriptor = fonts[name].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


def test_without_a_cjk_font_the_export_still_works_and_says_what_to_install(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(report, "CJK_FONT_FILES", (tmp_path / "no-such-font.ttc",))
    with caplog.at_level(logging.WARNING, logger=report.__name__):
        pdf = _export_case_with_chinese_names(settings, tmp_path / "out")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert [name for name in _fonts(PdfReader(pdf)) if report.CJK_FALLBACK_FONT in name]
    assert f"install {report.CJK_FONT_PACKAGE}" in caplog.text
