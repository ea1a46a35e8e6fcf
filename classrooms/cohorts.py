"""Organisation cohorts: a leader's sign-up link for staff training, and its aggregate.

Whoever opens the link (signed in, or after signing up or logging in in the same browser) is
tagged as a member, with the department they chose. The leader's view has counts only — enrolled
and completed, per department — never anyone's answers or name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

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
