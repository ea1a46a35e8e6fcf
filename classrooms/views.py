"""Pages of classroom mode: pupils joining and learning (no account), teachers running a class.

Views parse input, call `classrooms.services`, and render. A pupil is recognised by the token in
the device's session, looked up together with the class code in the URL; a teacher sees only
their own classes (anyone else gets 404).
"""

from __future__ import annotations

import re
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates.views import rate_limited
from classrooms import services
from classrooms.forms import CertificateNamesForm, ClassSessionForm, JoinForm
from classrooms.models import ClassSession, Pupil
from core.enums import Audience
from courses.caching import render_version
from courses.models import LessonPage

TEACHER_PERMISSION = "accounts.run_class_sessions"


# --- pupils ------------------------------------------------------------------------------------


def _refused(request, message: str, status: int = 403, code: str = ""):
    return render(request, "classrooms/pupil_refused.html", {"message": message, "code": code}, status=status)


def _pupil_required(view):
    """The pupil this device joined as in the class of the URL's code, or a kind refusal."""

    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        pupil = services.device_pupil(request, code)
        if pupil is None:
            return redirect(reverse("classrooms:join_code", args=[services.normalise_code(code)]))
        message = services.refusal_for(pupil.session, joining=False)
        if message:
            return _refused(request, message, code=pupil.session.code)
        return view(request, pupil, *args, **kwargs)

    return wrapper


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, code: str = ""):
    """/class/ and /class/<code>/: a code and a nickname, and the pupil is in."""
    code = services.normalise_code(code)
    if request.method == "GET":
        if code and services.device_pupil(request, code) is not None:
            return redirect(reverse("classrooms:pupil_home", args=[code]))  # same device: resume
        return render(request, "classrooms/join.html", {"form": JoinForm(initial={"code": code}), "code": code})
    if rate_limited(request, "class-join", settings.CLASSROOM_JOIN_LIMIT_PER_MINUTE):
        return _refused(request, _("いまは入れません。1分くらい待ってから、もう一度ためしてね。"), status=429)
    form = JoinForm(request.POST)
    if not form.is_valid():
        return render(request, "classrooms/join.html", {"form": form, "code": code}, status=400)
    code = form.cleaned_data["code"]
    existing = services.device_pupil(request, code)
    if existing is not None and existing.session.state in ("open", "paused"):
        return redirect(reverse("classrooms:pupil_home", args=[code]))  # joined already on this device
    session = services.find_session(code)
    if session is None:
        if rate_limited(request, "class-bad-code", settings.CLASSROOM_BAD_CODE_LIMIT_PER_MINUTE):
            return _refused(request, _("いまは入れません。1分くらい待ってから、もう一度ためしてね。"), status=429)
        return _refused(request, services.refusal_for(None), status=404)
    try:
        _pupil, token = services.join(session, form.cleaned_data["nickname"])
    except services.ClassroomError as error:
        if error.status == 400:  # the nickname: fixable on the same form
            form.add_error("nickname", error.message)
            return render(request, "classrooms/join.html", {"form": form, "code": code}, status=400)
        return _refused(request, error.message, status=error.status, code=code)
    services.remember_device(request, session, token)
    return redirect(reverse("classrooms:pupil_home", args=[session.code]))


def _pupil_context(pupil: Pupil, outline, done: frozenset[int], current_id: int | None = None) -> dict:
    rows = [
        {
            "lesson": lesson,
            "state": "done" if lesson.id in done else "current" if lesson.id == current_id else "not_started",
            "url": reverse("classrooms:pupil_lesson", args=[pupil.session.code, lesson.id]),
        }
        for lesson in outline.lessons
    ]
    all_done = outline.required_ids <= done
    return {
        "pupil": pupil,
        "session": pupil.session,
        "course": outline,
        "rows": rows,
        "done_count": len(done & outline.lesson_ids),
        "all_done": all_done,
        "has_quiz": outline.final_quiz_id is not None,
        "audience": outline.audience,
        "hide_footer_help": True,  # the page shows the full help box itself
    }


@never_cache
@require_GET
@_pupil_required
def pupil_home(request, pupil: Pupil):
    outline = services.outline_for(pupil.session)
    if outline is None:
        raise Http404
    done = services.done_lesson_ids(pupil)
    context = _pupil_context(pupil, outline, done, pupil.current_lesson_id)
    context["next_lesson"] = next((row for row in context["rows"] if row["state"] != "done"), None)
    return render(request, "classrooms/pupil_home.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def pupil_lesson(request, code: str, lesson_id: int):
    if request.method == "POST" and request.POST.get("action") == "done":
        # The hot request of a class: one database round trip when everything is in order.
        target = services.finish_lesson_fast(request, code, lesson_id)
        if target is not None:
            return redirect(target)
    return _pupil_lesson(request, code, lesson_id)


@_pupil_required
def _pupil_lesson(request, pupil: Pupil, lesson_id: int):
    outline = services.outline_for(pupil.session)
    if outline is None or outline.lesson(lesson_id) is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") != "done":
            raise PermissionDenied
        try:
            services.finish_lesson(pupil, outline, lesson_id)
        except services.ClassroomError as error:
            return _refused(request, error.message, status=error.status, code=pupil.session.code)
        this = outline.lesson(lesson_id)
        following = outline.lessons[this.number] if this.number < len(outline.lessons) else None
        if following is not None:
            return redirect(reverse("classrooms:pupil_lesson", args=[pupil.session.code, following.id]))
        return redirect(reverse("classrooms:pupil_home", args=[pupil.session.code]))
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404
    services.note_lesson_opened(pupil, lesson_id)
    done = services.done_lesson_ids(pupil)
    context = _pupil_context(pupil, outline, done, lesson_id)
    current = outline.lesson(lesson_id)
    context.update(
        {
            "page": lesson,
            "current": current,
            "is_done": lesson_id in done,
            "previous": outline.lessons[current.number - 2] if current.number > 1 else None,
            "next": outline.lessons[current.number] if current.number < len(outline.lessons) else None,
            "has_help_block": any(block.block_type == "help_resources" for block in lesson.body),
            "render_version": render_version(),
            "hide_footer_help": True,
        }
    )
    return render(request, "classrooms/pupil_lesson.html", context)


def _quiz_rows(attempt):
    from quizzes.enums import QuestionKind
    from quizzes.models import Choice, Question

    questions = Question.objects.in_bulk(attempt.question_ids)
    choices = Choice.objects.in_bulk([c for item in attempt.layout for c in item["choices"]])
    rows = []
    for number, item in enumerate(attempt.layout, start=1):
        question = questions.get(item["question"])
        if question is None:
            continue
        rows.append(
            {
                "number": number,
                "question": question,
                "choices": [choices[c] for c in item["choices"] if c in choices],
                "chosen": attempt.answers.get(str(question.pk), []),
                "checked": question.pk in attempt.checked,
                "is_ordering": question.kind == QuestionKind.ORDERING,
                "is_multiple": question.kind == QuestionKind.MULTIPLE,
            }
        )
    return rows


@never_cache
@require_http_methods(["GET", "POST"])
@_pupil_required
def pupil_quiz(request, pupil: Pupil):
    """The course's quiz, one question per page; graded on the server."""
    from quizzes.enums import FeedbackTiming
    from quizzes.services import QuizError, parse_answers, review

    session = pupil.session
    outline = services.outline_for(session)
    if outline is None or outline.final_quiz_id is None:
        raise Http404
    home = reverse("classrooms:pupil_home", args=[session.code])
    quiz_url = reverse("classrooms:pupil_quiz", args=[session.code])
    done = services.done_lesson_ids(pupil)
    if not outline.required_ids <= done:
        return _refused(request, _("テストは、レッスンをぜんぶ終えてからできるよ。"), code=session.code)
    from quizzes.models import Quiz

    quiz = Quiz.objects.get(pk=outline.final_quiz_id)
    after_each = quiz.feedback_timing == FeedbackTiming.AFTER_EACH
    attempt = services.open_attempt(pupil)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                if pupil.quiz_passed:
                    return redirect(reverse("classrooms:pupil_result", args=[session.code]))
                services.start_attempt(pupil, quiz)
                return redirect(quiz_url)
            if attempt is None or str(attempt.pk) != request.POST.get("attempt"):
                last = services.last_attempt(pupil)
                if action == "submit" and last is not None:
                    return redirect(reverse("classrooms:pupil_result", args=[session.code]))  # double submit
                return _refused(
                    request, _("このテストは見つかりません。もう一度はじめからやってね。"), 400, session.code
                )
            answers = parse_answers(attempt, request.POST)
            index = request.POST.get("index", "1")
            index = int(index) if index.isdigit() else 1
            if action == "check":
                if len(answers) != 1:
                    raise QuizError(_("こたえをえらんでから「こたえをたしかめる」をおしてね。"), correctable=True)
                ((question_id, chosen),) = answers.items()
                services.check_answer(attempt, question_id, chosen)
                return redirect(f"{quiz_url}?q={index}")
            if answers:
                services.save_answer(attempt, answers)
            if action == "submit":
                services.submit(attempt)
                return redirect(reverse("classrooms:pupil_result", args=[session.code]))
            index = index + 1 if action == "next" else index - 1 if action == "previous" else index
            return redirect(f"{quiz_url}?q={max(index, 1)}")
        except QuizError as error:
            if error.correctable:
                messages.error(request, error.message)
                index = request.POST.get("index", "1")
                return redirect(f"{quiz_url}?q={index if index.isdigit() else 1}")
            return _refused(request, error.message, error.status, session.code)
        except services.ClassroomError as error:
            return _refused(request, error.message, error.status, session.code)
    if attempt is None:
        return render(
            request,
            "classrooms/pupil_quiz_start.html",
            {**_pupil_context(pupil, outline, done), "quiz": quiz, "last": services.last_attempt(pupil)},
        )
    rows = _quiz_rows(attempt)
    index = request.GET.get("q", "1")
    index = min(max(int(index) if index.isdigit() else 1, 1), len(rows))
    row = rows[index - 1]
    feedback = None
    if row["checked"] and after_each:
        feedback = next((item for item in review(attempt) if item.question.pk == row["question"].pk), None)
    return render(
        request,
        "classrooms/pupil_quiz.html",
        {
            **_pupil_context(pupil, outline, done),
            "quiz": quiz,
            "attempt": attempt,
            "rows": [row],
            "row": row,
            "index": index,
            "total": len(rows),
            "after_each": after_each,
            "feedback": feedback,
            "home_url": home,
        },
    )


@never_cache
@require_GET
@_pupil_required
def pupil_result(request, pupil: Pupil):
    from quizzes.enums import FeedbackTiming
    from quizzes.services import review

    outline = services.outline_for(pupil.session)
    attempt = services.last_attempt(pupil)
    if outline is None or attempt is None:
        raise Http404
    done = services.done_lesson_ids(pupil)
    return render(
        request,
        "classrooms/pupil_result.html",
        {
            **_pupil_context(pupil, outline, done),
            "attempt": attempt,
            "quiz": attempt.quiz,
            "items": review(attempt) if attempt.quiz.feedback_timing != FeedbackTiming.NEVER else [],
            "completed": pupil.completed_at is not None,
        },
    )


# --- teachers ----------------------------------------------------------------------------------


def teacher_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(TEACHER_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _own_session(request, pk: int) -> ClassSession:
    """The teacher's own class; any other class is 404 (its existence is not revealed)."""
    return get_object_or_404(ClassSession.objects.select_related("course"), pk=pk, teacher=request.user)


def _short_url(request, session: ClassSession) -> str:
    return request.build_absolute_uri(reverse("classrooms:join_code", args=[session.code]))


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', "<svg", svg)
    label = _("参加用のQRコード：%(url)s") % {"url": url}
    return svg.replace("<svg", f'<svg class="class-qr__image" role="img" aria-label="{label}"', 1)


@teacher_required
@never_cache
def teacher_list(request):
    sessions = ClassSession.objects.filter(teacher=request.user).select_related("course").order_by("-held_on", "-pk")
    return render(request, "classrooms/teacher_list.html", {"sessions": sessions[:100]})


@teacher_required
@never_cache
@require_http_methods(["GET", "POST"])
def teacher_new(request):
    form = ClassSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(teacher=request.user, **form.cleaned_data)
        except services.ClassroomError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("クラスを作りました。参加コードを児童・生徒に見せてください。"))
            return redirect(reverse("classrooms:teacher_detail", args=[session.pk]))
    return render(request, "classrooms/teacher_new.html", {"form": form}, status=400 if form.errors else 200)


@teacher_required
@never_cache
def teacher_detail(request, pk: int):
    session = _own_session(request, pk)
    url = _short_url(request, session)
    return render(
        request,
        "classrooms/teacher_detail.html",
        {
            "session": session,
            "short_url": url,
            "qr_svg": _qr_svg(url),
            "live": services.live_snapshot(session.pk),
            "state": session.state,
        },
    )


@login_required
@never_cache
@require_GET
def teacher_live(request, pk: int):
    """The dashboard's poll: one cache read when nothing changed (ownership is in the snapshot)."""
    data = services.live_snapshot(pk)
    if data is None or data["teacher_id"] != request.user.pk:
        raise Http404
    payload = {key: value for key, value in data.items() if key != "teacher_id"}
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@teacher_required
@never_cache
@require_POST
def teacher_action(request, pk: int):
    session = _own_session(request, pk)
    action = request.POST.get("action")
    try:
        if action == "pause":
            services.pause(session)
            messages.success(request, _("参加の受付を一時停止しました。参加中の児童・生徒は続けられます。"))
        elif action == "resume":
            services.resume(session)
            messages.success(request, _("参加の受付を再開しました。"))
        elif action == "extend":
            services.extend(session)
            messages.success(request, _("有効期限を1日延長しました。"))
        elif action == "end":
            session, newly = services.end_session(session)
            if newly:
                messages.success(
                    request,
                    _("クラスを終了しました。修了した%(n)d人を統計に数えました。") % {"n": session.completed_count},
                )
            else:
                messages.info(request, _("このクラスはすでに終了しています（二重には数えません）。"))
        else:
            raise PermissionDenied
    except services.ClassroomError as error:
        messages.error(request, error.message)
    return redirect(reverse("classrooms:teacher_detail", args=[session.pk]))


@teacher_required
@never_cache
@require_POST
def teacher_remove_pupil(request, pk: int, pupil_id: int):
    session = _own_session(request, pk)
    if services.remove_pupil(session, pupil_id):
        messages.success(request, _("その児童・生徒をクラスから外しました。"))
    else:
        raise Http404
    return redirect(reverse("classrooms:teacher_detail", args=[session.pk]))


@teacher_required
@never_cache
def teacher_projector(request, pk: int):
    session = _own_session(request, pk)
    show_answers = request.GET.get("answers") == "1"
    return render(
        request,
        "classrooms/projector.html",
        {"session": session, "rows": services.distribution(session, show_answers), "show_answers": show_answers},
    )


@teacher_required
@never_cache
@require_GET
def teacher_projector_data(request, pk: int):
    session = _own_session(request, pk)
    rows = services.distribution(session, request.GET.get("answers") == "1")
    return JsonResponse({"questions": rows}, json_dumps_params={"ensure_ascii": False})


@teacher_required
@never_cache
@require_http_methods(["GET", "POST"])
def teacher_certificates(request, pk: int):
    """The class certificate PDF: names typed or pasted now (or the nicknames); nothing stored."""
    session = _own_session(request, pk)
    if session.ended_at is None:
        messages.info(request, _("修了証は、クラスを終了してから印刷できます。"))
        return redirect(reverse("classrooms:teacher_detail", args=[session.pk]))
    nicknames = list(
        Pupil.objects.filter(session=session, removed=False, completed_at__isnull=False)
        .order_by("joined_at")
        .values_list("nickname", flat=True)
    )
    form = CertificateNamesForm(request.POST or None, nicknames=nicknames)
    if request.method == "POST" and form.is_valid():
        from certificates import services as certificate_services

        render_class_pdf = getattr(certificate_services, "render_class_pdf", None)
        if render_class_pdf is None:
            form.add_error(None, _("クラスの修了証の印刷は、まだ準備中です。"))
        else:
            try:
                pdf = render_class_pdf(
                    course_title=session.course.title,
                    audience_label=str(Audience(session.course.audience).label),
                    completed_on=timezone.localdate(session.ended_at),
                    names=form.cleaned_data["name_list"],
                    issuer_note=session.school_name,
                )
            except certificate_services.CertificateError as error:
                form.add_error("names", error.message)
            else:
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="class-certificates-{session.code}.pdf"'
                return response
    return render(
        request,
        "classrooms/teacher_certificates.html",
        {"session": session, "form": form, "nicknames": nicknames, "max_names": 60},
        status=400 if form.errors else 200,
    )
