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
from core import routing

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


def is_shared(page, request) -> bool:
    """May this response be the one every reader gets (and a proxy keep)?"""
    return may_share_request(request) and not routing.under_restriction(page.path)


def _origin() -> str:
    return hashlib.sha256(settings.H5P_PLAYER_ORIGIN.encode()).hexdigest()[:12]


def render_version() -> str:
    """What a cached rendering of lesson content must be keyed on besides the lesson's own
    revision: the version token, today's date and the H5P player origin. Used by the classroom
    lesson page's fragment cache, so that a pupil's lesson is exactly as fresh as everyone's."""
    return f"{lessons_version()}:{timezone.localdate().isoformat()}:{_origin()}"


def _key(request) -> str:
    """Where the shared copy of the page at this URL is kept: the host and path (the path holds
    the language prefix), the active language, today's date and the H5P player origin. The
    version token is kept inside the entry, so one cache round trip reads both."""
    parts = (request.get_host(), request.path, translation.get_language(), timezone.localdate().isoformat(), _origin())
    return "courses:lesson-html:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def _response(content: bytes, ttl: int) -> HttpResponse:
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    patch_cache_control(response, public=True, max_age=0, s_maxage=min(settings.LESSON_SHARED_MAX_AGE, ttl))
    return response


def may_share_request(request) -> bool:
    """Could this request get the copy every reader gets? Only a plain GET or HEAD (no query
    string), never a preview or an editor."""
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not getattr(request, "is_preview", False)
        and not request.COOKIES.get(EDITOR_COOKIE)
    )


def cached_response(request) -> HttpResponse | None:
    """The shared copy of the page at this URL, if one was rendered for the current version (one
    cache round trip: the version token and the entry together); else None."""
    if not may_share_request(request):
        return None
    key = _key(request)
    found = cache.get_many([VERSION_KEY, key])
    entry = found.get(key)
    if entry is None or entry[0] != found.get(VERSION_KEY):
        return None
    return _response(entry[1], seconds_until_midnight())


def shared_response(page, request, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The lesson's page as every reader gets it: rendered now (`render`, Wagtail's serve) and kept
    until something it shows changes or the day ends; `courses.middleware.SharedPageMiddleware`
    answers the next request for it from the cache. `Cache-Control` lets a proxy keep it for
    `LESSON_SHARED_MAX_AGE` seconds (purged on change) and makes browsers revalidate."""
    if not is_shared(page, request):
        response = render()
        patch_cache_control(response, private=True, no_store=True)
        return response
    version = lessons_version()  # read before rendering: a change meanwhile leaves the entry outdated
    rendered = render()
    if rendered.status_code != 200:
        return rendered
    if hasattr(rendered, "render"):
        rendered.render()
    ttl = seconds_until_midnight()
    cache.set(_key(request), (version, rendered.content), ttl)
    return _response(rendered.content, ttl)
