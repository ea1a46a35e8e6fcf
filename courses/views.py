from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.enums import Audience
from courses import services
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


def serve_page(request, path):
    """Wagtail's page serving, with the fast path for lesson pages in front (courses.fastpath)."""
    from wagtail.views import serve

    from courses import fastpath

    try:
        found = fastpath.eligible(request, path)
        if found is not None:
            response = fastpath.serve_lesson(request, *found)
            if response is not None:
                return response
        response = fastpath.course_route(request, path)
        if response is not None:
            return response
        return serve(request, path)
    finally:
        token = getattr(request, "_prefetch_token", None)
        if token is not None:
            from accounts.backends import end_prefetch

            end_prefetch(token)
