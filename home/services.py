"""Help resources are on every page: cached, and invalidated when an editor changes one."""

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

CACHE_VERSION_KEY = "help-resources:version"


@dataclass(frozen=True)
class HelpResourceView:
    name: str
    phone: str
    tel_href: str
    url: str
    url_label: str
    hours: str
    description: str
    last_verified: object


def invalidate_help_resources() -> None:
    # A new random token (not a counter) so that a cache flush never brings an old version back.
    cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, None)


def help_resources_version() -> str:
    return cache.get_or_set(CACHE_VERSION_KEY, lambda: uuid.uuid4().hex, None)


def help_resources_for(audience: str, footer_only: bool = False) -> list[HelpResourceView]:
    """The resources to show for an audience today (0 queries when cached)."""
    from home.models import HelpResource

    today = timezone.localdate()
    version = help_resources_version()
    key = f"help-resources:{version}:{audience}:{int(footer_only)}:{today.isoformat()}"
    resources = cache.get(key)
    if resources is None:
        queryset = HelpResource.objects.shown_on(today)
        queryset = queryset.filter(show_in_footer=True) if footer_only else queryset.for_audience(audience)
        resources = [
            HelpResourceView(
                name=r.name,
                phone=r.phone,
                tel_href=r.tel_href,
                url=r.url,
                url_label=r.url_label,
                hours=r.hours,
                description=r.description,
                last_verified=r.last_verified,
            )
            for r in queryset
        ]
        cache.set(key, resources, 60 * 60)
    return resources
