from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from courses.slots import renderer_for

register = template.Library()


@register.simple_tag(takes_context=True)
def render_slot(context, value):
    renderer = renderer_for(value["kind"])
    if renderer is not None:
        return renderer(value, context.flatten())
    request = context.get("request")
    if request is not None and getattr(request, "is_preview", False):
        return format_html('<p class="callout callout--note">{}</p>', _("（この枠の機能はまだ公開されていません）"))
    return ""


@register.simple_tag
def personal_slot(name, item_id=None):
    """In shell mode: a marker where the fast path puts this learner's part of the page."""
    from django.utils.safestring import mark_safe

    from courses.fastpath import marker

    return mark_safe(marker(f"item:{item_id}" if item_id is not None else name))  # noqa: S308 - fixed text
