"""Lesson pages are the same for every reader, so they are cached whole and may be kept by a
reverse proxy or CDN; the learner's own state comes from `courses.views.lesson_state`.

What a lesson page renders beyond its own revision: its course's outline (titles, order and
minutes of every lesson), quizzes and H5P activities placed in its slots, the help resources for
its audience (which depend on today's date: campaign lines begin and end at midnight) and the H5P
player origin. One version token covers all of them: every change to any of them replaces the
token (courses/signals.py) and purges the lessons from the front-end cache
(`wagtail.contrib.frontend_cache`), so the next request on every server renders afresh. Dates
are in the key, and nothing is kept past the next local midnight.

Not shared, and never stored by a proxy: previews, editors (who get Wagtail's user bar; the
editor cookie is set by accounts.middleware.EditorCookieMiddleware and proxies bypass their cache
for it, docs/deployment.md) and pages under a view restriction.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control

from accounts.middleware import EditorCookieMiddleware

VERSION_KEY = "courses:lessons:version"
EDITOR_COOKIE = EditorCookieMiddleware.COOKIE


def invalidate_lessons() -> None:
    """Every cached lesson page is out of date: a new random token (a cache flush can never bring
    an old one back), and a purge of every live lesson from the front-end cache. Done now and
    again when the change commits: a page rendered in between from the not-yet-committed data is
    never kept under the token that follows."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    purge_lessons()


def lessons_version() -> str:
    return cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, None)


def purge_lessons() -> None:
    """Ask the configured front-end caches (WAGTAILFRONTENDCACHE; none in development) to drop
    every live lesson page, in both languages. Does nothing when none is configured."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    from courses.models import LessonPage

    urls = []
    for lesson in LessonPage.objects.live().specific(defer=True):
        with translation.override(settings.LANGUAGE_CODE):
            url = lesson.get_full_url()
        if url:
            urls.append(url)
            with translation.override("en"):
                english = lesson.get_full_url()
            if english and english != url:
                urls.append(english)
    PurgeBatch(urls).purge()


def seconds_until_midnight(now: datetime.datetime | None = None) -> int:
    now = timezone.localtime(now)
    midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


def restricted_paths() -> tuple[str, ...]:
    """Tree paths of pages with a view restriction (their subtrees are never shared)."""
    from wagtail.models import PageViewRestriction

    key = f"courses:restricted-paths:{lessons_version()}"
    paths = cache.get(key)
    if paths is None:
        paths = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
        cache.set(key, paths, 60 * 60 * 24)
    return paths


def is_shared(page, request) -> bool:
    """May this response be the one every reader gets (and a proxy keep)?"""
    if getattr(request, "is_preview", False) or request.COOKIES.get(EDITOR_COOKIE):
        return False
    return not any(page.path.startswith(path) for path in restricted_paths())


def shared_response(page, request, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The lesson's page as every reader gets it: from the cache when this exact version was
    rendered before, else rendered now (`render`) and kept until something it shows changes or
    the day ends. `Cache-Control` lets a proxy keep it for `LESSON_SHARED_MAX_AGE` seconds (purged
    on change) and makes browsers revalidate."""
    if not is_shared(page, request):
        response = render()
        patch_cache_control(response, private=True, no_store=True)
        return response
    ttl = seconds_until_midnight()
    origin = hashlib.sha256(settings.H5P_PLAYER_ORIGIN.encode()).hexdigest()[:12]
    key = ":".join(
        (
            "courses:lesson-html",
            lessons_version(),
            str(page.pk),
            str(page.latest_revision_id),
            translation.get_language(),
            timezone.localdate().isoformat(),
            origin,
        )
    )
    content = cache.get(key)
    if content is None:
        rendered = render()
        if rendered.status_code != 200:
            return rendered
        if hasattr(rendered, "render"):
            rendered.render()
        content = rendered.content
        cache.set(key, content, ttl)
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    patch_cache_control(response, public=True, max_age=0, s_maxage=min(settings.LESSON_SHARED_MAX_AGE, ttl))
    return response
