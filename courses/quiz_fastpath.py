"""The final quiz's submit in two database round trips (PostgreSQL).

The ordinary submit (quizzes.services.submit → the `quiz_passed` signal → complete_course) runs
about two dozen statements: lock and grade the attempt, find the enrolment, count its lessons,
mark it complete, read the profile and the organisation, issue the certificate and its event,
write the completion record and its 80 aggregate rows. Fifty learners finishing a class at the
same moment queue behind each other's CPU for that.

Here the same work is two statements:
1. one read: the attempt, its quiz's pass mark, the enrolment, the learner's profile, their
   organisation and whether another course shares this quiz;
2. after grading in Python (the same `quizzes.services.grade`), one write: a chain of
   data-modifying CTEs that closes the attempt only if it is still open, completes the enrolment
   only if the attempt passed and the required lessons are done (the rule `complete_course`
   follows), and issues the certificate, its event and the completion record only if the
   enrolment was completed by this statement. A statement is atomic: all of it or none.
   The completion record is marked pending (`analytics.models.PendingCompletion`) instead of
   being added to its 80 aggregate cells here: those cells (the national total above all) are the
   same for every learner, so fifty learners finishing at once would queue on their locks until
   each commit. The next reader of the statistics adds all pending records in one batch.
   A double submit waits on the attempt's row and then finds it closed, so nothing is written
   twice.

Anything unusual goes to the ordinary path, which answers as before: another database, a time
limit, an attempt or enrolment not found, a course rule or quiz listener this module does not
know, a quiz that is the final quiz of another course the learner is taking, or any error the
write raises (a certificate already issued for the enrolment, say) — the statement then left
nothing behind. Tests compare every row both paths write.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import types

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone

from accounts.models import LearnerProfile
from analytics.models import CompletionRecord, PendingCompletion
from analytics.services import new_record
from certificates.design import current_versions
from certificates.models import Certificate, CertificateEvent
from certificates.services import new_certificate
from courses import completion
from courses.enums import CompletionRule
from courses.services import CourseOutline, completion_values, forget_progress, local_outline
from quizzes import services as quiz_services
from quizzes.models import Attempt
from quizzes.signals import quiz_passed

KNOWN_QUIZ_LISTENERS = {"courses.quiz_passed"}

_READ_SQL = """
SELECT a.layout, a.answers, a.checked, a.submitted_at, a.deadline, q.pass_mark,
       e.id, e.completed_at,
       p.id IS NOT NULL, p.display_name, p.prefecture, p.municipality, p.sector, p.age_band, p.sex,
       (SELECT count(*) FROM courses_enrolment other
          JOIN courses_coursepage course ON course.page_ptr_id = other.course_id
         WHERE other.user_id = a.user_id AND course.final_quiz_id = a.quiz_id
           AND other.id <> e.id AND other.completed_at IS NULL),
       {organisation}
FROM quizzes_attempt a
JOIN quizzes_quiz q ON q.id = a.quiz_id
JOIN courses_enrolment e ON e.user_id = a.user_id AND e.course_id = %s
LEFT JOIN accounts_learnerprofile p ON p.user_id = a.user_id
WHERE a.id = %s AND a.user_id = %s AND a.quiz_id = %s
"""

_CLOSE_ATTEMPT = """
att AS (
    UPDATE quizzes_attempt SET answers = %s, points = %s, score = %s, passed = %s, submitted_at = %s
    WHERE id = %s AND submitted_at IS NULL
    RETURNING passed
)"""

_COMPLETE_ENROLMENT = """
enr AS (
    UPDATE courses_enrolment SET completed_at = %s, completed_version = %s
    WHERE id = %s AND completed_at IS NULL AND EXISTS (SELECT 1 FROM att WHERE passed)
      AND (SELECT count(DISTINCT lesson_id) FROM courses_lessonprogress
            WHERE enrolment_id = %s AND lesson_id = ANY(%s::integer[])) = %s
    RETURNING id
)"""


# A user id no one has: the organisation subqueries are compiled once with it in place of the id.
_SOMEONE = -7_777_777


def _subquery(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return f"({sql})", tuple(params)


@functools.cache
def _read_statement() -> tuple[str, tuple] | None:
    """The read statement and its organisation parameters (`_SOMEONE` for the user), or None
    when an organisation lookup has no queryset form."""
    queries = completion.organisation_queries(_SOMEONE)
    if queries is None:
        return None
    parts, params = [], ()
    for queryset in queries:
        sql, more = _subquery(queryset[:1])
        parts.append(f"NULLIF({sql}, '')")
        params += more
    parts.append("''")
    return _READ_SQL.format(organisation=f"COALESCE({', '.join(parts)})"), params


@functools.cache
def _fields(model) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _insert_sql(model, source: str, expressions: dict[str, str]) -> str:
    """INSERT … SELECT of one row per row of the CTE `source`: a placeholder per column (as
    `_insert_params` fills them), or the SQL `expressions` gives for it."""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in _fields(model))
    values = ", ".join(expressions.get(field.attname, "%s") for field in _fields(model))
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) SELECT {values} FROM {source}"  # noqa: S608 — names from the model


def _insert_params(instance, expression_params: dict[str, tuple], db) -> list:
    """The values of `_insert_sql`'s placeholders: each column's value as Django would save it."""
    params = []
    for field in _fields(type(instance)):
        if field.attname in expression_params:
            params += expression_params[field.attname]
        else:
            params.append(field.get_db_prep_save(field.pre_save(instance, add=True), db))
    return params


@functools.cache
def _template_version() -> tuple[str, tuple]:
    return _subquery(current_versions().values("pk")[:1])


@functools.cache
def _write_statement(completes: bool) -> str:
    ctes = [_CLOSE_ATTEMPT]
    if completes:
        certificate = _insert_sql(Certificate, "enr", {"template_version_id": _template_version()[0]})
        event = _insert_sql(CertificateEvent, "cert", {"certificate_id": "cert.id"})
        record = _insert_sql(CompletionRecord, "enr", {})
        ctes += [
            _COMPLETE_ENROLMENT,
            f"cert AS ({certificate} RETURNING id)",
            f"ev AS ({event})",
            f"rec AS ({record} RETURNING id)",
            f"pend AS (INSERT INTO {PendingCompletion._meta.db_table} (record_id) SELECT id FROM rec)",  # noqa: S608 — the model's table
        ]
    counted = "(SELECT count(*) FROM enr)" if completes else "0"
    return f"WITH {', '.join(ctes)} SELECT {counted}"


def _eligible(request, outline: CourseOutline | None, db) -> bool:
    return (
        db.vendor == "postgresql"
        and outline is not None
        and outline.final_quiz_id is not None
        and request.user.is_authenticated
        and {key[0] for key, *_rest in quiz_passed.receivers} <= KNOWN_QUIZ_LISTENERS
    )


def submit(request, course_id: int, version: str | None = None, answer_key_version: str | None = None):
    """Submit the final quiz of `course_id` from this POST; a redirect to the result, or None
    when the ordinary path must answer. `version`, `answer_key_version`: the outline's and the
    answer keys' version tokens, when the caller has read them already."""
    outline = local_outline(course_id, version)
    read = _read_statement()
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: `connection` is a proxy, looked up on every use
    if read is None or not _eligible(request, outline, db) or not str(request.POST.get("attempt", "")).isdigit():
        return None
    user_id = request.user.pk
    attempt_id = int(request.POST["attempt"])
    read_sql, organisation_params = read
    organisation_params = [user_id if value == _SOMEONE else value for value in organisation_params]
    try:
        row = _fetch_one(read_sql, [*organisation_params, course_id, attempt_id, user_id, outline.final_quiz_id], db)
    except DatabaseError:
        return None  # e.g. a prepared statement outdated by a migration: the ordinary path answers
    if row is None:
        return None  # not this learner's attempt at this quiz, or not enrolled: the ordinary refusals
    (layout, answers, checked, submitted_at, deadline, pass_mark, enrolment_id, completed_at) = row[:8]
    has_profile, display_name, prefecture, municipality, sector, age_band, sex, others, organisation_name = row[8:]
    result = HttpResponseRedirect(f"{outline.url}quiz/result/{attempt_id}/")
    if submitted_at is not None:
        return result  # a second submit: the same result
    if deadline is not None or others:
        return None
    field = Attempt._meta.get_field  # JSON columns come back as text from a raw cursor
    attempt = Attempt(
        pk=attempt_id,
        quiz_id=outline.final_quiz_id,
        user_id=user_id,
        layout=field("layout").from_db_value(layout, None, db),
        answers=field("answers").from_db_value(answers, None, db),
        checked=field("checked").from_db_value(checked, None, db),
    )
    try:
        keys = quiz_services.answer_keys(attempt.question_ids, answer_key_version)
        graded = quiz_services.grade(attempt, quiz_services.parse_answers(attempt, request.POST, keys), pass_mark, keys)
    except quiz_services.QuizError:
        return None  # the ordinary path shows the message
    completes = graded.passed and completed_at is None
    if completes and not (
        outline.completion_rule == CompletionRule.LESSONS_AND_QUIZ and completion.is_standard(outline.completion_rule)
    ):
        return None
    now = timezone.now()
    answers_field = field("answers")
    params = [
        answers_field.get_db_prep_save(graded.answers, db),
        answers_field.get_db_prep_save(graded.points, db),
        graded.score,
        graded.passed,
        now,
        attempt_id,
    ]
    if completes:
        profile = (
            LearnerProfile(
                display_name=display_name,
                prefecture=prefecture,
                municipality=municipality,
                sector=sector,
                age_band=age_band,
                sex=sex,
            )
            if has_profile
            else None
        )
        params += _completion_params(outline, enrolment_id, request.user, now, profile, organisation_name, db)
    try:
        (completed,) = _fetch_one(_write_statement(completes), params, db)
    except DatabaseError:
        return None  # nothing was written: the ordinary path decides (and explains)
    if completed:
        forget_progress(user_id, course_id)
    return result


def _fetch_one(sql: str, params: list, db) -> tuple | None:
    """Run one statement and return its first row. A statement is atomic on its own; inside a
    transaction (ATOMIC_REQUESTS, tests) a savepoint keeps that transaction usable if it fails."""
    savepoint = transaction.atomic() if db.in_atomic_block else contextlib.nullcontext()
    with savepoint, _bound_cursor(db) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _bound_cursor(db):
    """A cursor that sends the values apart from the statement text (psycopg's server-side
    binding: Django's default cursor would quote every value into the text in Python) and runs
    each statement as a prepared statement of its connection: PostgreSQL parses and plans the two
    statements once per connection instead of on every submit, which halves its CPU per submit
    (docs/performance.md). `DB_PREPARED_STATEMENTS=false` turns the preparing off. Wrapped as
    Django wraps its own (error translation, query logging)."""
    db.ensure_connection()
    return db._prepare_cursor(_prepared_cursor_class()(db.connection))


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            try:
                return super().execute(query, params, prepare=True, binary=binary)
            finally:
                if self._query is None:
                    # psycopg keeps no query object for a prepared statement's execution; Django's
                    # query log (DEBUG, tests) reads the statement's text from it.
                    self._query = types.SimpleNamespace(query=query.encode())

    return PreparedCursor


def _completion_params(
    outline: CourseOutline,
    enrolment_id: int,
    user,
    now: datetime.datetime,
    profile: LearnerProfile | None,
    organisation: str,
    db,
) -> list:
    """The values for the CTEs after the attempt's: what `complete_course` writes."""
    required = sorted(outline.required_ids)
    certificate, record = completion_values(
        enrolment_id, user, profile, organisation or "", outline, timezone.localdate(now)
    )
    record = new_record(**record)
    return [
        now,
        outline.curriculum_version,
        enrolment_id,
        enrolment_id,
        required,
        len(required),
        *_insert_params(new_certificate(**certificate), {"template_version_id": _template_version()[1]}, db),
        *_insert_params(CertificateEvent(action=CertificateEvent.Action.ISSUED), {"certificate_id": ()}, db),
        *_insert_params(record, {}, db),
    ]
