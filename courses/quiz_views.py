"""The quizzes and the survey of a course: enrolment is checked here (courses), the rules of the
quiz are enforced by quizzes.services.

A course has its final quiz at `quiz/` (passing it may complete the course), and any number of
lesson quizzes at `check/<key>/`: a quiz an editor placed in one of the course's live lessons with
the quiz slot block. A lesson quiz is practice: it can be taken at any point of the course, and
passing it completes nothing."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.enums import Audience
from courses import services as course_services
from courses.models import Enrolment, LessonPage
from courses.slots import slot_values
from quizzes import services
from quizzes.enums import FeedbackTiming, Layout, QuestionKind, SurveyPhase
from quizzes.models import Attempt, Question, Quiz


def _refuse(request, page, message, status=403):
    return TemplateResponse(request, "quizzes/refused.html", {"page": page, "message": message}, status=status)


def _enrolment(request, page):
    if not request.user.is_authenticated:
        return None
    return Enrolment.objects.filter(user=request.user, course=page).first()


def _login_redirect(request, page, next_url=None):
    messages.info(request, _("確認テストを受けるにはログインが必要です。ここまでの進み具合は引き継がれます。"))
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url or page.url + 'quiz/'})}")


@dataclass(frozen=True)
class Placement:
    """Where a quiz is taken: the course's final quiz, or a quiz placed in one of its lessons."""

    quiz: Quiz
    url: str  # the quiz's page; its results are at url + "result/<id>/"
    lesson: LessonPage | None = None  # the lesson it was placed in (None: the final quiz)

    @property
    def is_final(self) -> bool:
        return self.lesson is None


def final_placement(page) -> Placement:
    if page.final_quiz_id is None:
        raise Http404
    return Placement(page.final_quiz, page.url + "quiz/")


def lesson_placement(page, key: str) -> Placement:
    """The quiz `key` as placed in a live lesson of this course (the first such lesson), or 404."""
    for lesson in LessonPage.objects.live().descendant_of(page).order_by("path"):
        if key in placed_quiz_keys(lesson):
            quiz = Quiz.objects.filter(key=key).first()
            if quiz is None:
                break
            return Placement(quiz, f"{page.url}check/{key}/", lesson)
    raise Http404


def _lesson_refused(request, page, placement: Placement):
    """A refusal when the quiz's lesson has a view restriction this request does not pass (a
    password, a group, signed-in users only): its quiz is for those who may read the lesson."""
    if placement.lesson is None:
        return None
    for restriction in placement.lesson.get_view_restrictions():
        if not restriction.accept_request(request):
            return _refuse(
                request,
                page,
                _("この問題は、レッスン「%(title)s」を見られる人だけが受けられます。")
                % {"title": placement.lesson.title},
            )
    return None


def placed_quiz_keys(lesson) -> list[str]:
    """The quiz keys of the lesson's quiz slots, in the order they appear."""
    return [(value.get("reference") or "").strip() for value in slot_values(lesson, "quiz")]


def render_quiz_slot(value: dict, context: dict) -> str:
    """The quiz slot of a lesson (`courses.blocks.ActivitySlotBlock`, kind "quiz"): the quiz's
    title and a link to take it. The same for everyone (lesson pages are cached as shared shells);
    who may take it is checked when it is opened. A reference to the course's final quiz, or
    "final", links to the final quiz. Nothing in classroom mode (pupils take the class's quiz at
    the end) nor for a reference to no quiz (editors see a note in preview)."""
    if context.get("pupil") is not None:
        return ""
    key = (value.get("reference") or "").strip()
    lesson = context.get("page") or context.get("self")
    request = context.get("request")
    preview = request is not None and getattr(request, "is_preview", False)
    outline = course_services.course_of(lesson) if isinstance(lesson, LessonPage) and lesson.pk else None
    if outline is not None:
        course_url, final_quiz_id = outline.url, outline.final_quiz_id
    else:  # a preview of a lesson not yet live, or a draft course
        parent = lesson.get_parent().specific if isinstance(lesson, LessonPage) and lesson.pk else None
        course_url = getattr(parent, "url", None) or ""
        final_quiz_id = getattr(parent, "final_quiz_id", None)
    found = None
    if key == "final" and final_quiz_id is not None:
        found = Quiz.objects.filter(pk=final_quiz_id).first()
    elif key:
        found = Quiz.objects.filter(key=key).first()
    if found is None or not course_url:
        return render_to_string("quizzes/lesson_slot_missing.html", {"key": key}) if preview else ""
    url = course_url + ("quiz/" if found.pk == final_quiz_id else f"check/{found.key}/")
    return render_to_string(
        "quizzes/lesson_slot.html", {"quiz": found, "url": url, "is_final": found.pk == final_quiz_id}
    )


def _questions_for(attempt: Attempt):
    """The attempt's questions in its order, with choices in its order; never the answers."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    from quizzes.models import Choice

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


def quiz(request, page, key: str | None = None):
    """Start or resume a quiz of the course (its final quiz, or the lesson quiz `key`), save
    answers, check one (feedback after each), submit."""
    if key is not None and page.final_quiz_id is not None and key == page.final_quiz.key:
        return redirect(page.url + "quiz/")  # the final quiz placed in a lesson is taken as the final quiz
    placement = final_placement(page) if key is None else lesson_placement(page, key)
    if not request.user.is_authenticated:
        return _login_redirect(request, page, placement.url)
    if refused := _lesson_refused(request, page, placement):
        return refused
    if _enrolment(request, page) is None:
        return _refuse(
            request, page, _("この講座をまだ始めていません。講座のページで「受講を始める」を押してから受けてください。")
        )
    quiz = placement.quiz
    if request.method == "POST" and request.POST.get("action") != "start":
        # Answering or submitting an attempt that exists: it could only be started by the rules.
        return _quiz_post(request, page, placement)
    attempt = services.open_attempt(quiz, request.user)
    if attempt is None:
        if placement.is_final and not course_services.learner_state(request, page).all_required_done:
            return _refuse(request, page, _("確認テストは、必須のレッスンをすべて終えてから受けられます。"))
        if request.method == "POST":
            return _quiz_post(request, page, placement)
        last = (
            Attempt.objects.filter(quiz=quiz, user=request.user, submitted_at__isnull=False).order_by("-number").first()
        )
        return TemplateResponse(
            request,
            "quizzes/start.html",
            {
                "page": page,
                "quiz": quiz,
                "placement": placement,
                "last": last,
                "passed": services.has_passed(quiz.pk, request.user),
                "used": services.attempts_used(quiz, request.user),
                "hide_footer_help": False,
            },
        )
    rows = _questions_for(attempt)
    context = {
        "page": page,
        "quiz": quiz,
        "placement": placement,
        "attempt": attempt,
        "rows": rows,
        "one_per_page": quiz.layout == Layout.ONE_PER_PAGE,
        "kids": page.audience == Audience.CHILDREN,  # feedback in the children's words
    }
    if quiz.layout == Layout.ONE_PER_PAGE:
        index = request.GET.get("q", "1")
        index = int(index) if index.isdigit() else 1
        index = min(max(index, 1), len(rows))
        row = rows[index - 1]
        context.update({"rows": [row], "index": index, "total": len(rows)})
        if row["checked"] and quiz.feedback_timing == FeedbackTiming.AFTER_EACH:
            context["feedback"] = next(
                item for item in services.review(attempt) if item.question.pk == row["question"].pk
            )
    context["after_each"] = quiz.feedback_timing == FeedbackTiming.AFTER_EACH and quiz.layout == Layout.ONE_PER_PAGE
    context["overdue"] = services.overdue(attempt)
    return TemplateResponse(request, "quizzes/quiz.html", context)


def _quiz_post(request, page, placement: Placement):
    quiz, url = placement.quiz, placement.url
    action = request.POST.get("action")
    try:
        if action == "start":
            services.start_attempt(quiz, request.user)
            return redirect(url)
        attempt = Attempt.objects.filter(pk=request.POST.get("attempt") or 0, quiz=quiz, user=request.user).first()
        if attempt is None:
            return _refuse(
                request, page, _("この受験は見つかりません。講座のページからやり直してください。"), status=400
            )
        if attempt.submitted_at is not None and action == "submit":
            return redirect(f"{url}result/{attempt.pk}/")  # a second submit: same result
        if action == "submit" and services.overdue(attempt):  # graded on what was saved in time
            services.submit(attempt)
            return redirect(f"{url}result/{attempt.pk}/")
        answers = services.parse_answers(attempt, request.POST)
        index = request.POST.get("index", "1")
        index = int(index) if index.isdigit() else 1
        if action == "submit":
            services.submit(attempt, answers)
            return redirect(f"{url}result/{attempt.pk}/")
        if action == "check":
            if len(answers) != 1:
                raise services.QuizError(_("答えを選んでから「答えを確認する」を押してください。"), correctable=True)
            ((question_id, chosen),) = answers.items()
            services.check_question(attempt, question_id, chosen)
            return redirect(f"{url}?q={index}")
        services.save_answers(attempt, answers)
        if action == "next":
            index += 1
        elif action == "previous":
            index -= 1
        else:
            messages.success(request, _("解答を一時保存しました。あとで続きから受けられます。"))
        return redirect(f"{url}?q={max(index, 1)}")
    except services.QuizError as error:
        if error.correctable:  # back to the same question, nothing saved, the message on top
            messages.error(request, error.message)
            index = request.POST.get("index", "1")
            return redirect(f"{url}?q={index if index.isdigit() else 1}")
        return _refuse(request, page, error.message, status=error.status)


def result(request, page, attempt_id, key: str | None = None):
    placement = final_placement(page) if key is None else lesson_placement(page, key)
    if not request.user.is_authenticated:
        return _login_redirect(request, page, placement.url)
    if refused := _lesson_refused(request, page, placement):
        return refused
    attempt = Attempt.objects.filter(pk=attempt_id, user=request.user, quiz=placement.quiz).first()
    if attempt is None or attempt.submitted_at is None:
        raise Http404
    quiz = attempt.quiz
    enrolment = _enrolment(request, page) if placement.is_final else None
    can_retry = not attempt.passed and (
        quiz.max_attempts is None or services.attempts_used(quiz, request.user) < quiz.max_attempts
    )
    return TemplateResponse(
        request,
        "quizzes/result.html",
        {
            "page": page,
            "quiz": quiz,
            "placement": placement,
            "attempt": attempt,
            "items": services.review(attempt) if quiz.feedback_timing != FeedbackTiming.NEVER else [],
            "can_retry": can_retry,
            "late": services.submitted_late(attempt),
            "completed": bool(enrolment and enrolment.completed_at),
            "survey_due": bool(
                page.survey_id
                and enrolment
                and enrolment.completed_at
                and not services.has_answered(page.survey, request.user, SurveyPhase.POST)
            ),
            "audience": page.audience,
            "kids": page.audience == Audience.CHILDREN,
            "hide_footer_help": True,
        },
    )


def survey(request, page, phase):
    if page.survey_id is None or phase not in SurveyPhase.values:
        raise Http404
    if not request.user.is_authenticated:
        return _login_redirect(request, page)
    enrolment = _enrolment(request, page)
    if enrolment is None:
        return _refuse(request, page, _("この講座をまだ始めていません。"))
    if phase == SurveyPhase.POST and enrolment.completed_at is None:
        return _refuse(request, page, _("受講後のアンケートは、講座を修了してから答えられます。"))
    if phase == SurveyPhase.PRE and enrolment.completed_at is not None:
        return _refuse(request, page, _("受講前のアンケートは、修了する前にだけ答えられます。"))
    survey_obj = page.survey
    items = list(survey_obj.items.order_by("sort_order"))
    if services.has_answered(survey_obj, request.user, phase):
        messages.info(request, _("このアンケートには回答済みです。ありがとうございました。"))
        return redirect(page.url)
    error = None
    if request.method == "POST":
        values = {}
        for item in items:
            raw = request.POST.get(f"item{item.pk}", "")
            if raw:
                if not raw.isdigit():
                    error = _("回答は 1〜5 から選んでください。")
                    break
                values[item.pk] = int(raw)
        if error is None:
            try:
                services.answer_survey(survey_obj, request.user, phase, values)
            except services.QuizError as refused:
                error = refused.message
            else:
                messages.success(
                    request, _("ご回答ありがとうございました。回答は個人と結びつかない集計にだけ使います。")
                )
                return redirect(page.url)
    return TemplateResponse(
        request,
        "quizzes/survey.html",
        {"page": page, "survey": survey_obj, "items": items, "phase": phase, "error": error, "scale": range(1, 6)},
        status=400 if error else 200,
    )
