"""xAPI statements and saved state from the lesson page (POST with the session and CSRF token).

Accepted only from a signed-in learner enrolled in the course whose lesson contains the activity
(the course app answers that through `h5p.integration`). Errors are JSON `{"detail": "..."}` in
Japanese, and declared in the OpenAPI description: 401 not signed in, 403 CSRF or not enrolled, 404
unknown activity or lesson, 400 the activity is not in that lesson or the statement/state is
malformed, 422 a body or query that does not fit the operation (config.api answers it in Japanese
for these paths), 429 too many POSTs from one learner in a minute.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema, Status
from ninja.utils import check_csrf

from h5p import integration, services
from h5p.models import H5PContent
from h5p.signals import activity_result

router = Router(tags=["h5p"])

REFUSALS = {
    "no_lesson": (404, gettext_lazy("レッスンが見つかりません。")),
    "not_in_lesson": (400, gettext_lazy("このアクティビティはこのレッスンにありません。")),
    "not_enrolled": (
        403,
        gettext_lazy("この講座を受講していないため、記録できません。講座を始めてからもう一度お試しください。"),
    ),
}


class ErrorOut(Schema):
    detail: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
# A learner's player sends a statement per answer or step and its state now and then; more than
# this in a minute is not a person playing (settings.H5P_POST_LIMIT_PER_MINUTE overrides it).
POST_LIMIT_PER_MINUTE = 240
INVALID_INPUT = gettext_lazy(
    "送信された内容の形式が正しくありません。ページを読み込み直してから、もう一度お試しください。"
)


class StatementIn(Schema):
    activity: str
    lesson: int
    statement: dict


class StateIn(Schema):
    activity: str
    lesson: int
    state: str


class RecordedOut(Schema):
    stored: bool
    completed: bool
    self_reported: bool = True
    best_percent: float | None = None
    lesson_done: bool = False
    message: str


class StateOut(Schema):
    state: str | None
    recording: bool = True
    detail: str | None = None


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


def too_many_posts(user_id: int) -> bool:
    """A fixed one-minute window per learner in the cache (Redis in production): one round trip
    (`incr`) per POST, a second only to open the window."""
    limit = getattr(settings, "H5P_POST_LIMIT_PER_MINUTE", POST_LIMIT_PER_MINUTE)
    key = f"ratelimit:h5p-post:{user_id}"
    try:
        return cache.incr(key) > limit
    except ValueError:  # no window yet
        if not cache.add(key, 1, 60):
            return cache.incr(key) > limit
        return False


def _context(request: HttpRequest, activity: str, lesson: int, write: bool):
    """(content, placement) or an error response."""
    if not request.user.is_authenticated:
        return _error(401, _("記録するにはログインしてください。"))
    if write and too_many_posts(request.user.pk):
        return _error(429, _("記録の送信が多すぎます。1分ほど待ってから、もう一度お試しください。"))
    if write and check_csrf(request) is not None:
        return _error(403, _("ページを読み込み直してから、もう一度お試しください（CSRF の確認に失敗しました）。"))
    content = services.activity(activity)
    if content is None:
        return _error(404, _("アクティビティが見つかりません。"))
    try:
        placement = integration.placement(request.user, lesson, content.key)
    except integration.PlacementRefused as refusal:
        status, message = REFUSALS.get(refusal.code, (400, gettext_lazy("記録できません。")))
        return _error(status, str(message))
    return content, placement


@router.post("/h5p/xapi", response={201: RecordedOut, **ERRORS}, summary="Record an xAPI statement from the H5P player")
def post_statement(request: HttpRequest, payload: StatementIn):
    found = _context(request, payload.activity, payload.lesson, write=True)
    if isinstance(found, JsonResponse):
        return found
    content, placement = found
    try:
        recorded = services.record_statement(
            request.user, content, placement.lesson_id, placement.course_id, payload.statement
        )
    except services.StatementRefused as refusal:
        return _error(400, refusal.message)
    except IntegrityError:  # the activity was deleted meanwhile
        services.forget_activity(content.key)
        return _error(404, _("アクティビティが見つかりません。"))
    lesson_done = False
    if recorded["changed"]:
        replies = activity_result.send(
            sender=H5PContent,
            user=request.user,
            content_key=content.key,
            lesson_id=placement.lesson_id,
            course_id=placement.course_id,
            completed=recorded.get("result_completed", False),
            percent=recorded.get("best_percent"),
        )
        lesson_done = any(reply is True for _receiver, reply in replies)
    if lesson_done:
        message = _("記録しました。このレッスンを完了しました。")
    elif recorded["completed"]:
        message = _("記録しました（結果はブラウザからの自己申告として扱います）。")
    else:
        message = _("記録しました。")
    return Status(
        201,
        {
            "stored": True,
            "completed": recorded["completed"],
            "best_percent": recorded.get("best_percent"),
            "lesson_done": lesson_done,
            "message": message,
        },
    )


@router.get(
    "/h5p/state", response={200: StateOut, **ERRORS}, summary="The learner's saved state of an activity (resume)"
)
def get_state(request: HttpRequest, activity: str, lesson: int):
    """For a guest: 200 with `recording: false` (a guest may play; nothing is recorded)."""
    if not request.user.is_authenticated:
        return {"state": None, "recording": False, "detail": _("ログインして受講すると、結果が記録されます。")}
    found = _context(request, activity, lesson, write=False)
    if isinstance(found, JsonResponse):
        if found.status_code == 403:  # signed in, not enrolled: may play, nothing recorded
            detail = json.loads(found.content)["detail"]
            return {"state": None, "recording": False, "detail": detail}
        return found
    content, _placement = found
    response = JsonResponse({"state": services.load_state(request.user, content), "recording": True, "detail": None})
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/h5p/state", response={200: StateOut, **ERRORS}, summary="Save the learner's state of an activity")
def post_state(request: HttpRequest, payload: StateIn):
    found = _context(request, payload.activity, payload.lesson, write=True)
    if isinstance(found, JsonResponse):
        return found
    content, _placement = found
    try:
        services.save_state(request.user, content, payload.state)
    except services.StatementRefused as refusal:
        return _error(400, refusal.message)
    return {"state": payload.state}
