import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core import routing
from core.enums import Audience
from courses import caching, services
from courses.forms import ReflectionForm
from courses.models import LessonPage, Reflection


def _prompt(lesson: LessonPage, block_id: str):
    for block in lesson.body:
        if block.block_type == "reflection" and block.id == block_id:
            return block.value
    raise Http404


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def reflection(request, lesson_id: int, block_id: str):
    """The learner's private answer to a 個人ワーク prompt. Never for the children's course."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    course = services.course_of(lesson)
    if course is None:
        raise Http404
    if course.audience == Audience.CHILDREN:
        raise Http404  # children's answers are never stored
    prompt = _prompt(lesson, block_id)
    saved = Reflection.objects.filter(user=request.user, lesson=lesson, block_id=block_id).first()
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            Reflection.objects.filter(user=request.user, lesson=lesson, block_id=block_id).delete()
            messages.success(request, _("個人ワークの答えを削除しました。"))
            return redirect(lesson.url)
        form = ReflectionForm(request.POST)
        if form.is_valid():
            Reflection.objects.update_or_create(
                user=request.user, lesson=lesson, block_id=block_id, defaults={"text": form.cleaned_data["text"]}
            )
            messages.success(request, _("保存しました。この内容はあなただけが見られます。"))
            return redirect(lesson.url)
    else:
        form = ReflectionForm(initial={"text": saved.text if saved else ""})
    return render(
        request,
        "courses/reflection.html",
        {"lesson": lesson, "course": course, "prompt": prompt, "form": form, "saved": saved},
    )


PARTS = {
    "progress": "components/course/progress.html",
    "finish": "components/course/finish.html",
    "status": "components/course/status.html",
    "lesson_list": "components/course/lesson_list.html",
    "account": "components/account_nav.html",
    "messages": "components/messages.html",
}


def personal_parts(request, state, context) -> dict[str, str]:
    """The reader's parts but messages, without their CSRF token (the script puts it in, from the
    response's `csrf_token`): kept under a key made of everything they show, so a learner's next
    look at the same lesson in the same state renders nothing, and any change (a lesson done, the
    course completed, the course's lessons edited, the final quiz published, the language) is a
    new key."""
    waiting = ()
    if state.started and state.all_required_done and not state.completed_at:
        waiting = tuple((c.key, c.met, c.available) for c in state.conditions)
    facts = (
        repr(state.outline),  # every title, URL, number and minute the parts show
        translation.get_language(),
        state.current.id if state.current else None,
        request.user.is_authenticated,
        state.is_guest,
        state.started,
        tuple(sorted(state.done_ids)),
        state.last_lesson_id,
        str(state.completed_at),
        state.completed_version,
        waiting,
    )
    key = "courses:lesson-parts:" + hashlib.sha256(repr(facts).encode()).hexdigest()
    parts = cache.get(key)
    if parts is None:
        blank = {**context, "csrf_token": ""}
        parts = {
            name: render_to_string(template, blank, request=request)
            for name, template in PARTS.items()
            if name != "messages"
        }
        cache.set(key, parts, caching.seconds_until_midnight())
    return parts


@never_cache
@require_http_methods(["GET", "HEAD"])
def lesson_state(request, lesson_id: int):
    """This reader's part of a lesson page (progress, the finish button and its token, the course
    status, the lesson list's states, their account links and messages), which the shared page
    leaves out. lesson-state.js asks for it as JSON and fills the page in; without JavaScript the
    lesson's link opens it as a page of its own. Never cached by anyone (never_cache)."""
    place = services.lesson_place(lesson_id)
    if place is None:
        raise Http404
    outline, path = place
    if routing.under_restriction(path):
        lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
        if not all(restriction.accept_request(request) for restriction in lesson.get_view_restrictions()):
            raise PermissionDenied
    state = services.learner_state(request, outline, current_id=lesson_id)
    context = {"state": state, "course": outline}
    if "application/json" in request.headers.get("Accept", ""):
        parts = personal_parts(request, state, context)
        parts["messages"] = render_to_string(PARTS["messages"], context, request=request)
        response = JsonResponse(
            {"parts": parts, "csrf_token": get_token(request), "signed_in": request.user.is_authenticated}
        )
    else:
        response = render(request, "courses/lesson_state.html", context)
    patch_vary_headers(response, ["Accept"])
    return response
