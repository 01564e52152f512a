"""A letter's PDF: real WeasyPrint output whose embedded fonts cover the letter's script
(Debian's fonts-noto-cjk for Chinese, fonts-thai-tlwg for Thai), and the customer's words
laid out as text, never as markup."""

from __future__ import annotations

import re
import zlib

import pytest

from letters.rendering import letter_pdf, letter_render


def embedded_fonts(pdf: bytes) -> set[str]:
    """The FontName of every font embedded in `pdf` (plain and in compressed object streams)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    names: set[str] = set()
    for chunk in chunks:
        names |= {
            n.decode().split("+", 1)[-1] for n in re.findall(rb"/FontName\s*/([^\s/>]+)", chunk)
        }
    return names


@pytest.mark.parametrize(
    ("language", "text", "font"),
    [
        ("zh-hans", "我们认为您的投诉已经解决。", "Noto-Sans-CJK-SC"),
        ("zh-hant", "我們認為您的投訴已經解決。", "Noto-Sans-CJK-TC"),
        ("th", "เราถือว่าเรื่องร้องเรียนของคุณได้รับการแก้ไขแล้ว", "Garuda"),
        ("bg", "Смятаме жалбата Ви за разрешена.", "DejaVu-Sans"),
        ("en", "We consider your complaint resolved.", "DejaVu-Sans"),
    ],
)
def test_each_language_is_set_in_a_font_that_has_its_script(language, text, font):
    pdf = letter_pdf(title="CMP-1", text=text, language=language, reference="CMP-2026-000001")
    assert pdf.startswith(b"%PDF-")
    fonts = embedded_fonts(pdf)
    assert any(name.startswith(font) for name in fonts), fonts
    assert not any("Serif" in name for name in fonts), fonts  # the page footer too


def test_the_customers_words_are_text_not_markup():
    text = letter_render(
        source="{{ customer_name }}",
        context={"customer_name": '<img src="http://example.com/x.png"> & Co'},
        language="en",
        field="body",
    )
    assert text == '<img src="http://example.com/x.png"> & Co\n'  # plain text, unescaped
    pdf = letter_pdf(title="t", text=text, language="en", reference="r")  # fetches nothing
    assert pdf.startswith(b"%PDF-")
