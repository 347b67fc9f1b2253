"""A sheet's title in characters the built-in font lacks: drawn in an installed font that has
them, else drawn as it can be with one warning that names --font."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageFont

from cos_snapshot.cli import main
from cos_snapshot.tools import sheet as sheet_module
from cos_snapshot.tools.sheet import TitleFontWarning, compose_sheet, find_font_for, lacking_glyphs

TITLE = "Видео é"  # Cyrillic and an accent: none of them in Pillow's built-in font


def _images() -> list[Image.Image]:
    return [Image.new("RGB", (240, 180), (90, 120, 150)) for _ in range(2)]


def _title_strip(sheet: Image.Image, height: int) -> Image.Image:
    return sheet.crop((0, 0, sheet.width, height))


def test_the_built_in_font_lacks_the_titles_letters() -> None:
    assert lacking_glyphs(ImageFont.load_default(size=20), TITLE) == "Видеоé"
    assert lacking_glyphs(ImageFont.load_default(size=20), "intro.mp4") == ""


def test_a_title_the_built_in_font_lacks_is_set_in_an_installed_font_that_has_it() -> None:
    font = find_font_for("Видеоé")
    if font is None:
        pytest.skip("no installed font has Cyrillic letters (fonts-dejavu is the usual one)")
    assert not lacking_glyphs(ImageFont.truetype(str(font), 20), TITLE)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TitleFontWarning)
        found, layout = compose_sheet(_images(), ["0:00", "0:01"], cols=2, title=TITLE)
    # What the built-in font would draw: its missing-glyph boxes. The sheet differs from it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sheet_module, "find_font_for", lambda chars: None)
        with pytest.warns(TitleFontWarning):
            boxes, _ = compose_sheet(_images(), ["0:00", "0:01"], cols=2, title=TITLE)
    strip = layout.header_height
    assert ImageChops.difference(_title_strip(found, strip), _title_strip(boxes, strip)).getbbox()


def test_without_a_font_that_has_them_it_warns_once_naming_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sheet_module, "find_font_for", lambda chars: None)
    with pytest.warns(TitleFontWarning) as warned:
        compose_sheet(_images(), ["0:00", "0:01"], cols=2, title=TITLE)
    assert len(warned) == 1
    message = str(warned[0].message)
    assert "--font" in message
    assert "Видеоé" in message


def test_a_latin_title_needs_no_other_font(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str] = []
    monkeypatch.setattr(sheet_module, "find_font_for", looked.append)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TitleFontWarning)
        compose_sheet(_images(), ["0:00", "0:01"], cols=2, title="videos/intro.mp4")
    assert looked == []


def test_no_installed_font_is_found_where_there_are_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheet_module, "FONT_DIRECTORIES", (tmp_path,))
    monkeypatch.setattr(sheet_module.shutil, "which", lambda name: None)
    (tmp_path / "not-a-font.ttf").write_bytes(b"nothing here")
    assert find_font_for("中") is None


def test_the_command_says_so_in_one_line_naming_font(
    cos_emulator: Any,
    cos_fixture_video: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sheet_module, "find_font_for", lambda chars: None)
    key = cos_emulator.put("videos/Видео é.mp4", cos_fixture_video(duration=1, size=(160, 120)))
    out = tmp_path / "sheet.jpg"
    credentials = cos_emulator.credentials
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", credentials.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", credentials.secret_key)
    argv = ["sheet", key, "--count", "2", "-o", str(out), "--endpoint-url"]
    assert main([*argv, cos_emulator.endpoint_url]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1
    assert warned[0].startswith("cos-snapshot: warning: ")
    assert "--font" in warned[0]
    assert out.is_file()
