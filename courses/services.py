"""Course business rules: outline, progress, resume, and completion — the one place where a
course is completed and handed over to certificates and analytics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation

from analytics.models import CompletionSource
from analytics.services import CompletionDimensions, record_completion
from certificates.services import issue as issue_certificate
from core.enums import DeliveryType
from courses import completion
from courses.enums import LessonState
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress

OUTLINE_VERSION_KEY = "courses:outline-version"
SESSION_KEY = "guest_courses"


# --- outline: the same for everyone, cached ------------------------------------------------


@dataclass(frozen=True)
class LessonOutline:
    id: int
    title: str
    url: str
    minutes: int
    required: bool
    summary: str
    number: int


@dataclass(frozen=True)
class CourseOutline:
    id: int
    title: str
    url: str
    audience: str
    curriculum_version: str
    completion_rule: str
    furigana_default: bool
    lessons: tuple[LessonOutline, ...]
    final_quiz_id: int | None = None
    survey_id: int | None = None

    @property
    def lesson_ids(self) -> frozenset[int]:
        return frozenset(lesson.id for lesson in self.lessons)

    @property
    def required_ids(self) -> frozenset[int]:
        return frozenset(lesson.id for lesson in self.lessons if lesson.required)

    @property
    def total_minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    def lesson(self, lesson_id: int) -> LessonOutline | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def invalidate_outlines() -> None:
    """A new random version: every cached outline, lesson map and page shell is out of date.
    Random rather than a counter, so a cache flush can never bring an old version back."""
    cache.set(OUTLINE_VERSION_KEY, uuid.uuid4().hex, None)


def outline_version() -> str:
    return cache.get_or_set(OUTLINE_VERSION_KEY, lambda: uuid.uuid4().hex, None)


def _build_outline(course: CoursePage, lessons) -> CourseOutline:
    return CourseOutline(
        id=course.pk,
        title=course.title,
        url=course.url,
        audience=course.audience,
        curriculum_version=course.curriculum_version,
        completion_rule=course.completion_rule,
        furigana_default=course.furigana_default,
        final_quiz_id=course.final_quiz_id,
        survey_id=course.survey_id,
        lessons=tuple(
            LessonOutline(
                id=lesson.pk,
                title=lesson.title,
                url=lesson.url,
                minutes=lesson.minutes,
                required=lesson.required,
                summary=lesson.summary,
                number=number,
            )
            for number, lesson in enumerate(lessons, start=1)
        ),
    )


def course_outline(course_id: int) -> CourseOutline | None:
    """The live course and its live lessons in order (cached until a page is published/moved).
    Per language, because page URLs carry the language prefix (/en/…)."""
    key = f"courses:outline:{outline_version()}:{translation.get_language()}:{course_id}"
    outline = cache.get(key)
    if outline is None:
        course = CoursePage.objects.live().filter(pk=course_id).first()
        if course is None:
            return None
        outline = _build_outline(course, LessonPage.objects.live().child_of(course).order_by("path"))
        cache.set(key, outline, 60 * 60 * 24)
    return outline


# Per process: {(outline version, language, course id): outline}. Saves the cache read of an
# outline on the hottest requests (a quiz submit, a pupil's progress); exact, as the version
# changes whenever a course's pages do.
_local_outlines: dict[tuple, CourseOutline] = {}


def local_outline(course_id: int, version: str | None = None) -> CourseOutline | None:
    """`course_outline`, kept in this process once read (`version`: the outline version, when the
    caller has already read it)."""
    key = (version or outline_version(), translation.get_language(), course_id)
    outline = _local_outlines.get(key)
    if outline is None:
        outline = course_outline(course_id)
        if outline is not None:
            if len(_local_outlines) >= 64:
                _local_outlines.clear()
            _local_outlines[key] = outline
    return outline


def preview_outline(course: CoursePage, lesson: LessonPage | None = None) -> CourseOutline:
    """For the editor's preview of drafts: the course as it stands, with the previewed lesson."""
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    if lesson is not None:
        lessons = [lesson if item.pk == lesson.pk else item for item in lessons]
        if lesson.pk is None or all(item.pk != lesson.pk for item in lessons):
            lessons.append(lesson)
    return _build_outline(course, lessons)


def course_of(lesson: LessonPage) -> CourseOutline | None:
    """The outline of the course a lesson belongs to (the lesson's parent page)."""
    key = f"courses:lesson-course:{outline_version()}:{lesson.pk}"
    course_id = cache.get(key)
    if course_id is None:
        course_id = CoursePage.objects.filter(path=lesson.path[: -lesson.steplen]).values_list("pk", flat=True).first()
        if course_id is None:
            return None
        cache.set(key, course_id, 60 * 60 * 24)
    outline = course_outline(course_id)
    if outline is None or outline.lesson(lesson.pk) is None:
        return None
    return outline


# --- the learner's own state -----------------------------------------------------------------


@dataclass(frozen=True)
class ProgressSnapshot:
    """A signed-in learner's progress in one course, cached until it changes."""

    enrolment_id: int | None
    last_lesson_id: int | None = None
    completed_at: object = None
    completed_version: str = ""
    done: frozenset[int] = frozenset()


def progress_key(user_id, course_id: int) -> str:
    return f"courses:progress:{user_id}:{course_id}"


def load_progress(user_id: int, course_id: int) -> ProgressSnapshot:
    """One query: the enrolment and its finished lessons."""
    rows = list(
        Enrolment.objects.filter(user_id=user_id, course_id=course_id).values_list(
            "pk", "last_lesson_id", "completed_at", "completed_version", "progress__lesson_id"
        )
    )
    if not rows:
        return ProgressSnapshot(enrolment_id=None)
    pk, last, completed_at, completed_version, _lesson = rows[0]
    done = frozenset(row[4] for row in rows if row[4] is not None)
    return ProgressSnapshot(pk, last, completed_at, completed_version, done)


def progress_snapshot(user_id: int, course_id: int, cached: ProgressSnapshot | None = None) -> ProgressSnapshot:
    snapshot = cached if cached is not None else cache.get(progress_key(user_id, course_id))
    if snapshot is None:
        snapshot = load_progress(user_id, course_id)
        cache.set(progress_key(user_id, course_id), snapshot, 60 * 60 * 24)
    return snapshot


def forget_progress(user_id: int, course_id: int) -> None:
    """Every write to an enrolment or its progress calls this (and signals do for saves/deletes)."""
    cache.delete(progress_key(user_id, course_id))


def note_lesson_opened(user_id: int, course_id: int, snapshot: ProgressSnapshot, lesson_id: int) -> ProgressSnapshot:
    """Remember the lesson opened last (for resume), in the database and in the cached snapshot."""
    if snapshot.enrolment_id is None or snapshot.last_lesson_id == lesson_id:
        return snapshot
    Enrolment.objects.filter(pk=snapshot.enrolment_id).update(last_lesson_id=lesson_id)
    snapshot = ProgressSnapshot(
        snapshot.enrolment_id, lesson_id, snapshot.completed_at, snapshot.completed_version, snapshot.done
    )
    cache.set(progress_key(user_id, course_id), snapshot, 60 * 60 * 24)
    return snapshot


@dataclass
class LessonRow:
    lesson: LessonOutline
    state: str


@dataclass
class LearnerState:
    outline: CourseOutline
    is_guest: bool
    started: bool
    done_ids: frozenset[int]
    last_lesson_id: int | None
    completed_at: object = None
    completed_version: str = ""
    current: LessonOutline | None = None
    rows: list[LessonRow] = field(default_factory=list)
    user: object = None

    @cached_property
    def conditions(self) -> list[completion.ConditionResult]:
        """The course rule's conditions for this learner (evaluated only when a page shows them)."""
        outline = self.outline
        return completion.evaluate(outline.completion_rule, self.user, outline.id, self.done_ids, outline.required_ids)

    @property
    def percent(self) -> int:
        total = len(self.outline.lessons)
        return round(100 * len(self.done_ids & self.outline.lesson_ids) / total) if total else 0

    @property
    def done_count(self) -> int:
        return len(self.done_ids & self.outline.lesson_ids)

    @property
    def minutes_left(self) -> int:
        return sum(lesson.minutes for lesson in self.outline.lessons if lesson.id not in self.done_ids)

    @property
    def all_required_done(self) -> bool:
        return self.outline.required_ids <= self.done_ids

    @property
    def waiting_for(self) -> list[completion.ConditionResult]:
        return [c for c in self.conditions if not c.met]

    @property
    def previous(self) -> LessonOutline | None:
        return self._neighbour(-1)

    @property
    def next(self) -> LessonOutline | None:
        return self._neighbour(1)

    def _neighbour(self, step: int) -> LessonOutline | None:
        if self.current is None:
            return None
        index = self.current.number - 1 + step
        return self.outline.lessons[index] if 0 <= index < len(self.outline.lessons) else None

    @property
    def resume(self) -> LessonOutline | None:
        """Where to continue: the last lesson opened if not done, else the first one not done."""
        last = self.outline.lesson(self.last_lesson_id) if self.last_lesson_id else None
        if last is not None and last.id not in self.done_ids:
            return last
        return next((lesson for lesson in self.outline.lessons if lesson.id not in self.done_ids), None)


def _guest_store(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def personal_state(
    request, outline: CourseOutline, current_id: int | None, snapshot: ProgressSnapshot | None = None
) -> LearnerState:
    """The learner's own progress in a course (from the cached snapshot for an account, from the
    session for a guest), remembering the lesson being opened for resume."""
    user = request.user
    if user.is_authenticated:
        snapshot = progress_snapshot(user.pk, outline.id, cached=snapshot)
        if current_id is not None:
            snapshot = note_lesson_opened(user.pk, outline.id, snapshot, current_id)
        state = LearnerState(
            outline,
            is_guest=False,
            started=snapshot.enrolment_id is not None,
            done_ids=snapshot.done,
            last_lesson_id=snapshot.last_lesson_id,
            completed_at=snapshot.completed_at,
            completed_version=snapshot.completed_version or "",
        )
    else:
        entry = _guest_store(request).get(str(outline.id))
        if entry is not None and current_id is not None and entry.get("last") != current_id:
            entry["last"] = current_id
            request.session.modified = True
        state = LearnerState(
            outline,
            is_guest=True,
            started=entry is not None,
            done_ids=frozenset(entry["done"]) if entry else frozenset(),
            last_lesson_id=entry.get("last") if entry else None,
        )
    state.user = user
    return state


def learner_state(request, course, current_id: int | None = None) -> LearnerState:
    """Everything about this learner and this course that a page shows (2–3 queries for a
    signed-in learner, whatever the number of lessons or learners; none for a guest)."""
    outline = course if isinstance(course, CourseOutline) else course_outline(course.pk)
    if outline is None:
        raise Http404
    state = personal_state(request, outline, current_id)
    if current_id is not None:
        state.current = outline.lesson(current_id)
    current_id = state.current.id if state.current else (state.resume.id if state.resume and state.started else None)
    state.rows = [
        LessonRow(
            lesson,
            LessonState.DONE
            if lesson.id in state.done_ids
            else LessonState.CURRENT
            if lesson.id == current_id
            else LessonState.NOT_STARTED,
        )
        for lesson in outline.lessons
    ]
    return state


def lesson_place(lesson_id: int) -> tuple[CourseOutline, str] | None:
    """(the course outline, the lesson's tree path) for a live lesson, or None: from a map of
    every live lesson cached per outline version, so the lesson's state costs no page query."""
    version = outline_version()
    key = f"courses:lesson-places:{version}"
    places = cache.get(key)
    if places is None:
        courses = dict(CoursePage.objects.live().values_list("path", "pk"))
        places = {}
        for pk, path in LessonPage.objects.live().values_list("pk", "path"):
            course_id = courses.get(path[: -LessonPage.steplen])
            if course_id is not None:
                places[pk] = (course_id, path)
        cache.set(key, places, 60 * 60 * 24)
    found = places.get(lesson_id)
    if found is None:
        return None
    outline = local_outline(found[0], version)
    if outline is None or outline.lesson(lesson_id) is None:
        return None
    return outline, found[1]


def shared_state(outline: CourseOutline, current_id: int | None) -> LearnerState:
    """What a lesson page shows to every reader: where this lesson stands in its course (number,
    previous, next), and no one's progress."""
    state = LearnerState(outline, is_guest=True, started=False, done_ids=frozenset(), last_lesson_id=None)
    state.current = outline.lesson(current_id)
    state.rows = [
        LessonRow(lesson, LessonState.CURRENT if state.current and lesson.id == state.current.id else "")
        for lesson in outline.lessons
    ]
    return state


def resume_lesson_url(request, course) -> str | None:
    state = learner_state(request, course)
    target = state.resume
    return target.url if target else None


# --- changes -----------------------------------------------------------------------------------


def start_course(request, course: CoursePage) -> None:
    """Enrol the learner (idempotent): an account gets an Enrolment, a guest a session entry."""
    if course_outline(course.pk) is None:
        raise Http404
    if request.user.is_authenticated:
        _enrol(request.user, course.pk)
        return
    store = _guest_store(request)
    store.setdefault(str(course.pk), {"done": [], "last": None})
    request.session[SESSION_KEY] = store


def _enrol(user, course_id: int) -> Enrolment:
    try:
        with transaction.atomic():
            enrolment, _created = Enrolment.objects.get_or_create(user=user, course_id=course_id)
    except IntegrityError:  # two tabs pressed start together
        enrolment = Enrolment.objects.get(user=user, course_id=course_id)
    forget_progress(user.pk, course_id)
    return enrolment


def _record_lesson(enrolment: Enrolment, lesson_id: int) -> bool:
    try:
        with transaction.atomic():
            _progress, created = LessonProgress.objects.get_or_create(enrolment=enrolment, lesson_id=lesson_id)
    except IntegrityError:  # the other tab recorded it first
        return False
    finally:
        forget_progress(enrolment.user_id, enrolment.course_id)
    return created


def finish_lesson(request, outline: CourseOutline | None, lesson: LessonPage) -> str:
    """Record a lesson as done for an enrolled learner and return where to go next.

    Refused (403) when the learner has not started the course; nothing is recorded.
    """
    if outline is None or outline.lesson(lesson.pk) is None:
        raise Http404
    from courses.h5p_integration import unmet_required

    if unmet_required(request.user, lesson.pk):
        from django.contrib import messages
        from django.utils.translation import gettext as _

        if request.user.is_authenticated:
            messages.error(request, _("このレッスンの必須のアクティビティを終えてから、レッスンを完了してください。"))
        else:
            messages.error(
                request, _("このレッスンには必須のアクティビティがあります。記録するにはログインしてください。")
            )
        return lesson.url
    if request.user.is_authenticated:
        enrolment = Enrolment.objects.filter(user=request.user, course_id=outline.id).first()
        if enrolment is None:
            raise PermissionDenied("not enrolled")
        _record_lesson(enrolment, lesson.pk)
        Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson_id=lesson.pk)
        forget_progress(enrolment.user_id, enrolment.course_id)
        check_completion(request.user, enrolment)
    else:
        store = _guest_store(request)
        entry = store.get(str(outline.id))
        if entry is None:
            raise PermissionDenied("not started")
        if lesson.pk not in entry["done"]:
            entry["done"].append(lesson.pk)
        entry["last"] = lesson.pk
        request.session[SESSION_KEY] = store
    this = outline.lesson(lesson.pk)
    following = outline.lessons[this.number] if this.number < len(outline.lessons) else None
    return following.url if following else f"{outline.url}#progress"


def check_completion(user, enrolment: Enrolment) -> bool:
    """Evaluate the course's rule on the server and complete the course if it is met."""
    outline = course_outline(enrolment.course_id)
    if outline is None or enrolment.completed_at is not None:
        return False
    done = frozenset(LessonProgress.objects.filter(enrolment=enrolment).values_list("lesson_id", flat=True))
    results = completion.evaluate(outline.completion_rule, user, outline.id, done, outline.required_ids)
    if results and all(result.met for result in results):
        return complete_course(enrolment, outline)
    return False


def completion_values(enrolment_id: int, user, profile, organisation: str, outline: CourseOutline, day) -> tuple:
    """What completing an enrolment on `day` writes: the certificate's arguments (for
    `certificates.services.issue`) and the completion record's (for `analytics.services.
    record_completion`), from the learner's profile (None: not answered) at this moment."""
    source_key = f"enrolment:{enrolment_id}"
    certificate = {
        "source_key": source_key,
        "user": user,
        "holder_name": profile.display_name if profile else "",
        "course_id": outline.id,
        "course_title": outline.title,
        "audience": outline.audience,
        "curriculum_version": outline.curriculum_version,
        "issued_on": day,
    }
    record = {
        "source_key": source_key,
        "source": CompletionSource.ONLINE,
        "completed_on": day,
        "course_id": outline.id,
        "course_title": outline.title,
        "curriculum_version": outline.curriculum_version,
        "dimensions": CompletionDimensions(
            prefecture=profile.prefecture if profile else "00",
            municipality=profile.municipality if profile else "",
            sector=profile.sector if profile else "no_answer",
            age_band=profile.age_band if profile else "no_answer",
            sex=profile.sex if profile else "no_answer",
            audience=outline.audience,
            delivery=DeliveryType.ONLINE,
            organisation=organisation[:100],
        ),
    }
    return certificate, record


def complete_course(enrolment: Enrolment, outline: CourseOutline) -> bool:
    """The single place a course is completed. In one transaction: mark the enrolment complete
    (once, whatever the number of tabs or retries), issue the certificate (with the display name
    at this moment), and hand over to analytics (one completion record with the learner's
    dimensions at this moment). Returns True only for the call that completed it."""
    from accounts.models import LearnerProfile

    now = timezone.now()
    # No savepoint when called inside the quiz's grading transaction: all or nothing together.
    with transaction.atomic(savepoint=False):
        updated = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
            completed_at=now, completed_version=outline.curriculum_version
        )
        if updated != 1:
            return False
        transaction.on_commit(lambda: forget_progress(enrolment.user_id, enrolment.course_id))
        forget_progress(enrolment.user_id, enrolment.course_id)
        profile = LearnerProfile.objects.filter(user_id=enrolment.user_id).first()
        certificate, record = completion_values(
            enrolment.pk,
            enrolment.user,
            profile,
            completion.organisation_of(enrolment.user_id, outline.id),
            outline,
            timezone.localdate(now),
        )
        issue_certificate(**certificate)
        record_completion(**record, pending=True)
    enrolment.completed_at = now
    enrolment.completed_version = outline.curriculum_version
    return True


def merge_guest_progress(request, user) -> int:
    """Carry a guest's progress (kept in their session) into their account at login or signup."""
    store = request.session.pop(SESSION_KEY, None)
    if not store:
        return 0
    merged = 0
    for course_key, entry in store.items():
        outline = course_outline(int(course_key)) if str(course_key).isdigit() else None
        if outline is None:
            continue
        enrolment = _enrol(user, outline.id)
        for lesson_id in entry.get("done", []):
            if lesson_id in outline.lesson_ids and _record_lesson(enrolment, lesson_id):
                merged += 1
        last = entry.get("last")
        if last in outline.lesson_ids:
            Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson_id=last)
        forget_progress(user.pk, outline.id)
        check_completion(user, enrolment)
    return merged


def export_learning(user) -> dict:
    """The learner's courses, progress and private reflections, for "my data"."""
    from django.db.models import Prefetch

    from courses.models import Reflection

    # One query per kind of row, however many courses and lessons (tests/accounts).
    enrolments = (
        Enrolment.objects.filter(user=user)
        .select_related("course")
        .prefetch_related(
            Prefetch("progress", queryset=LessonProgress.objects.select_related("lesson").order_by("completed_at"))
        )
        .order_by("started_at")
    )
    return {
        "enrolments": [
            {
                "course_id": e.course_id,
                "course": e.course.title,
                "started_at": e.started_at.isoformat(),
                "completed_at": e.completed_at.isoformat() if e.completed_at else None,
                "completed_version": e.completed_version,
                "lessons_done": [
                    {"lesson": p.lesson.title, "completed_at": p.completed_at.isoformat()} for p in e.progress.all()
                ],
            }
            for e in enrolments
        ],
        "reflections": [
            {"lesson": r.lesson.title, "text": r.text, "updated_at": r.updated_at.isoformat()}
            for r in Reflection.objects.filter(user=user).select_related("lesson").order_by("pk")
        ],
    }


# --- class sessions (classrooms app) -----------------------------------------------------------


def record_class_completions(
    *,
    session_key: str,
    course_id: int,
    completed_on,
    count: int,
    prefecture: str,
    school_grade: str,
    municipality: str = "",
) -> bool:
    """A class session's pupils who completed, handed to analytics as one record with a count
    (delivery 学校（授業）, sector 児童・生徒). Idempotent per `session_key`: ending a class twice,
    or a retry, never counts twice. Returns True only for the call that recorded it."""
    from core.enums import Sector

    if count < 1:
        return False
    course = CoursePage.objects.filter(pk=course_id).values("title", "curriculum_version", "audience").first()
    if course is None:
        raise ValueError(f"unknown course {course_id}")
    with transaction.atomic():
        _record, created = record_completion(
            source_key=session_key,
            source=CompletionSource.CLASS_SESSION,
            completed_on=completed_on,
            course_id=course_id,
            course_title=course["title"],
            curriculum_version=course["curriculum_version"],
            dimensions=CompletionDimensions(
                prefecture=prefecture,
                municipality=municipality,
                sector=Sector.PUPIL,
                audience=course["audience"],
                delivery=DeliveryType.SCHOOL,
                school_grade=school_grade,
            ),
            count=count,
        )
    return created
