"""A letter's text and its PDF.

`letter_render` renders a text source (a manager's template, the standard file, or free text
typed by staff) as a Django template with the letter context, autoescape off: the result is
plain text. `letter_pdf` lays that text out as an A4 PDF with WeasyPrint, in fonts that cover
the letter's script (Debian's Noto CJK for Chinese, TLWG for Thai, DejaVu for the rest); the
customer's words are escaped into the HTML, never interpreted. Both read nothing and write
nothing; the PDF has no links to fetch (WeasyPrint is given no base URL and no resources).
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import InvalidDataError

# The first family of each list that has the script's glyphs wins; all are Debian packages.
FONTS = {
    "zh-hans": '"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif',
    "zh-hant": '"Noto Sans CJK TC", "Noto Serif CJK TC", sans-serif',
    "th": '"Garuda", "Loma", "Noto Sans Thai", "DejaVu Sans", sans-serif',
}
DEFAULT_FONTS = '"DejaVu Sans", "Liberation Sans", "Noto Sans CJK SC", sans-serif'


def letter_render(*, source: str, context: dict[str, Any], language: str, field: str) -> str:
    """`source` rendered in `language`; a syntax error is the caller's 400 under `field`."""
    with translation.override(language):
        try:
            template = Template("{% load i18n %}" + source)
        except TemplateSyntaxError as e:
            raise InvalidDataError(
                _("The text is not a valid template: %(error)s") % {"error": e},
                fields={field: [str(e)]},
            ) from None
        return template.render(Context(context, autoescape=False)).strip() + "\n"


def letter_pdf(*, title: str, text: str, language: str, reference: str) -> bytes:
    """The letter as a PDF (bytes)."""
    import weasyprint  # loads Pango: only when a letter is made

    with translation.override(language):
        html = render_to_string(
            "letters/letter.html",
            {
                "title": title,
                "text": text,
                "reference": reference,
                "language": language,
                "fonts": FONTS.get(language, DEFAULT_FONTS),
            },
        )
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ValueError(f"letters fetch nothing: {url}")
