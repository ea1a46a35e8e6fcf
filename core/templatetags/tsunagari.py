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


@register.filter
def date_both_iso(value):
    """An ISO date string (from an API-shaped dict) in both calendars."""
    import datetime

    if not value:
        return ""
    return dates.date_both(datetime.date.fromisoformat(str(value)))


@register.simple_tag(takes_context=True)
def translate_path(context, language_code):
    """This page's path in another UI language (Django's `translate_url`): `/en/…` ↔ `/…`."""
    from django.urls import translate_url

    request = context.get("request")
    return translate_url(request.path, language_code) if request is not None else "/"
