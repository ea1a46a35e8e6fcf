"""Lecturers file session reports (site pages); analysts approve, return, correct and import them (admin)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import session_reports, stats
from analytics.models import ReportStatus, SessionReport, SessionReportLine
from core import reference
from core.enums import AgeBand, Sector

LECTURER_PERMISSION = "accounts.file_session_reports"
LINE_ROWS = 8


class ReportForm(forms.ModelForm):
    class Meta:
        model = SessionReport
        fields = ["held_on", "place", "prefecture", "municipality", "delivery", "audience", "organiser"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].choices = [("", _("選んでください")), *list(reference.PREFECTURE_CHOICES)]

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        try:
            session_reports.check_date(day)
        except session_reports.ReportError as error:
            raise forms.ValidationError(error.message) from error
        return day


class LineForm(forms.Form):
    sector = forms.ChoiceField(label=gettext_lazy("分野"), required=False)
    age_band = forms.ChoiceField(label=gettext_lazy("年代"), required=False)
    attendees = forms.IntegerField(
        label=gettext_lazy("人数"),
        required=False,
        min_value=1,
        max_value=session_reports.MAX_ATTENDEES_PER_REPORT,
        error_messages={
            "min_value": gettext_lazy("人数は1以上にしてください。"),
            "max_value": gettext_lazy("人数が多すぎます。数字を確かめてください。"),
            "invalid": gettext_lazy("人数は整数で入力してください。"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", "—"), *list(Sector.choices)]
        self.fields["age_band"].choices = [("", "—"), *list(AgeBand.choices)]

    def clean(self):
        data = super().clean()
        filled = [bool(data.get(n)) for n in ("sector", "age_band", "attendees")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("分野・年代・人数をそろえて入力してください。"))
        return data


LineFormSet = forms.formset_factory(LineForm, extra=LINE_ROWS, max_num=40, absolute_max=40)


def _lines(formset) -> list[tuple[str, str, int]]:
    return [
        (f.cleaned_data["sector"], f.cleaned_data["age_band"], f.cleaned_data["attendees"])
        for f in formset.forms
        if f.cleaned_data.get("attendees")
    ]


def _lecturer(request):
    if not request.user.has_perm(LECTURER_PERMISSION):
        raise PermissionDenied


@login_required
def my_reports(request):
    _lecturer(request)
    reports = SessionReport.objects.filter(lecturer=request.user).prefetch_related("lines")
    return render(request, "analytics/reports/list.html", {"reports": reports})


@login_required
def edit_report(request, pk: int | None = None):
    _lecturer(request)
    report = get_object_or_404(SessionReport, pk=pk, lecturer=request.user) if pk else None
    if report and report.status == ReportStatus.APPROVED:
        messages.info(request, _("承認済みの報告は変更できません。訂正は分析担当に依頼してください。"))
        return redirect("session_reports")
    initial_lines = [
        {"sector": line.sector, "age_band": line.age_band, "attendees": line.attendees}
        for line in (report.lines.all() if report else [])
    ]
    form = ReportForm(request.POST or None, instance=report)
    formset = LineFormSet(request.POST or None, initial=initial_lines, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {name: form.cleaned_data[name] for name in ReportForm.Meta.fields}
        try:
            if report is None:
                session_reports.file_report(lecturer=request.user, fields=fields, lines=_lines(formset))
            else:
                session_reports.resubmit(report, lecturer=request.user, fields=fields, lines=_lines(formset))
        except session_reports.ReportError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("実施報告を提出しました。分析担当が確認します。"))
            return redirect("session_reports")
    return render(request, "analytics/reports/form.html", {"form": form, "formset": formset, "report": report})


# --- analysts, in the admin ------------------------------------------------------------------------


def _analyst(request) -> stats.Scope:
    scope = stats.scope_for(request.user)
    if not scope.exact:
        raise PermissionDenied
    return scope


def _in_scope(scope):
    reports = SessionReport.objects.all()
    if not scope.national:
        reports = reports.filter(prefecture__in=scope.prefectures)
    return reports


def review_list(request):
    scope = _analyst(request)
    status = request.GET.get("status", ReportStatus.SUBMITTED)
    if status not in ReportStatus.values:
        status = ReportStatus.SUBMITTED
    reports = (
        _in_scope(scope)
        .filter(status=status)
        .select_related("lecturer")
        .prefetch_related(Prefetch("lines", queryset=SessionReportLine.objects.all()))[:200]
    )
    return render(
        request,
        "analytics/admin/reports.html",
        {"reports": reports, "status": status, "statuses": ReportStatus.choices},
    )


def review(request, pk: int):
    scope = _analyst(request)
    report = get_object_or_404(_in_scope(scope), pk=pk)
    lines = list(report.lines.all())
    formset = LineFormSet(
        request.POST or None,
        initial=[{"sector": x.sector, "age_band": x.age_band, "attendees": x.attendees} for x in lines],
        prefix="lines",
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                session_reports.approve(report, actor=request.user)
                messages.success(request, _("承認しました。修了者数に加えました。"))
            elif action == "return":
                session_reports.return_report(report, actor=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("差し戻しました。"))
            elif action == "correct":
                if not formset.is_valid():
                    raise session_reports.ReportError(_("参加者の内訳に誤りがあります。"))
                session_reports.correct(
                    report, actor=request.user, lines=_lines(formset), reason=request.POST.get("reason", "")
                )
                messages.success(request, _("訂正しました。差分を修了者数に反映し、記録に残しました。"))
            else:
                raise session_reports.ReportError(_("操作を選んでください。"))
        except session_reports.ReportError as error:
            messages.error(request, error.message)
        return redirect(reverse("analytics_report", args=[report.pk]))
    return render(
        request,
        "analytics/admin/report.html",
        {
            "report": report,
            "lines": lines,
            "formset": formset,
            "events": report.events.select_related("actor"),
        },
    )


def import_reports(request):
    _analyst(request)
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("ファイルを選んでください。"))
        elif upload.size > session_reports.MAX_IMPORT_BYTES:
            messages.error(request, _("ファイルが大きすぎます（2MBまで）。"))
        else:
            try:
                result = session_reports.import_reports(
                    actor=request.user, name=upload.name, data=upload.read(session_reports.MAX_IMPORT_BYTES + 1)
                )
            except session_reports.ReportError as error:
                messages.error(request, error.message)
            else:
                if result.errors:
                    messages.error(request, _("誤りがあるため、1件も取り込んでいません。下の一覧を直してください。"))
                else:
                    messages.success(
                        request,
                        _("%(r)s 件の報告（%(n)s 人）を取り込み、承認しました。")
                        % {"r": result.reports, "n": f"{result.attendees:,}"},
                    )
    return render(
        request,
        "analytics/admin/import.html",
        {"result": result, "columns": session_reports.IMPORT_COLUMNS},
    )
