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
