"""Sections of "my data" for records that other apps keep about a person.

Registered from `AccountsConfig.ready()` (the owning apps may take them over with their own
`register_exporter` call under the same key). Every section runs a fixed number of queries,
however many rows the person has (tested in tests/accounts/test_my_data_sections.py).

Coded values are exported as {"code", "label"}, the label in the active language.
"""

from typing import Any

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from core import reference


def _iso(value):
    return value.isoformat() if value else None


def _coded(code: str, label) -> dict[str, str]:
    return {"code": code, "label": str(label)}


def export_quizzes(user) -> dict[str, Any]:
    """Quiz attempts (the questions shown, the answers given, score, pass, dates), time
    extensions and which self-assessment phases were answered (the answers themselves are never
    stored per person, only added to anonymous totals).

    Per-question marks are left out on purpose: a quiz may withhold which answers were right."""
    from quizzes.models import Attempt, Question, SurveyParticipation, TimeExtension

    attempts = list(Attempt.objects.filter(user=user).select_related("quiz").order_by("started_at", "pk"))
    question_ids = {item["question"] for attempt in attempts for item in attempt.layout if "question" in item}
    questions = {q.pk: q for q in Question.objects.filter(pk__in=question_ids).prefetch_related("choices")}
    choice_text = {c.pk: c.text for q in questions.values() for c in q.choices.all()}

    def question_out(attempt, item):
        question = questions.get(item["question"])
        chosen = attempt.answers.get(str(item["question"])) or []
        return {
            "question": question.text if question else _("（削除された問題）"),
            "choices_shown": [choice_text.get(pk, _("（削除された選択肢）")) for pk in item.get("choices", [])],
            "answer": [choice_text.get(pk, _("（削除された選択肢）")) for pk in chosen],
        }

    return {
        "attempts": [
            {
                "quiz": a.quiz.title,
                "number": a.number,
                "started_at": _iso(a.started_at),
                "deadline": _iso(a.deadline),
                "submitted_at": _iso(a.submitted_at),
                "score_percent": a.score,
                "passed": a.passed,
                "result": _coded(
                    "open" if a.submitted_at is None else ("passed" if a.passed else "failed"),
                    _("解答中") if a.submitted_at is None else (_("合格") if a.passed else _("不合格")),
                ),
                "questions": [question_out(a, item) for item in a.layout],
            }
            for a in attempts
        ],
        "time_extensions": [
            {"quiz": t.quiz.title, "extra_minutes": t.extra_minutes}
            for t in TimeExtension.objects.filter(user=user).select_related("quiz").order_by("pk")
        ],
        "self_assessments": [
            {
                "survey": p.survey.title,
                "phase": _coded(p.phase, p.get_phase_display()),
                "answered_at": _iso(p.answered_at),
            }
            for p in SurveyParticipation.objects.filter(user=user).select_related("survey").order_by("answered_at")
        ],
        "self_assessment_answers_stored": False,
    }


def certificate_status(certificate) -> dict[str, str]:
    if certificate.revoked_at is not None:
        return _coded("revoked", _("取り消し"))
    if certificate.superseded_at is not None:
        return _coded("superseded", _("再発行により置き換え"))
    return _coded("valid", _("有効"))


def export_certificates(user) -> list[dict[str, Any]]:
    from certificates.models import Certificate
    from certificates.services import format_code

    certificates = (
        Certificate.objects.filter(user=user)
        .select_related("template_version__template", "replaces")
        .order_by("issued_on", "pk")
    )
    return [
        {
            "code": format_code(c.code),
            "course": c.course_title,
            "curriculum_version": c.curriculum_version,
            "issued_on": _iso(c.issued_on),
            "name_printed": c.holder_name,
            "status": certificate_status(c),
            "reissued_at": _iso(c.reissued_at),
            "replaces": format_code(c.replaces.code) if c.replaces else None,
            "superseded_at": _iso(c.superseded_at),
            "revoked_at": _iso(c.revoked_at),
            "revoked_reason": c.revoked_reason,
            "template_version": str(c.template_version) if c.template_version else None,
        }
        for c in certificates
    ]


def export_organisations(user) -> dict[str, Any]:
    """Organisation trainings the person joined (and their department); the ones they lead,
    with member counts only — never the members."""
    from classrooms.models import CohortMember, OrganisationCohort

    members = CohortMember.objects.filter(user=user).select_related("cohort").order_by("joined_at")
    led = OrganisationCohort.objects.filter(leader=user).annotate(member_count=Count("members")).order_by("pk")
    return {
        "memberships": [
            {
                "organisation": m.cohort.name,
                "sector": _coded(m.cohort.sector, m.cohort.get_sector_display()),
                "prefecture": _coded(m.cohort.prefecture, reference.prefecture_label(m.cohort.prefecture)),
                "department": m.department,
                "joined_at": _iso(m.joined_at),
            }
            for m in members
        ],
        "led": [
            {
                "organisation": c.name,
                "sector": _coded(c.sector, c.get_sector_display()),
                "prefecture": _coded(c.prefecture, reference.prefecture_label(c.prefecture)),
                "departments": list(c.departments),
                "active": c.active,
                "created_at": _iso(c.created_at),
                "members": c.member_count,
            }
            for c in led
        ],
    }


def export_h5p_saved(user) -> dict[str, Any]:
    """H5P saved state (may hold text typed inside an activity) and every xAPI statement."""
    from h5p.models import H5PState, XAPIStatement

    return {
        "states": [
            {"activity": s.content.title, "data": s.data, "updated_at": _iso(s.updated_at)}
            for s in H5PState.objects.filter(user=user).select_related("content").order_by("pk")
        ],
        "statements": [
            {
                "activity": s.content.title,
                "verb": s.verb,
                "score_raw": s.score_raw,
                "score_max": s.score_max,
                "percent": s.percent,
                "completed": s.completed,
                "self_reported": s.self_reported,
                "received_at": _iso(s.created_at),
                "statement": s.statement,
            }
            for s in XAPIStatement.objects.filter(user=user).select_related("content").order_by("pk")
        ],
    }


def export_session_reports(user) -> list[dict[str, Any]]:
    """Reports a lecturer filed. Attendees are counts; nobody is named."""
    from analytics.models import SessionReport, SessionReportLine

    reports = (
        SessionReport.objects.filter(lecturer=user)
        .prefetch_related(Prefetch("lines", queryset=SessionReportLine.objects.order_by("pk")))
        .order_by("held_on", "pk")
    )
    return [
        {
            "held_on": _iso(r.held_on),
            "place": r.place,
            "prefecture": _coded(r.prefecture, reference.prefecture_label(r.prefecture)),
            "municipality": r.municipality,
            "delivery": _coded(r.delivery, r.get_delivery_display()),
            "audience": _coded(r.audience, r.get_audience_display()),
            "organiser": r.organiser,
            "status": _coded(r.status, r.get_status_display()),
            "return_reason": r.return_reason,
            "revision": r.revision,
            "submitted_at": _iso(r.created_at),
            "decided_at": _iso(r.decided_at),
            "attendees": [
                {
                    "sector": _coded(line.sector, line.get_sector_display()),
                    "age_band": _coded(line.age_band, line.get_age_band_display()),
                    "count": line.attendees,
                }
                for line in r.lines.all()
            ],
            "total": r.total,
        }
        for r in reports
    ]


def export_classes(user) -> list[dict[str, Any]]:
    """A teacher's classes, with counts. Pupils' nicknames are the class's, not the teacher's
    personal data, and are purged on their own schedule: they are not exported."""
    from classrooms.models import ClassSession

    sessions = (
        ClassSession.objects.filter(teacher=user)
        .select_related("course")
        .annotate(pupil_count=Count("pupils"))
        .order_by("held_on", "pk")
    )
    return [
        {
            "school_name": s.school_name,
            "prefecture": _coded(s.prefecture, reference.prefecture_label(s.prefecture)),
            "municipality": s.municipality,
            "grade": _coded(s.grade, s.get_grade_display()),
            "course": s.course.title,
            "held_on": _iso(s.held_on),
            "join_code": s.code,
            "status": _coded(s.status, s.get_status_display()),
            "created_at": _iso(s.created_at),
            "ended_at": _iso(s.ended_at),
            "pupils": s.pupil_count,
            "completed": s.completed_count,
            "nicknames_purged_at": _iso(s.purged_at),
        }
        for s in sessions
    ]


SECTIONS = {
    "quizzes": export_quizzes,
    "certificates": export_certificates,
    "organisations": export_organisations,
    "h5p_saved": export_h5p_saved,
    "session_reports": export_session_reports,
    "classes": export_classes,
}
