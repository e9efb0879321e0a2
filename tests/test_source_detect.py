"""Kind detection and decoding of input files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.sources.detect import decode_html, decode_text, detect_kind

DATA = Path(__file__).parent / "data"
PAGE_DUMP = (
    "Skip to content\nMenu\nHome\nBusiness\n\nCoupang to compensate users\n\n"
    "By Min-ji Park\nDecember 25, 2025\n\n"
    "SEOUL, Dec. 25 (Yonhap) -- Coupang said Thursday it will compensate all customers.\n"
    "* Share\n* Print\n\nThe company said each account will receive vouchers.\n"
)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        ((DATA / "news_page.html").read_bytes(), "news_page.html", "html"),
        ((DATA / "news_page.html").read_bytes(), "saved-page.txt", "html"),  # content wins
        ((DATA / "news_page.html").read_bytes(), None, "html"),
        (b"<div><h1>Title</h1><p>One</p><p>Two</p></div>", None, "html"),
        (b"<p>Only a fragment</p>", "fragment.htm", "html"),
        ((DATA / "markdown_article.md").read_bytes(), "article.md", "markdown"),
        ((DATA / "markdown_article.md").read_bytes(), "article.txt", "markdown"),  # front matter
        (b"# Title\n\nA paragraph with a [link](https://example.com).\n", None, "markdown"),
        (b"+++\ntitle = 'T'\n+++\nText.\n", None, "markdown"),
        (b"Plain words in a note.\n", "note.md", "markdown"),  # nothing says otherwise
        (PAGE_DUMP.encode(), "dump.txt", "text"),
        (PAGE_DUMP.encode(), None, "text"),
        (b"The price fell 5 < 6 and rose > 4 today.\n", None, "text"),
    ],
)
def test_detect_kind(data: bytes, name: str | None, kind: str) -> None:
    assert detect_kind(data, name) == kind


@pytest.mark.parametrize(
    "data",
    [
        "Café – “quoted”".encode(),
        codecs.BOM_UTF8 + "Café – “quoted”".encode(),
        "Café – “quoted”".encode("utf-16"),  # with its BOM
        codecs.BOM_UTF16_BE + "Café – “quoted”".encode("utf-16-be"),
        "Café – “quoted”".encode("cp1252"),
    ],
)
def test_decode_text(data: bytes) -> None:
    assert decode_text(data) == "Café – “quoted”"


def test_legacy_encodings_are_detected() -> None:
    text = "Der Bürgermeister sagte am Montag, die Straßenbahn fahre ab März öfter. " * 5
    assert decode_text(text.encode("cp1252")) == text
    assert decode_text(text.encode("latin-1")) == text


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4,
        bytes(range(1, 9)) * 200,
    ],
)
def test_binary_data_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match=r"photo\.png looks like a binary file"):
        decode_text(data, name="photo.png")
    with pytest.raises(InputError, match="looks like a binary file"):
        detect_kind(data)


def test_html_meta_charset_is_honoured() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body>Caf\u00e9 \u201cok\u201d</body></html>'
    assert "Caf\u00e9 \u201cok\u201d" in decode_html(page.encode("cp1252"))
    # A wrong label falls back to detection instead of failing.
    mislabelled = page.replace("windows-1252", "shift_jis").encode("utf-8")
    assert "Caf\u00e9" in decode_html(mislabelled)


@pytest.mark.parametrize(("text", "encoding"), [
    ("Naïve readers of the café menu said it was très bon.", "cp1252"),
    ("The naïve approach failed.\nA second paragraph about the café.", "cp1252"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy. Město Brno.", "cp1250"),
    ("Zażółć gęślą jaźń w Łodzi.", "cp1250"),
    ("Привет, мир! Это статья о новостях.", "cp1251"),
])
def test_legacy_code_pages_are_read_as_a_person_would(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == text
