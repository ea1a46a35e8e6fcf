"""Cached page routing: the root page's `route()` finds a page from a cached path map instead of
walking down the page tree one query per level (Wagtail's default).

Wagtail documents `Page.route()` as the place to change how a URL finds its page. The map
(relative URL path → page id and content type) holds every live page under the site root; it is
kept in the shared cache under a version token that changes whenever a page is published,
unpublished, moved or deleted (core/signals.py), and in this process's memory for that version.
A path that is not in the map (a draft, a routable page's own sub-path) falls back to Wagtail's
own walk from the deepest page that is, so what a URL serves is exactly what Wagtail would serve.
"""

from __future__ import annotations

import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

VERSION_KEY = "core:routes:version"
_local: dict[str, dict[str, tuple[int, int]]] = {}


def invalidate_routes() -> None:
    """A new random token (not a counter), so a cache flush never brings an old map back."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def routes_version() -> str:
    return cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, None)


def route_map(root) -> dict[str, tuple[int, int]]:
    """{"courses/adult/what-is-loneliness/": (page id, content type id)} for the live pages under
    `root`: one query when the version changes, then one cache read per request."""
    from wagtail.models import Page

    version = routes_version()
    local_key = f"{version}:{root.pk}"
    found = _local.get(local_key)
    if found is not None:
        return found
    key = f"core:routes:{version}:{root.pk}"
    found = cache.get(key)
    if found is None:
        prefix = root.url_path
        rows = Page.objects.live().descendant_of(root).values_list("url_path", "pk", "content_type_id")
        found = {url_path[len(prefix) :]: (pk, ct) for url_path, pk, ct in rows if url_path.startswith(prefix)}
        cache.set(key, found, 60 * 60 * 24)
    _local.clear()
    _local[local_key] = found
    return found


_guarded: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def guarded_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tree paths of pages with a view restriction, tree paths of alias pages), for the current
    routes version: one query each when it changes, then none."""
    from wagtail.models import Page, PageViewRestriction

    version = routes_version()
    found = _guarded.get(version)
    if found is None:
        found = (
            tuple(PageViewRestriction.objects.values_list("page__path", flat=True)),
            tuple(Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True)),
        )
        _guarded.clear()
        _guarded[version] = found
    return found


def under_restriction(path: str) -> bool:
    """Is the page at this tree path, or a page above it, under a view restriction?"""
    restricted, _aliases = guarded_paths()
    return any(path.startswith(prefix) for prefix in restricted)


def view_restrictions(page, wagtail_lookup):
    """What `Page.get_view_restrictions()` returns, without its two queries on the common case: a
    page with no restricted page and no alias at or above it has none (an empty queryset, which
    runs no query). Anything else is Wagtail's own lookup, `wagtail_lookup`."""
    from wagtail.models import PageViewRestriction

    restricted, aliases = guarded_paths()
    if page.alias_of_id or any(page.path.startswith(path) for path in (*restricted, *aliases)):
        return wagtail_lookup()
    return PageViewRestriction.objects.none()


def cached_route(root, request, path_components, walk):
    """Route `path_components` below `root`: the deepest live page the map knows, fetched by id
    (one query), then that page's own `route()` for whatever is left. `walk` is the root's
    ordinary `route` (Wagtail's), used when the map knows no prefix of the path."""
    mapping = route_map(root)
    for depth in range(len(path_components), 0, -1):
        entry = mapping.get("/".join(path_components[:depth]) + "/")
        if entry is None:
            continue
        page_id, content_type_id = entry
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        page = model.objects.filter(pk=page_id).first() if model is not None else None
        if page is None:  # deleted since the map was built: Wagtail's walk decides
            break
        return page.route(request, path_components[depth:])
    return walk(request, path_components)
