"""Furigana: Aozora Bunko notation to HTML ruby.

Editors type `｜孤独《こどく》` (or `孤独《こどく》` right after a run of kanji) and readers get
`<ruby>孤独<rp>(</rp><rt>こどく</rt><rp>)</rp></ruby>`, which a toggle can hide or show.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# ｜base《reading》: the base is anything up to the reading (no markup, no other bars).
_EXPLICIT = re.compile(r"[｜|]([^｜|《》<>\n]{1,30})《([^《》<>\n]{1,40})》")
# kanji《reading》: the base is the run of kanji (and 々〆ヶ) right before the reading.
_IMPLICIT = re.compile(r"([\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df々〆ヶ]{1,20})《([^《》<>\n]{1,40})》")


def _ruby(match: re.Match) -> str:
    base, reading = match.group(1), match.group(2)
    return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


def aozora_to_ruby_html(html: str) -> str:
    """Convert notation inside already-safe HTML."""
    if "《" not in html:
        return html
    html = _EXPLICIT.sub(_ruby, html)
    return _IMPLICIT.sub(_ruby, html)


def ruby_text(text: str) -> SafeString:
    """Plain text with notation → escaped HTML with ruby."""
    return mark_safe(aozora_to_ruby_html(escape(text)))  # noqa: S308 - input escaped first


def strip_ruby_notation(text: str) -> str:
    """The base text only (for titles, alt text and search): `｜孤独《こどく》` → `孤独`."""
    text = _EXPLICIT.sub(lambda m: m.group(1), text)
    return _IMPLICIT.sub(lambda m: m.group(1), text)
