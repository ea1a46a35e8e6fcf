import itertools

from django import template

from home.services import help_resources_for

register = template.Library()
_counter = itertools.count(1)


@register.inclusion_tag("components/help_resources.html")
def help_resources_box(audience="general", compact=False, title=""):
    resources = help_resources_for(audience, footer_only=compact)
    return {
        "resources": resources,
        "compact": compact,
        "title": title,
        "box_id": f"{audience}-{'c' if compact else 'f'}-{next(_counter) % 1000}",
        "last_verified": min((r.last_verified for r in resources), default=None),
    }
