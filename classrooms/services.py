"""Classroom rules: sessions and join codes, pupils and nicknames, progress, the pupils' quiz,
the live dashboard, ending (counted once) and purging.

Pupils have no account. A pupil is recognised on its device by a random token kept in the
device's Django session; only the token's SHA-256 is stored. Everything the teacher's dashboard
shows comes from one cached snapshot per class, dropped whenever a pupil of that class changes.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import re
import secrets
import unicodedata
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from classrooms.models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    NICKNAME_MAX_LENGTH,
    ClassSession,
    Pupil,
    PupilAnswer,
    PupilLessonProgress,
    PupilQuizAttempt,
    SessionStatus,
)
from core.ruby import strip_ruby_notation
from courses import services as course_services
from courses.enums import CompletionRule

DEVICE_SESSION_KEY = "classroom_pupils"  # {"<class session pk>": "<token>"} in the device's session
SNAPSHOT_TIMEOUT = 60 * 60 * 12


class ClassroomError(Exception):
    """A request the rules refuse; the message is shown as it is (Japanese, kind, simple)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# --- sessions ---------------------------------------------------------------------------------


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a pupil typed (full-width, lower case, spaces, hyphens) → the stored form."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isalnum())[: JOIN_CODE_LENGTH + 4]


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of `day` in the site's time zone (Asia/Tokyo)."""
    tz = timezone.get_default_timezone()
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def create_session(*, teacher, school_name: str, prefecture: str, grade: str, course, held_on, municipality=""):
    """A new class with a join code no live class has (retried on the rare clash)."""
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return ClassSession.objects.create(
                    teacher=teacher,
                    school_name=school_name,
                    prefecture=prefecture,
                    municipality=municipality,
                    grade=grade,
                    course=course,
                    held_on=held_on,
                    code=new_join_code(),
                    expires_at=end_of_day(held_on),
                )
        except IntegrityError:
            continue
    raise ClassroomError(_("参加コードを作れませんでした。もう一度お試しください。"), status=503)


def find_session(code: str) -> ClassSession | None:
    """The live class with this code, or else the most recent ended one (to say it ended)."""
    code = normalise_code(code)
    if len(code) != JOIN_CODE_LENGTH:
        return None
    live_first = F("ended_at").desc(nulls_first=True)
    return ClassSession.objects.filter(code=code).order_by(live_first, "-pk").first()


def refusal_for(session: ClassSession | None, joining: bool = True) -> str | None:
    """The kind message for a class that cannot be joined (or continued) now, or None."""
    if session is None:
        return _("そのコードのクラスは見つかりませんでした。先生が見せているコードを、もう一度たしかめてね。")
    state = session.state
    if state == "ended":
        return _("このクラスは、もう終わりました。先生に聞いてね。")
    if state == "expired":
        return _("このクラスの時間は終わりました。先生に聞いてね。")
    if state == SessionStatus.PAUSED and joining:
        return _("いまは、このクラスに入れません。先生の合図を待ってね。")
    return None


def _set_status(session: ClassSession, status: str) -> ClassSession:
    updated = ClassSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(status=status)
    if not updated:
        raise ClassroomError(_("このクラスはすでに終了しています。"))
    session.status = status
    forget_snapshot(session.pk)
    return session


def pause(session: ClassSession) -> ClassSession:
    return _set_status(session, SessionStatus.PAUSED)


def resume(session: ClassSession) -> ClassSession:
    return _set_status(session, SessionStatus.OPEN)


def extend(session: ClassSession, days: int = 1) -> ClassSession:
    """One more day from the later of now and the current expiry."""
    if session.ended_at is not None:
        raise ClassroomError(_("このクラスはすでに終了しています。"))
    base = max(session.expires_at, timezone.now())
    session.expires_at = end_of_day(timezone.localtime(base).date() + datetime.timedelta(days=days - 1))
    if session.expires_at <= base:
        session.expires_at = end_of_day(timezone.localtime(base).date() + datetime.timedelta(days=days))
    ClassSession.objects.filter(pk=session.pk).update(expires_at=session.expires_at)
    forget_snapshot(session.pk)
    return session


def remove_pupil(session: ClassSession, pupil_id: int) -> bool:
    """The teacher takes a pupil out of the class: the device can no longer continue, the
    nickname is free again, and the pupil is not counted."""
    updated = Pupil.objects.filter(pk=pupil_id, session=session, removed=False).update(removed=True)
    forget_snapshot(session.pk)
    return bool(updated)


def end_session(session: ClassSession) -> tuple[ClassSession, bool]:
    """End the class and hand the number of pupils who completed to analytics — once. A second
    call (double click, two tabs, the purge command) changes nothing and returns False."""
    with transaction.atomic():
        locked = ClassSession.objects.select_for_update().get(pk=session.pk)
        if locked.counted:
            return locked, False
        now = timezone.now()
        completed = Pupil.objects.filter(session=locked, removed=False, completed_at__isnull=False).count()
        locked.status = SessionStatus.ENDED
        locked.ended_at = locked.ended_at or now
        locked.counted = True
        locked.completed_count = completed
        locked.save(update_fields=["status", "ended_at", "counted", "completed_count"])
        if completed:
            course_services.record_class_completions(
                session_key=f"class:{locked.pk}",
                course_id=locked.course_id,
                completed_on=timezone.localdate(locked.ended_at),
                count=completed,
                prefecture=locked.prefecture,
                municipality=locked.municipality,
                school_grade=locked.grade,
            )
    forget_snapshot(locked.pk)
    return locked, True


# --- nicknames and joining -----------------------------------------------------------------------

_ALLOWED_SYMBOLS = set("ー－-_・☆★♪！!？?〜~")
_EMAIL = re.compile(r"[@＠]|\b[\w.+-]+\.(com|jp|net|org|ne|co|ac|ed)\b", re.IGNORECASE)
_PHONE = re.compile(r"\d[\d\-()]{6,}\d")


def _allowed_char(ch: str) -> bool:
    if ch in _ALLOWED_SYMBOLS:
        return True
    if ch.isascii():
        return ch.isalnum()
    name = unicodedata.name(ch, "")
    return name.startswith(("HIRAGANA", "KATAKANA", "CJK UNIFIED IDEOGRAPH")) or ch in "々〆ヶ"


def clean_nickname(text: str) -> tuple[str, str]:
    """(nickname to show, key to compare) or ClassroomError with a message for children.

    NFKC first, so full-width letters and half-width kana count as the same name. Refused: empty,
    too long, spaces and most symbols, anything shaped like an email address or a phone number
    (a child's contact details must never end up here)."""
    nickname = unicodedata.normalize("NFKC", text or "").strip()
    if not nickname:
        raise ClassroomError(_("ニックネームを入れてね。"))
    if _EMAIL.search(nickname):
        raise ClassroomError(_("メールアドレスのようなものは使えません。本当の名前ではない、ニックネームにしてね。"))
    digits = sum(ch.isdigit() for ch in nickname)
    if _PHONE.search(nickname) or digits >= 7:
        raise ClassroomError(_("電話番号のような数字は使えません。ニックネームにしてね。"))
    if len(nickname) > NICKNAME_MAX_LENGTH:
        raise ClassroomError(
            _("ニックネームは%(max)d文字までにしてね（いまは%(n)d文字）。")
            % {"max": NICKNAME_MAX_LENGTH, "n": len(nickname)}
        )
    if any(ch.isspace() for ch in nickname):
        raise ClassroomError(_("ニックネームに空白（スペース）は使えません。"))
    bad = sorted({ch for ch in nickname if not _allowed_char(ch)})
    if bad:
        raise ClassroomError(
            _("ニックネームに使えない文字があります：%(chars)s　ひらがな・カタカナ・漢字・英字・数字にしてね。")
            % {"chars": " ".join(bad)}
        )
    return nickname, nickname.casefold()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _single_statement():
    """For one INSERT that may hit a unique constraint. Outside a transaction the statement commits
    on its own (no BEGIN/COMMIT round trips); inside one, a savepoint keeps the error contained."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def join(session: ClassSession, nickname_text: str) -> tuple[Pupil, str]:
    """Add a pupil to an open class. Returns the pupil and the device token to keep."""
    message = refusal_for(session)
    if message:
        raise ClassroomError(message, status=403)
    nickname, key = clean_nickname(nickname_text)
    token = secrets.token_urlsafe(32)
    try:
        with _single_statement():
            pupil = Pupil.objects.create(session=session, nickname=nickname, nickname_key=key, token_hash=_hash(token))
    except IntegrityError:
        raise ClassroomError(
            _("「%(name)s」は、このクラスでもう使われています。ほかのニックネームにしてね。") % {"name": nickname}
        ) from None
    forget_snapshot(session.pk)
    _remember_course(session)
    return pupil, token


def remember_device(request, session: ClassSession, token: str) -> None:
    store = dict(request.session.get(DEVICE_SESSION_KEY, {}))
    store[str(session.pk)] = token
    request.session[DEVICE_SESSION_KEY] = store


def _device_hashes(store) -> list[str]:
    return [_hash(token) for token in store.values() if isinstance(token, str)]


def device_pupil(request, code: str) -> Pupil | None:
    """The pupil this device joined as in the class with this code (one query), or None.

    Only a pupil of the class named by the URL's code is returned, so a device's token reaches
    only its own class; a removed pupil is no longer recognised."""
    store = request.session.get(DEVICE_SESSION_KEY) if hasattr(request, "session") else None
    if not store:
        return None
    code = normalise_code(code)
    hashes = _device_hashes(store)
    if not hashes:
        return None
    # An index lookup by token (usually one), the class checked here: the live class first.
    pupils = [
        pupil
        for pupil in Pupil.objects.select_related("session").filter(token_hash__in=hashes, removed=False)
        if pupil.session.code == code
    ]
    pupils.sort(key=lambda pupil: (pupil.session.ended_at is not None, -pupil.pk))
    return pupils[0] if pupils else None


# --- progress ----------------------------------------------------------------------------------


# Which course a join code's class follows, as this worker last saw it: only a hint for
# `finish_lesson_fast`, whose statement checks it again.
_course_of_code: dict[str, int] = {}


def _remember_course(session: ClassSession) -> None:
    if _course_of_code.get(session.code) != session.course_id:
        if len(_course_of_code) >= 10_000:
            _course_of_code.clear()
        _course_of_code[session.code] = session.course_id


def outline_for(session: ClassSession):
    _remember_course(session)
    return course_services.local_outline(session.course_id)


def done_lesson_ids(pupil: Pupil) -> frozenset[int]:
    return frozenset(PupilLessonProgress.objects.filter(pupil=pupil).values_list("lesson_id", flat=True))


def note_lesson_opened(pupil: Pupil, lesson_id: int) -> None:
    if pupil.current_lesson_id != lesson_id:
        Pupil.objects.filter(pk=pupil.pk).update(current_lesson_id=lesson_id)
        pupil.current_lesson_id = lesson_id
        forget_snapshot(pupil.session_id)


def _can_continue(pupil: Pupil) -> None:
    message = refusal_for(pupil.session, joining=False)
    if message:
        raise ClassroomError(message, status=403)


def finish_lesson(pupil: Pupil, outline, lesson_id: int) -> frozenset[int]:
    """Record a lesson as done (idempotent) and complete the pupil if the course's rule is met."""
    _can_continue(pupil)
    if outline is None or outline.lesson(lesson_id) is None:
        raise ClassroomError(_("このレッスンは、このクラスにはありません。"), status=404)
    if connection.vendor == "postgresql":
        done = _finish_lesson_statement(pupil, outline, lesson_id)
    else:
        # One transaction with one INSERT … ON CONFLICT DO NOTHING: a double tap or a retry
        # records the lesson once.
        with transaction.atomic():
            PupilLessonProgress.objects.bulk_create(
                [PupilLessonProgress(pupil=pupil, lesson_id=lesson_id)], ignore_conflicts=True
            )
            done = done_lesson_ids(pupil) & outline.lesson_ids
            Pupil.objects.filter(pk=pupil.pk).update(lessons_done=len(done), current_lesson_id=lesson_id)
            pupil.lessons_done, pupil.current_lesson_id = len(done), lesson_id
            _check_completion(pupil, outline, done)
    forget_snapshot(pupil.session_id)
    return done


# Both statements end alike: recount the pupil's lessons (from the CTE `done`) and complete the
# pupil when the course's rule is met.
_RECOUNT_AND_COMPLETE = """
UPDATE classrooms_pupil SET
    lessons_done = (SELECT count(*) FROM done WHERE lesson_id = ANY(%(lessons)s::integer[])),
    current_lesson_id = %(lesson)s,
    completed_at = CASE
        WHEN completed_at IS NULL
            AND (SELECT count(*) FROM done WHERE lesson_id = ANY(%(required)s::integer[])) = %(required_count)s
            AND (%(quiz_free)s OR quiz_passed)
        THEN %(now)s ELSE completed_at END"""


# PostgreSQL: the whole update in one statement (atomic on its own, one round trip): record the
# lesson once (a double tap or a retry inserts nothing), recount the pupil's lessons of the course,
# and complete the pupil when the course's rule is met (the same rule as `_rule_met`).
_FINISH_SQL = f"""
WITH new AS (
    INSERT INTO classrooms_pupillessonprogress (pupil_id, lesson_id, completed_at)
    VALUES (%(pupil)s, %(lesson)s, %(now)s)
    ON CONFLICT DO NOTHING
    RETURNING lesson_id
), done AS (
    SELECT lesson_id FROM classrooms_pupillessonprogress WHERE pupil_id = %(pupil)s
    UNION SELECT lesson_id FROM new
)
{_RECOUNT_AND_COMPLETE}
WHERE id = %(pupil)s
RETURNING lessons_done, completed_at, ARRAY(SELECT lesson_id FROM done)
"""  # noqa: S608 — constant fragments, values are bound


# The same in one statement straight from the request (PostgreSQL): the device's pupil in the
# class of the URL's code (as `device_pupil` picks it: the live class first, then the newest),
# only if the class can be continued (as `refusal_for(joining=False)`) and follows the course
# expected; nothing happens otherwise, and the ordinary path then answers.
_FINISH_FROM_DEVICE_SQL = f"""
WITH pupil AS (
    SELECT p.id, p.session_id, s.ended_at, s.status, s.expires_at, s.course_id
    FROM classrooms_pupil p JOIN classrooms_classsession s ON s.id = p.session_id
    WHERE p.token_hash = ANY(%(hashes)s::text[]) AND NOT p.removed AND s.code = %(code)s
    ORDER BY (s.ended_at IS NOT NULL), p.id DESC
    LIMIT 1
), go AS (
    SELECT id FROM pupil
    WHERE ended_at IS NULL AND status <> 'ended' AND expires_at > %(now)s AND course_id = %(course)s
), new AS (
    INSERT INTO classrooms_pupillessonprogress (pupil_id, lesson_id, completed_at)
    SELECT id, %(lesson)s, %(now)s FROM go
    ON CONFLICT DO NOTHING
    RETURNING lesson_id
), done AS (
    SELECT lesson_id FROM classrooms_pupillessonprogress WHERE pupil_id = (SELECT id FROM go)
    UNION SELECT lesson_id FROM new
)
{_RECOUNT_AND_COMPLETE}
WHERE id = (SELECT id FROM go)
RETURNING session_id
"""  # noqa: S608 — constant fragments, values are bound


def _statement_params(outline, lesson_id: int) -> dict:
    required = sorted(outline.required_ids)
    return {
        "lesson": lesson_id,
        "now": timezone.now(),
        "lessons": sorted(outline.lesson_ids),
        "required": required,
        "required_count": len(required),
        "quiz_free": outline.completion_rule == CompletionRule.LESSONS_ONLY or outline.final_quiz_id is None,
    }


def finish_lesson_fast(request, code: str, lesson_id: int) -> str | None:
    """A pupil's "done" in one database round trip (PostgreSQL, a class this worker has seen):
    the URL to go to next, or None when the ordinary path must answer (no such pupil on this
    device, a class that cannot be continued, a lesson not in the course, another database)."""
    if connection.vendor != "postgresql":
        return None
    store = request.session.get(DEVICE_SESSION_KEY)
    code = normalise_code(code)
    course_id = _course_of_code.get(code)
    if not store or course_id is None:
        return None
    hashes = _device_hashes(store)
    outline = course_services.local_outline(course_id)
    if not hashes or outline is None or outline.lesson(lesson_id) is None:
        return None
    params = {**_statement_params(outline, lesson_id), "hashes": hashes, "code": code, "course": course_id}
    with connection.cursor() as cursor:
        cursor.execute(_FINISH_FROM_DEVICE_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    forget_snapshot(row[0])
    this = outline.lesson(lesson_id)
    if this.number < len(outline.lessons):
        return reverse("classrooms:pupil_lesson", args=[code, outline.lessons[this.number].id])
    return reverse("classrooms:pupil_home", args=[code])


def _finish_lesson_statement(pupil: Pupil, outline, lesson_id: int) -> frozenset[int]:
    with connection.cursor() as cursor:
        cursor.execute(_FINISH_SQL, {**_statement_params(outline, lesson_id), "pupil": pupil.pk})
        row = cursor.fetchone()
    if row is None:  # the pupil row is gone (purged meanwhile): nothing was updated
        return frozenset()
    pupil.lessons_done, pupil.completed_at, pupil.current_lesson_id = row[0], row[1], lesson_id
    return frozenset(row[2]) & outline.lesson_ids


def _rule_met(pupil: Pupil, outline, done: frozenset[int]) -> bool:
    if not outline.required_ids <= done:
        return False
    if outline.completion_rule == CompletionRule.LESSONS_ONLY or outline.final_quiz_id is None:
        return True
    return pupil.quiz_passed


def _check_completion(pupil: Pupil, outline, done: frozenset[int] | None = None) -> bool:
    if pupil.completed_at is not None:
        return False
    if done is None:
        done = done_lesson_ids(pupil) & outline.lesson_ids
    if not _rule_met(pupil, outline, done):
        return False
    now = timezone.now()
    updated = Pupil.objects.filter(pk=pupil.pk, completed_at__isnull=True).update(completed_at=now)
    if updated:
        pupil.completed_at = now
    return bool(updated)


# --- the pupils' quiz (graded on the server with the quizzes app's rules) -----------------------


def open_attempt(pupil: Pupil) -> PupilQuizAttempt | None:
    return PupilQuizAttempt.objects.filter(pupil=pupil, submitted_at__isnull=True).first()


def last_attempt(pupil: Pupil) -> PupilQuizAttempt | None:
    return PupilQuizAttempt.objects.filter(pupil=pupil, submitted_at__isnull=False).order_by("-number").first()


def start_attempt(pupil: Pupil, quiz, seed: int | None = None) -> PupilQuizAttempt:
    """Resume the open attempt or draw a new one (questions and choice order fixed now)."""
    from quizzes.enums import QuestionKind
    from quizzes.models import Choice
    from quizzes.services import _draw

    _can_continue(pupil)
    existing = open_attempt(pupil)
    if existing is not None:
        return existing
    rng = random.Random(seed)  # noqa: S311 - shuffling questions, not security
    questions = _draw(quiz, rng)
    if not questions:
        raise ClassroomError(_("この確認テストにはまだ問題がありません。"), status=403)
    order: dict[int, list[int]] = {}
    for choice in Choice.objects.filter(question__in=questions).order_by("question_id", "sort_order", "pk"):
        order.setdefault(choice.question_id, []).append(choice.pk)
    layout = []
    for question in questions:
        choices = list(order.get(question.pk, []))
        if question.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(choices)
        layout.append({"question": question.pk, "choices": choices})
    used = PupilQuizAttempt.objects.filter(pupil=pupil).count()
    try:
        with transaction.atomic():
            return PupilQuizAttempt.objects.create(pupil=pupil, quiz=quiz, number=used + 1, layout=layout)
    except IntegrityError:  # another tab started one at the same moment
        return open_attempt(pupil)


def _record_answers(attempt: PupilQuizAttempt, graded: dict[int, float]) -> None:
    """The pupil's first answer to each question, for the projector's distribution."""
    PupilAnswer.objects.bulk_create(
        [
            PupilAnswer(
                session_id=attempt.pupil.session_id,
                pupil_id=attempt.pupil_id,
                question_id=question_id,
                choices=attempt.answers.get(str(question_id), []),
                correct=points >= 1,
            )
            for question_id, points in graded.items()
            if attempt.answers.get(str(question_id))
        ],
        ignore_conflicts=True,
    )
    forget_distribution(attempt.pupil.session_id)


def save_answer(attempt: PupilQuizAttempt, answers: dict[int, list[int]]) -> PupilQuizAttempt:
    from quizzes.services import _validated

    for question_id, chosen in answers.items():
        _validated(attempt, question_id, chosen)
    merged = {**attempt.answers, **{str(k): v for k, v in answers.items()}}
    if not PupilQuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(answers=merged):
        raise ClassroomError(_("このテストはもう出してあります。"))
    attempt.answers = merged
    return attempt


def check_answer(attempt: PupilQuizAttempt, question_id: int, chosen: list[int]) -> PupilQuizAttempt:
    """Feedback after each question: keep the answer, lock it, and let its feedback show."""
    from quizzes.services import _validated, answer_keys, grade_question

    _validated(attempt, question_id, chosen)
    with transaction.atomic():
        locked = PupilQuizAttempt.objects.select_for_update().select_related("pupil").get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise ClassroomError(_("このテストはもう出してあります。"))
        if question_id in locked.checked:
            return locked
        locked.answers = {**locked.answers, str(question_id): chosen}
        locked.checked = [*locked.checked, question_id]
        locked.save(update_fields=["answers", "checked"])
        key = answer_keys([question_id])[question_id]
        points = grade_question(key, list(key.correct_ids), chosen)
        _record_answers(locked, {question_id: points})
    return locked


def submit(attempt: PupilQuizAttempt, answers: dict[int, list[int]] | None = None) -> PupilQuizAttempt:
    """Grade and close the attempt (a second submit returns the same result), then update the
    pupil's quiz state and completion."""
    from quizzes.services import _validated, answer_keys, grade_question

    with transaction.atomic():
        locked = (
            PupilQuizAttempt.objects.select_for_update(of=("self",))
            .select_related("quiz", "pupil", "pupil__session")
            .get(pk=attempt.pk)
        )
        if locked.submitted_at is not None:
            return locked
        _can_continue(locked.pupil)
        for question_id, chosen in (answers or {}).items():
            _validated(locked, question_id, chosen)
            locked.answers = {**locked.answers, str(question_id): chosen}
        keys = answer_keys(locked.question_ids)
        points = {
            qid: grade_question(keys[qid], list(keys[qid].correct_ids), locked.answers.get(str(qid), []))
            for qid in locked.question_ids
            if qid in keys
        }
        locked.points = {str(k): v for k, v in points.items()}
        locked.score = round(100 * sum(points.values()) / len(locked.question_ids), 1) if locked.question_ids else 0.0
        locked.passed = locked.score >= locked.quiz.pass_mark
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["answers", "points", "score", "passed", "submitted_at"])
        _record_answers(locked, points)
        pupil = locked.pupil
        best = max(pupil.quiz_score or 0.0, locked.score)
        passed = bool(pupil.quiz_passed or locked.passed)
        Pupil.objects.filter(pk=pupil.pk).update(quiz_done=True, quiz_score=best, quiz_passed=passed)
        pupil.quiz_done, pupil.quiz_score, pupil.quiz_passed = True, best, passed
        outline = outline_for(pupil.session)
        if outline is not None:
            _check_completion(pupil, outline)
    forget_snapshot(locked.pupil.session_id)
    return locked


# --- the teacher's live dashboard and the projector --------------------------------------------


def _snapshot_key(session_id: int) -> str:
    return f"classrooms:live:{session_id}"


def _distribution_key(session_id: int) -> str:
    return f"classrooms:distribution:{session_id}"


def forget_snapshot(session_id: int) -> None:
    cache.delete(_snapshot_key(session_id))


def forget_distribution(session_id: int) -> None:
    cache.delete(_distribution_key(session_id))


# What the snapshot needs of the class (teacher and course first: they are read by their ids).
_SNAPSHOT_SESSION_FIELDS = ("teacher", "course", "code", "status", "ended_at", "expires_at")


def live_snapshot(session_id: int) -> dict | None:
    """What the teacher's dashboard shows, as JSON-ready data (cached; rebuilt after a pupil
    changes with one query — the pupils with their class's fields —, two for a class without
    pupils). Includes the teacher's id so that the poll checks ownership without touching the
    database."""
    key = _snapshot_key(session_id)
    data = cache.get(key)
    if data is not None:
        return data
    rows = list(
        Pupil.objects.filter(session_id=session_id, removed=False)
        .order_by("joined_at", "pk")
        .values(
            "pk",
            "nickname",
            "current_lesson_id",
            "lessons_done",
            "quiz_done",
            "quiz_score",
            "completed_at",
            *(f"session__{name}" for name in _SNAPSHOT_SESSION_FIELDS),
        )
    )
    if rows:
        first = rows[0]
        session = ClassSession(
            pk=session_id,
            teacher_id=first["session__teacher"],
            course_id=first["session__course"],
            **{name: first[f"session__{name}"] for name in _SNAPSHOT_SESSION_FIELDS[2:]},
        )
    else:
        session = ClassSession.objects.filter(pk=session_id).first()
        if session is None:
            return None
    outline = outline_for(session)
    titles = {lesson.id: strip_ruby_notation(lesson.title) for lesson in outline.lessons} if outline else {}
    total = len(outline.lessons) if outline else 0
    pupils = []
    for row in rows:
        completed = row["completed_at"] is not None
        pupils.append(
            {
                "id": row["pk"],
                "nickname": row["nickname"],
                "current": titles.get(row["current_lesson_id"], ""),
                "lessons_done": row["lessons_done"],
                "quiz_done": row["quiz_done"],
                "quiz_score": row["quiz_score"],
                "completed": completed,
            }
        )
    completed = sum(1 for p in pupils if p["completed"])
    data = {
        "teacher_id": session.teacher_id,
        "state": session.state,
        "lessons_total": total,
        "totals": {
            "joined": len(pupils),
            "in_progress": len(pupils) - completed,
            "completed": completed,
        },
        "pupils": pupils,
    }
    # A state that changes with time (expiry) must not outlive it in the cache.
    timeout = SNAPSHOT_TIMEOUT
    if session.ended_at is None:
        timeout = max(1, min(timeout, int((session.expires_at - timezone.now()).total_seconds()) + 1))
    cache.set(key, data, timeout)
    return data


def distribution(session: ClassSession, show_answers: bool = False) -> list[dict]:
    """Per question answered in this class: how many pupils picked each choice (first answers
    only). No nickname and no pupil id leaves this function."""
    from quizzes.models import Choice, Question

    key = _distribution_key(session.pk)
    counts = cache.get(key)
    if counts is None:
        counts = {}
        for question_id, choices in PupilAnswer.objects.filter(session=session).values_list("question_id", "choices"):
            per_question = counts.setdefault(question_id, {"answered": 0, "choices": {}})
            per_question["answered"] += 1
            for choice_id in choices:
                per_question["choices"][choice_id] = per_question["choices"].get(choice_id, 0) + 1
        cache.set(key, counts, 60 * 60)
    if not counts:
        return []
    questions = Question.objects.in_bulk(list(counts))
    choices_by_question: dict[int, list] = {}
    for choice in Choice.objects.filter(question_id__in=list(counts)).order_by("question_id", "sort_order", "pk"):
        choices_by_question.setdefault(choice.question_id, []).append(choice)
    rows = []
    for number, question_id in enumerate(sorted(counts, key=lambda q: q), start=1):
        question = questions.get(question_id)
        if question is None:
            continue
        answered = counts[question_id]["answered"]
        rows.append(
            {
                "number": number,
                "text": strip_ruby_notation(question.text),
                "answered": answered,
                "choices": [
                    {
                        "text": strip_ruby_notation(choice.text),
                        "count": counts[question_id]["choices"].get(choice.pk, 0),
                        "percent": round(100 * counts[question_id]["choices"].get(choice.pk, 0) / answered)
                        if answered
                        else 0,
                        **({"correct": choice.is_correct} if show_answers else {}),
                    }
                    for choice in choices_by_question.get(question_id, [])
                ],
            }
        )
    return rows


# --- purge ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    ended: int
    purged_sessions: int
    deleted_pupils: int


def purge(days: int | None = None, now: datetime.datetime | None = None) -> PurgeResult:
    """End the classes whose day is over (counting their completions, once), and delete the
    nicknames and progress of classes that ended more than `days` days ago. The counts in
    analytics and the class's own totals stay."""
    days = settings.CLASSROOM_RETENTION_DAYS if days is None else days
    now = now or timezone.now()
    ended = 0
    for session in ClassSession.objects.filter(ended_at__isnull=True, expires_at__lte=now):
        _session, newly = end_session(session)
        ended += int(newly)
    cutoff = now - datetime.timedelta(days=days)
    purged = 0
    deleted = 0
    for session in ClassSession.objects.filter(ended_at__lte=cutoff, purged_at__isnull=True):
        with transaction.atomic():
            deleted += Pupil.objects.filter(session=session).count()
            PupilAnswer.objects.filter(session=session).delete()
            Pupil.objects.filter(session=session).delete()  # progress and attempts go with them
            ClassSession.objects.filter(pk=session.pk).update(purged_at=now)
        forget_snapshot(session.pk)
        forget_distribution(session.pk)
        purged += 1
    return PurgeResult(ended=ended, purged_sessions=purged, deleted_pupils=deleted)
