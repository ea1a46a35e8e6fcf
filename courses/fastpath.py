"""The fast path for lesson pages: what is the same for everyone is rendered once and cached; only
the learner's own state is computed per request.

A lesson page for a learner is mostly shared: the layout, the lesson body, the navigation. The
first request for a lesson (per language and signed-in or not) renders the ordinary template in
"shell" mode, where each personal part is a marker, and caches the result split at the markers.
Later requests join the cached pieces with the personal parts: the progress bar, the lesson list
states (each item pre-rendered in its three states), the finish form and the course status, and
put this request's CSRF token in. Per request that is the session, the user, one query for the
learner's enrolment and progress, and one cache read.

Anything unusual goes to Wagtail's ordinary `serve`: other methods (POST), query strings,
previews, pending messages, editors (their user bar), pages with view restrictions, and any
Wagtail serve hook this module does not know. Tests assert that both paths produce the same page.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.template.loader import render_to_string
from django.utils import translation
from wagtail import hooks
from wagtail.models import PageViewRestriction

from accounts.backends import prefetch, user_cache_key
from courses.enums import LessonState
from courses.models import CoursePage, LessonPage
from courses.services import (
    LearnerState,
    LessonRow,
    ProgressSnapshot,
    course_of,
    outline_version,
    personal_state,
    progress_key,
)

NUMBER_OPEN, NUMBER_CLOSE = "\ue002", "\ue003"
CSRF_SENTINEL = "tsunagari-csrf-sentinel-0000000000000000000000000000000000000000000000"
MARKER = re.compile(r"\ue000([a-z_:0-9]+)\ue001")
KNOWN_HOOKS = {
    "before_serve_page": {"wagtail.wagtail_hooks.check_request_method"},
    "on_serve_page": {"wagtail.wagtail_hooks.check_view_restrictions"},
}
PERSONAL_TEMPLATES = {
    "progress": "components/course/progress.html",
    "finish": "components/course/finish.html",
    "status": "components/course/status.html",
}
_local_maps: dict[str, dict[str, tuple[int, int]]] = {}
_local_courses: dict[str, dict[str, int]] = {}
# Shells are kept in this process's memory (a few tens of KB each; about 4 per lesson: two
# languages, signed in or not). Each carries the versions it was built with and is rebuilt when
# they change, so every server stays exact without shipping the page through Redis each time.
_local_shells: dict[str, Shell] = {}
MAX_LOCAL_SHELLS = 2000


def marker(name: str) -> str:
    return f"\ue000{name}\ue001"


def enabled() -> bool:
    return bool(getattr(settings, "COURSES_LESSON_FAST_PATH", True)) and _only_known_hooks()


@functools.cache
def _only_known_hooks() -> bool:
    """Hooks are registered at start-up; any serve hook we do not know sends lessons the
    ordinary way (its behaviour would otherwise be skipped)."""
    for hook_name, known in KNOWN_HOOKS.items():
        registered = {f"{fn.__module__}.{fn.__name__}" for fn in hooks.get_hooks(hook_name)}
        if not registered <= known:
            return False
    return True


_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
_random = secrets.SystemRandom()


def masked_csrf_token(request) -> str:
    """A token as `django.middleware.csrf.get_token` makes it (a fresh random mask over the
    cookie's secret), without its per-character index scans. When the browser already has the
    cookie it is not re-sent (Django would re-send it only to renew its one-year expiry, which
    every other page and form still does)."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(secret) != CSRF_SECRET_LENGTH or any(char not in _CSRF_INDEX for char in secret):
        return get_token(request)
    mask = _random.choices(CSRF_ALLOWED_CHARS, k=CSRF_SECRET_LENGTH)
    size = len(CSRF_ALLOWED_CHARS)
    cipher = [CSRF_ALLOWED_CHARS[(_CSRF_INDEX[s] + _CSRF_INDEX[m]) % size] for s, m in zip(secret, mask, strict=True)]
    return "".join(mask) + "".join(cipher)


def lesson_map(version: str) -> dict[str, tuple[int, int]]:
    """Wagtail path ("courses/adult/what-is-loneliness/") → id of every live lesson that has no
    view restriction on it or its ancestors, with its course's id. Kept in process memory per outline version (which
    changes on publish, unpublish, move, delete and view-restriction changes)."""
    mapping = _local_maps.get(version)
    if mapping is not None:
        return mapping
    mapping = {}
    restricted_paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    courses = dict(CoursePage.objects.values_list("path", "pk"))
    for lesson in LessonPage.objects.live().only("id", "path", "url_path"):
        course_id = courses.get(lesson.path[: -lesson.steplen])
        if any(lesson.path.startswith(path) for path in restricted_paths):
            continue
        with translation.override(settings.LANGUAGE_CODE):  # paths without the /en/ prefix
            url = lesson.get_url(None)
        if url and url.startswith("/") and course_id is not None:
            mapping[url.lstrip("/")] = (lesson.pk, course_id)
    course_paths = {}
    for course in CoursePage.objects.live().only("id", "path", "url_path"):
        if any(course.path.startswith(path) for path in restricted_paths):
            continue
        with translation.override(settings.LANGUAGE_CODE):
            url = course.get_url(None)
        if url and url.startswith("/"):
            course_paths[url.lstrip("/")] = course.pk
    _local_maps.clear()
    _local_maps[version] = mapping
    _local_courses.clear()
    _local_courses[version] = course_paths
    return mapping


def course_route(request, path: str):
    """For a course's own sub-pages (quiz/, quiz/result/<id>/, survey/<phase>/): the live course,
    found from the cached map with one query instead of Wagtail's walk down the page tree, and the
    routable-page view to call. None for anything else (Wagtail serves it)."""
    if not enabled() or getattr(request, "is_preview", False):
        return None
    submitting = request.method == "POST" and path.endswith("/quiz/") and request.POST.get("action") == "submit"
    if submitting:  # the versions, the session and the user in one round trip
        from courses.services import OUTLINE_VERSION_KEY
        from quizzes.services import ANSWER_KEY_VERSION

        found, _user_id = prefetch_request(request, [OUTLINE_VERSION_KEY, ANSWER_KEY_VERSION])
        version = found.get(OUTLINE_VERSION_KEY) or outline_version()
    else:
        version = outline_version()
    lesson_map(version)
    course_paths = _local_courses.get(version, {})
    head, _sep, rest = path.rstrip("/").rpartition("/quiz")
    if not rest and head + "/" in course_paths:
        prefix, subpath = head + "/", "quiz/"
    elif "/survey/" in path or "/quiz/result/" in path:
        marker = "/survey/" if "/survey/" in path else "/quiz/result/"
        prefix = path[: path.index(marker) + 1]
        subpath = path[len(prefix) :]
    else:
        return None
    course_id = course_paths.get(prefix)
    if course_id is None:
        return None
    if submitting and subpath == "quiz/":
        from courses import quiz_fastpath

        response = quiz_fastpath.submit(request, course_id, version, found.get(ANSWER_KEY_VERSION))
        if response is not None:
            return response
    page = CoursePage.objects.live().select_related("final_quiz").filter(pk=course_id).first()
    if page is None:
        return None
    try:
        view, args, kwargs = page.resolve_subpage("/" + subpath)
    except Exception:
        return None
    return page.serve(request, view, args, kwargs)


@dataclass
class Shell:
    """The shared part of one lesson page, split at the markers of the personal parts."""

    versions: tuple[str, str]  # (outline version, help-resources version) it was built with
    outline: object
    chunks: list[str]
    slots: list[str]
    items: dict[int, dict[str, str]]  # lesson id → state → rendered list item
    # Personal parts pre-rendered in each of their common forms; numbers are NUMBER markers.
    fragments: dict[str, str]


def _shell_key(lesson_id: int, authenticated: bool) -> str:
    return f"courses:shell:{lesson_id}:{translation.get_language()}:{int(authenticated)}"


def _session_cache_key(request) -> str | None:
    """The cache key of this request's session, when sessions live in the cache (production)."""
    session = request.session
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.cache" or session.session_key is None:
        return None
    return session.cache_key


def eligible(request, path: str):
    """(lesson id, versions, progress snapshot or None) to serve on the fast path, or None to use
    Wagtail's serve.

    Usually one cache round trip: the session, the version tokens, and — for a session this
    process has seen signed in — the user and their progress in this lesson's course. Which user
    to prefetch is only a hint; the session decides, and a wrong hint costs a second fetch."""
    if request.method not in ("GET", "HEAD") or request.GET or getattr(request, "is_preview", False):
        return None
    if request.COOKIES.get("messages") or not enabled():  # messages: django.contrib.messages' cookie
        return None
    from courses.services import OUTLINE_VERSION_KEY
    from home.services import CACHE_VERSION_KEY as HELP_VERSION_KEY
    from home.services import help_resources_version

    candidate = _local_maps_any().get(path)
    found, user_id = prefetch_request(
        request,
        [OUTLINE_VERSION_KEY, HELP_VERSION_KEY],
        lambda uid: [progress_key(uid, candidate[1])] if candidate else [],
    )
    if "_messages" in request.session or request.session.get("can_edit"):
        return None
    versions = (
        found.get(OUTLINE_VERSION_KEY) or outline_version(),
        found.get(HELP_VERSION_KEY) or help_resources_version(),
    )
    match = lesson_map(versions[0]).get(path)
    if match is None:
        return None
    lesson_id, course_id = match
    snapshot = found.get(progress_key(user_id, course_id)) if user_id is not None and match == candidate else None
    return lesson_id, versions, snapshot


def prefetch_request(request, keys: list[str], per_user=lambda user_id: []) -> tuple[dict, str | None]:
    """Read `keys`, the session and — for a session this process has seen signed in — the user
    and `per_user(user id)` keys, in one cache round trip; the session and the user are handed to
    Django so it does not read them again. Which user to prefetch is only a hint; the session
    decides, and a wrong hint costs a second fetch. Returns (what was found, the user id)."""
    session_key = _session_cache_key(request)
    hint = _uid_hints.get(request.session.session_key) if session_key else None
    keys = list(keys)
    if session_key:
        keys.append(session_key)
    if hint is not None:
        keys += [user_cache_key(hint), *per_user(hint)]
    found = cache.get_many(keys)
    if session_key and found.get(session_key) is not None:
        request.session._session_cache = found[session_key]  # what SessionStore.load() would read
    user_id = request.session.get("_auth_user_id")
    if session_key:
        _remember_hint(request.session.session_key, user_id)
    if user_id is not None and user_id != hint:  # first visit in this process, or a new login
        found.update(cache.get_many([user_cache_key(user_id), *per_user(user_id)]))
    if user_id is not None and found.get(user_cache_key(user_id)) is not None:
        request._prefetch_token = prefetch(user_id, found[user_cache_key(user_id)])
    return found, user_id


_uid_hints: dict[str, str] = {}
MAX_HINTS = 50_000


def _remember_hint(session_key: str | None, user_id: str | None) -> None:
    if session_key is None:
        return
    if user_id is None:
        _uid_hints.pop(session_key, None)
        return
    if len(_uid_hints) >= MAX_HINTS:
        _uid_hints.clear()
    _uid_hints[session_key] = user_id


def _local_maps_any() -> dict[str, tuple[int, int]]:
    return next(iter(_local_maps.values()), {})


def _build_shell(request, lesson: LessonPage, outline, versions: tuple[str, str]) -> Shell:
    state = LearnerState(
        outline, is_guest=not request.user.is_authenticated, started=False, done_ids=frozenset(), last_lesson_id=None
    )
    state.current = outline.lesson(lesson.pk)
    state.rows = [LessonRow(row, LessonState.NOT_STARTED) for row in outline.lessons]
    context = {
        "page": lesson,
        "self": lesson,
        "course": outline,
        "state": state,
        "shell_mode": True,
        "csrf_token": CSRF_SENTINEL,
        "has_help_block": any(block.block_type == "help_resources" for block in lesson.body),
        "help_version": versions[1],
        "hide_footer_help": True,
    }
    html = render_to_string(lesson.get_template(request), context, request=request)
    parts = MARKER.split(html)
    items = {}
    for row_lesson in outline.lessons:
        items[row_lesson.id] = {
            row_state: render_to_string(
                "components/course/lesson_list_item.html",
                {"lesson": row_lesson, "row_state": row_state, "current_id": lesson.pk},
            )
            for row_state in LessonState.values
        }
    return Shell(
        versions=versions,
        outline=outline,
        chunks=parts[0::2],
        slots=parts[1::2],
        items=items,
        fragments=_fragments(outline, state),
    )


class _NumberState:
    """Stands in for a started learner's state when pre-rendering the progress bar: its numbers
    render as markers that each request replaces."""

    started = True
    done_count = f"{NUMBER_OPEN}done{NUMBER_CLOSE}"
    percent = f"{NUMBER_OPEN}percent{NUMBER_CLOSE}"

    def __init__(self, outline, minutes_left):
        self.outline = outline
        self.minutes_left = minutes_left


def _fragments(outline, state: LearnerState) -> dict[str, str]:
    fragments = {
        "progress:left": render_to_string(
            PERSONAL_TEMPLATES["progress"], {"state": _NumberState(outline, f"{NUMBER_OPEN}left{NUMBER_CLOSE}")}
        ),
        "progress:none_left": render_to_string(PERSONAL_TEMPLATES["progress"], {"state": _NumberState(outline, 0)}),
        "progress:not_started": render_to_string(PERSONAL_TEMPLATES["progress"], {"state": state}),
    }
    for kind, started, done in (("not_started", False, frozenset()), ("started", True, frozenset())):
        variant = dataclasses.replace(state, started=started, done_ids=done)
        fragments[f"finish:{kind}"] = render_to_string(
            PERSONAL_TEMPLATES["finish"], {"state": variant, "csrf_token": CSRF_SENTINEL}
        )
    done_variant = dataclasses.replace(state, started=True, done_ids=frozenset({state.current.id}))
    fragments["finish:done"] = render_to_string(
        PERSONAL_TEMPLATES["finish"], {"state": done_variant, "csrf_token": CSRF_SENTINEL}
    )
    for kind, started in (("none", False), ("in_progress", True)):
        variant = dataclasses.replace(state, started=started)
        fragments[f"status:{kind}"] = render_to_string(PERSONAL_TEMPLATES["status"], {"state": variant})
    return fragments


def _personal(shell: Shell, slot: str, state: LearnerState, personal: dict) -> str:
    """This learner's part for one slot: a pre-rendered form where there is one, else rendered."""
    fragments = shell.fragments
    if slot == "progress":
        if not state.started:
            return fragments["progress:not_started"]
        html = fragments["progress:left" if state.minutes_left else "progress:none_left"]
        return (
            html.replace(f"{NUMBER_OPEN}done{NUMBER_CLOSE}", str(state.done_count))
            .replace(f"{NUMBER_OPEN}percent{NUMBER_CLOSE}", str(state.percent))
            .replace(f"{NUMBER_OPEN}left{NUMBER_CLOSE}", str(state.minutes_left))
        )
    if slot == "finish":
        if state.current.id in state.done_ids:
            return fragments["finish:done"]
        return fragments["finish:started" if state.started else "finish:not_started"]
    if slot == "status" and not state.completed_at and not (state.started and state.all_required_done):
        # Neither complete nor waiting: the status depends only on guest-or-not and started-or-not.
        return fragments["status:in_progress" if state.started else "status:none"]
    return render_to_string(PERSONAL_TEMPLATES[slot], personal)


def _learner_state(request, outline, lesson_id: int, snapshot: ProgressSnapshot | None) -> LearnerState:
    state = personal_state(request, outline, lesson_id, snapshot)
    state.current = outline.lesson(lesson_id)
    return state


def serve_lesson(request, lesson_id: int, versions: tuple[str, str], snapshot=None):
    """Serve a lesson page on the fast path; None if it must go the ordinary way."""
    from django.http import HttpResponse

    shell = _local_shells.get(_shell_key(lesson_id, request.user.is_authenticated))
    if shell is not None and shell.versions != versions:
        shell = None
    if shell is None:
        lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
        if lesson is None:
            return None
        outline = course_of(lesson)
        if outline is None:
            return None
        shell = _build_shell(request, lesson, outline, versions)
        if len(_local_shells) >= MAX_LOCAL_SHELLS:
            _local_shells.clear()
        _local_shells[_shell_key(lesson_id, request.user.is_authenticated)] = shell
    outline = shell.outline
    state = _learner_state(request, outline, lesson_id, snapshot)
    personal = {"csrf_token": CSRF_SENTINEL, "state": state, "course": outline, "user": request.user}
    rendered: dict[str, str] = {}
    output = []
    for index, chunk in enumerate(shell.chunks):
        output.append(chunk)
        if index < len(shell.slots):
            slot = shell.slots[index]
            if slot.startswith("item:"):
                row_id = int(slot[5:])
                row_state = (
                    LessonState.DONE
                    if row_id in state.done_ids
                    else LessonState.CURRENT
                    if row_id == lesson_id
                    else LessonState.NOT_STARTED
                )
                output.append(shell.items[row_id][row_state])
            else:
                if slot not in rendered:
                    rendered[slot] = _personal(shell, slot, state, personal)
                output.append(rendered[slot])
    html = "".join(output).replace(CSRF_SENTINEL, masked_csrf_token(request)).encode()
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Language"] = translation.get_language()
    response["X-Lesson-Render"] = "fast"
    return response
