"""The public statistics page with open-data downloads, and the analysts' dashboard in the admin."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET

from analytics import reports, stats
from analytics.forms import DashboardFilterForm, TargetForm
from analytics.models import Target
from analytics.tilemap import HEIGHT, WIDTH
from core import dates, reference

PUBLIC_CACHE_SECONDS = 300


def _download(table: reports.Table, fmt: str, stem: str) -> HttpResponse:
    if fmt not in reports.EXPORTERS:
        raise Http404
    render_bytes, content_type = reports.EXPORTERS[fmt]
    response = HttpResponse(render_bytes(table), content_type=content_type)
    filename = f"{stem}-{table.key}-{timezone.localdate().isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@cache_page(PUBLIC_CACHE_SECONDS)
def public_stats(request):
    """National figures for everyone: small cells suppressed, with the map and open data."""
    scope = stats.PUBLIC
    query = stats.Query()
    tables = {key: reports.build(key, query, scope) for key in ("prefecture", "sector", "month")}
    per_capita, tiles = reports.per_capita(query, scope)
    return render(
        request,
        "analytics/public_stats.html",
        {
            "totals": reports.totals(query, scope),
            "tables": tables,
            "per_capita": per_capita,
            "tiles": tiles,
            "legend": reports.legend(tiles),
            "map_width": WIDTH,
            "map_height": HEIGHT,
            "datasets": reports.PUBLIC_TABLES,
            "licence": reports.LICENCE,
            "licence_url": reports.LICENCE_URL,
            "threshold": stats.SUPPRESS_BELOW,
            "today": timezone.localdate(),
        },
    )


@require_GET
def public_download(request, dataset: str, fmt: str):
    if dataset not in reports.PUBLIC_TABLES or fmt not in ("csv", "json", "xlsx"):
        raise Http404
    return _download(reports.build(dataset, stats.Query(), stats.PUBLIC), fmt, "tsunagari-open-data")


# --- the analysts' dashboard (Wagtail admin) -----------------------------------------------------


def _analyst_scope(request) -> stats.Scope:
    scope = stats.scope_for(request.user)
    if not scope.exact:
        raise PermissionDenied
    return scope


def dashboard(request):
    scope = _analyst_scope(request)
    form = DashboardFilterForm(request.GET or None, scope=scope)
    query = stats.Query() if form.is_bound and not form.is_valid() else form.query()
    try:
        tables = {key: reports.build(key, query, scope) for key in reports.DASHBOARD_TABLES if key != "per_capita"}
        per_capita, tiles = reports.per_capita(query, scope)
        totals = reports.totals(query, scope)
    except stats.ScopeError as error:
        raise PermissionDenied(str(error)) from error
    return render(
        request,
        "analytics/admin/dashboard.html",
        {
            "form": form,
            "params": form.as_params(),
            "scope": scope,
            "scope_label": _scope_label(scope),
            "totals": totals,
            "tables": tables,
            "per_capita": per_capita,
            "tiles": tiles,
            "legend": reports.legend(tiles),
            "map_width": WIDTH,
            "map_height": HEIGHT,
            "targets": _targets(scope),
            "target_form": TargetForm(scope=scope, initial={"fiscal_year": dates.fiscal_year(timezone.localdate())}),
            "surveys": _survey_changes(),
        },
    )


def dashboard_export(request, table: str, fmt: str):
    scope = _analyst_scope(request)
    if table not in reports.DASHBOARD_TABLES and table != "targets":
        raise Http404
    form = DashboardFilterForm(request.GET or None, scope=scope)
    if form.is_bound and not form.is_valid():
        return HttpResponse(" ".join(" ".join(e) for e in form.errors.values()), status=400)
    try:
        built = reports.build(table, form.query(), scope) if table != "targets" else _targets_table(scope)
    except stats.ScopeError as error:
        raise PermissionDenied(str(error)) from error
    return _download(built, fmt, "tsunagari")


def set_target(request):
    scope = _analyst_scope(request)
    if request.method != "POST":
        return redirect("analytics_dashboard")
    form = TargetForm(request.POST, scope=scope)
    if form.is_valid():
        target = form.save(commit=False)
        target.set_by = request.user
        target.save()
        messages.success(request, _("目標を保存しました。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("analytics_dashboard") + "#targets")


def _scope_label(scope: stats.Scope) -> str:
    if scope.national:
        return _("全国")
    return "・".join(reference.prefecture_label(code) for code in sorted(scope.prefectures))


def _targets(scope: stats.Scope) -> list[dict]:
    targets = Target.objects.all()
    if not scope.national:
        targets = targets.filter(prefecture__in=scope.prefectures)
    rows = []
    for target in targets:
        filters = {"prefecture": (target.prefecture,)} if target.prefecture else {}
        query = stats.Query(
            (),
            filters,
            datetime.date(target.fiscal_year, 4, 1),
            datetime.date(target.fiscal_year + 1, 3, 31),
        )
        done = stats.compute(query, scope).total or 0
        rows.append(
            {
                "target": target,
                "year_label": dates.fiscal_year_label(target.fiscal_year),
                "area": reference.prefecture_label(target.prefecture) if target.prefecture else _("全国"),
                "done": done,
                "percent": round(100 * done / target.target, 1),
                "bar": min(100, round(100 * done / target.target, 1)),
            }
        )
    return rows


def _targets_table(scope: stats.Scope) -> reports.Table:
    rows = [[r["year_label"], r["area"], r["target"].target, r["done"], r["percent"]] for r in _targets(scope)]
    return reports.Table(
        key="targets",
        title=_("目標の達成状況"),
        columns=[_("年度"), _("地域"), _("目標人数"), _("修了者数"), _("達成率（%）")],
        rows=rows,
    )


def _survey_changes() -> list[dict]:
    """Pre/post self-assessment: average change per item (hidden under 10 answers)."""
    from quizzes.models import Survey
    from quizzes.services import survey_changes

    return [{"survey": survey, "items": survey_changes(survey)} for survey in Survey.objects.all()]
