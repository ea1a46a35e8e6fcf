"""Organisation cohorts: the leader's link and aggregate, and the page the link opens."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

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
    return render(
        request, "classrooms/cohort_detail.html", {"cohort": cohort, "rows": rows, "totals": totals, "link": link}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, token: str):
    """The page the link opens: choose a department, then sign up or log in (or, signed in, join)."""
    cohort = cohorts.active_cohort(token)
    if cohort is None:
        raise Http404
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
