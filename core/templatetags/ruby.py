from django import template
from django.utils.safestring import mark_safe
from wagtail.rich_text import RichText, expand_db_html

from core.ruby import aozora_to_ruby_html, ruby_text, strip_ruby_notation

register = template.Library()


@register.filter
def ruby(value):
    """Plain text with Aozora notation → HTML with <ruby>."""
    return ruby_text(str(value or ""))


@register.filter
def richtext_ruby(value):
    """Wagtail rich text (a RichText or its stored HTML) → HTML with <ruby>."""
    html = str(value.__html__()) if isinstance(value, RichText) else expand_db_html(str(value or ""))
    return mark_safe(aozora_to_ruby_html(html))  # noqa: S308 - rich text is sanitised by Wagtail


@register.filter
def no_ruby(value):
    return strip_ruby_notation(str(value or ""))
