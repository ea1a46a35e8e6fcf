from django import template

from core import dates, reference

register = template.Library()


@register.filter
def wareki(value):
    """令和8年11月26日."""
    return dates.wareki(value) if value else ""


@register.filter
def date_both(value):
    """令和8年11月26日（2026年11月26日）, or the English equivalent."""
    return dates.date_both(value)


@register.filter
def prefecture_name(code):
    return reference.prefecture_label(code or "")
