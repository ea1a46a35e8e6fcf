"""Organisation cohorts: a leader's sign-up link for staff training, and its aggregate.

Whoever opens the link (signed in, or after signing up or logging in in the same browser) is
tagged as a member, with the department they chose. The leader's view has counts only — enrolled
and completed, per department — never anyone's answers or name; the leader can download the
certificates their members earned since joining (the join page says so), and switch the link off.
A member's completions carry the organisation's name into analytics (`organisation_of`, registered
with courses at app ready).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from classrooms.models import CohortMember, OrganisationCohort
from courses.models import Enrolment

SESSION_KEY = "cohort_invitation"  # {"token": ..., "department": ...} until the visitor signs in


class CohortError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_departments(text: str) -> list[str]:
    """One department per line (or comma-separated); blanks dropped, duplicates removed, in order."""
    seen: list[str] = []
    for part in (text or "").replace("、", ",").replace("\n", ",").split(","):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > 50:
            raise CohortError(_("部署名は50文字以内にしてください：%(name)s") % {"name": name[:20]})
        if name not in seen:
            seen.append(name)
    if len(seen) > 100:
        raise CohortError(_("部署は100個までにしてください。"))
    return seen


def create_cohort(*, leader, name: str, sector: str, prefecture: str, departments: list[str]) -> OrganisationCohort:
    return OrganisationCohort.objects.create(
        leader=leader,
        name=name,
        sector=sector,
        prefecture=prefecture,
        departments=departments,
        token=secrets.token_urlsafe(24),
    )


def active_cohort(token: str) -> OrganisationCohort | None:
    return OrganisationCohort.objects.filter(token=token, active=True).first()


def set_active(cohort: OrganisationCohort, active: bool) -> bool:
    """Switch the link on or off (idempotent). Returns True if it changed. Members stay tagged."""
    changed = OrganisationCohort.objects.filter(pk=cohort.pk).exclude(active=active).update(active=active)
    cohort.active = active
    return bool(changed)


def organisation_of(user_id: int, course_id: int) -> str:
    """The organisation a learner trains for: their most recent membership's name ("" if none).
    A membership counts whether or not the link is still open (switching it off stops sign-ups,
    not the training). Cohorts are not tied to a course, so `course_id` is not used."""
    return organisation_query(user_id).first() or ""


def organisation_query(user_id: int):
    """`organisation_of` as a queryset of names, newest membership first."""
    return (
        CohortMember.objects.filter(user_id=user_id)
        .order_by("-joined_at", "-pk")
        .values_list("cohort__name", flat=True)
    )


def certificate_ids(cohort: OrganisationCohort) -> list[int]:
    """The certificates the cohort's members earned since they joined (not revoked or replaced):
    what the leader may download. Certificates from before joining stay private."""
    members = CohortMember.objects.filter(cohort=cohort)
    by_user = {
        user_id: timezone.localdate(joined_at) for user_id, joined_at in members.values_list("user_id", "joined_at")
    }
    if not by_user:
        return []
    rows = (
        Certificate.objects.filter(
            user_id__in=members.values("user_id"), revoked_at__isnull=True, superseded_at__isnull=True
        )
        .order_by("issued_on", "pk")
        .values_list("pk", "user_id", "issued_on")
    )
    return [pk for pk, user_id, issued_on in rows if issued_on >= by_user[user_id]]


def join(cohort: OrganisationCohort, user, department: str = "") -> tuple[CohortMember, bool]:
    """Tag the user as a member (idempotent: the first department chosen stays)."""
    if department and department not in cohort.departments:
        raise CohortError(_("部署は一覧から選んでください。"))
    try:
        with transaction.atomic():
            return CohortMember.objects.create(cohort=cohort, user=user, department=department), True
    except IntegrityError:
        return CohortMember.objects.get(cohort=cohort, user=user), False


def remember_invitation(request, cohort: OrganisationCohort, department: str) -> None:
    request.session[SESSION_KEY] = {"token": cohort.token, "department": department}


def claim_invitation(request, user) -> CohortMember | None:
    """At login or signup: join the cohort whose link this browser opened."""
    invitation = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
    if not invitation:
        return None
    cohort = active_cohort(invitation.get("token", ""))
    if cohort is None:
        return None
    try:
        member, _created = join(cohort, user, invitation.get("department", ""))
    except CohortError:
        member, _created = join(cohort, user, "")
    return member


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    members: int
    enrolled: int
    completed: int


def aggregate(cohort: OrganisationCohort) -> list[DepartmentRow]:
    """Members, enrolled (started any course) and completed (any course), per department: one
    query. Counts only."""
    enrolled_users = Enrolment.objects.values("user_id")
    completed_users = Enrolment.objects.filter(completed_at__isnull=False).values("user_id")
    rows = (
        CohortMember.objects.filter(cohort=cohort)
        .values("department")
        .annotate(
            members=Count("pk"),
            enrolled=Count("pk", filter=Q(user_id__in=enrolled_users)),
            completed=Count("pk", filter=Q(user_id__in=completed_users)),
        )
        .order_by("department")
    )
    order = {name: index for index, name in enumerate(cohort.departments)}
    result = [DepartmentRow(r["department"], r["members"], r["enrolled"], r["completed"]) for r in rows]
    return sorted(result, key=lambda row: order.get(row.department, len(order)))
