"""Organisation cohorts: the leader's link and aggregate, and the page the link opens."""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from certificates.models import BulkDownload
from certificates.services import start_bulk_download
from classrooms import cohorts
from classrooms.forms import CohortForm
from classrooms.models import OrganisationCohort

LEADER_PERMISSION = "accounts.lead_organisation"


def leader_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(LEADER_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@leader_required
@never_cache
@require_http_methods(["GET", "POST"])
def leader_list(request):
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = cohorts.create_cohort(leader=request.user, **form.cleaned_data)
        messages.success(request, _("研修のリンクを作りました。職員に知らせてください。"))
        return redirect(reverse("classrooms:cohort_detail", args=[cohort.pk]))
    items = OrganisationCohort.objects.filter(leader=request.user).order_by("-pk")
    return render(
        request, "classrooms/cohort_list.html", {"form": form, "cohorts": items}, status=400 if form.errors else 200
    )


@leader_required
@never_cache
def leader_detail(request, pk: int):
    cohort = get_object_or_404(OrganisationCohort, pk=pk, leader=request.user)
    rows = cohorts.aggregate(cohort)
    link = request.build_absolute_uri(reverse("classrooms:cohort_join", args=[cohort.token]))
    totals = {key: sum(getattr(row, key) for row in rows) for key in ("members", "enrolled", "completed")}
    context = {
        "cohort": cohort,
        "rows": rows,
        "totals": totals,
        "link": link,
        "certificate_count": len(cohorts.certificate_ids(cohort)),
    }
    return render(request, "classrooms/cohort_detail.html", context)


@leader_required
@require_http_methods(["POST"])
def leader_link(request, pk: int):
    """Switch the sign-up link off (`active=0`) or back on (`active=1`). Members stay tagged."""
    cohort = get_object_or_404(OrganisationCohort, pk=pk, leader=request.user)
    active = request.POST.get("active") == "1"
    cohorts.set_active(cohort, active)
    if active:
        messages.success(request, _("リンクの受付を再開しました。"))
    else:
        messages.success(request, _("リンクの受付を止めました。リンクを開いた人には、受付を終えたことを表示します。"))
    return redirect(reverse("classrooms:cohort_detail", args=[cohort.pk]))


RECENT_BULK = datetime.timedelta(minutes=10)


@leader_required
@require_http_methods(["POST"])
def leader_certificates(request, pk: int):
    """One zip of the members' certificates, built in the background: the leader follows its
    progress on the certificates app's page. A double submit while the same zip is still being
    built goes to that job instead of starting another."""
    cohort = get_object_or_404(OrganisationCohort, pk=pk, leader=request.user)
    ids = cohorts.certificate_ids(cohort)
    detail = reverse("classrooms:cohort_detail", args=[cohort.pk])
    pending = BulkDownload.objects.filter(
        requested_by=request.user,
        status__in=[BulkDownload.Status.QUEUED, BulkDownload.Status.RUNNING],
        created_at__gte=timezone.now() - RECENT_BULK,
    )
    for job in pending:
        if job.certificate_ids == ids:
            return redirect(job.get_absolute_url())
    label = (_("%(name)s の修了証") % {"name": cohort.name})[:100]
    try:
        job = start_bulk_download(request.user, ids, label)
    except ValidationError as error:
        if getattr(error, "code", "") == "empty":
            messages.error(request, _("ダウンロードできる修了証はまだありません。"))
        else:
            messages.error(request, " ".join(error.messages))
        return redirect(detail)
    return redirect(job.get_absolute_url())


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, token: str):
    """The page the link opens: choose a department, then sign up or log in (or, signed in, join)."""
    cohort = OrganisationCohort.objects.filter(token=token).first()
    if cohort is None:
        raise Http404
    if not cohort.active:
        # Switched off by the leader: say so kindly, tag nobody, remember nothing.
        return render(request, "classrooms/cohort_closed.html", {"cohort": cohort}, status=410)
    error = None
    if request.method == "POST":
        department = request.POST.get("department", "")
        if cohort.departments and department not in cohort.departments:
            error = _("部署を一覧から選んでください。")
        elif request.user.is_authenticated:
            _member, created = cohorts.join(cohort, request.user, department)
            if created:
                messages.success(
                    request, _("「%(name)s」の研修に参加しました。講座を選んで始めてください。") % {"name": cohort.name}
                )
            else:
                messages.info(request, _("この研修にはすでに参加しています。"))
            return redirect("/courses/")
        else:
            cohorts.remember_invitation(request, cohort, department)
            return redirect(f"{reverse('account_signup')}?{urlencode({'next': '/courses/'})}")
    return render(
        request, "classrooms/cohort_join.html", {"cohort": cohort, "error": error}, status=400 if error else 200
    )
