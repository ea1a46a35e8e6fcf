from django import forms
from django.utils.translation import gettext_lazy as _

from analytics import stats
from analytics.models import Target
from core import reference
from core.enums import Audience, DeliveryType, Sector


class DashboardFilterForm(forms.Form):
    """Period, audience, delivery, sector, prefecture — the prefectures offered are the analyst's."""

    date_from = forms.DateField(label=_("期間（から）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("期間（まで）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    audience = forms.ChoiceField(label=_("対象"), required=False)
    delivery = forms.ChoiceField(label=_("実施形態"), required=False)
    sector = forms.ChoiceField(label=_("分野"), required=False)
    prefecture = forms.ChoiceField(label=_("都道府県"), required=False)

    def __init__(self, *args, scope: stats.Scope, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("すべて"))]
        self.fields["audience"].choices = everything + list(Audience.choices)
        self.fields["delivery"].choices = everything + list(DeliveryType.choices)
        self.fields["sector"].choices = everything + list(Sector.choices)
        prefectures = reference.PREFECTURE_CHOICES_WITH_NO_ANSWER
        if not scope.national:
            prefectures = [(c, n) for c, n in prefectures if c in scope.prefectures]
            everything = [("", _("担当のすべて"))]
        self.fields["prefecture"].choices = everything + list(prefectures)

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            raise forms.ValidationError(_("期間の「から」は「まで」より前の日付にしてください。"))
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day and day < stats.EARLIEST:
                self.add_error(name, _("%(first)s 以降の日付にしてください。") % {"first": stats.EARLIEST.isoformat()})
        return data

    def query(self) -> stats.Query:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        filters = {name: (data[name],) for name in ("audience", "delivery", "sector", "prefecture") if data.get(name)}
        return stats.Query((), filters, data.get("date_from"), data.get("date_to"))

    def as_params(self) -> str:
        from urllib.parse import urlencode

        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return urlencode({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items() if v})


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["fiscal_year", "prefecture", "target"]

    def __init__(self, *args, scope: stats.Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        choices = [("", _("全国")), *list(reference.PREFECTURE_CHOICES)]
        if not scope.national:
            choices = [(c, n) for c, n in reference.PREFECTURE_CHOICES if c in scope.prefectures]
        self.fields["prefecture"].choices = choices
        self.fields["prefecture"].required = not scope.national
        self.fields["fiscal_year"].help_text = _("西暦の開始年（例：2026 = 令和8年度）。")

    def clean_fiscal_year(self):
        year = self.cleaned_data["fiscal_year"]
        if not 2019 <= year <= 2100:
            raise forms.ValidationError(_("年度は2019から2100までの西暦で入力してください。"))
        return year

    def clean_target(self):
        target = self.cleaned_data["target"]
        if not 1 <= target <= 130_000_000:
            raise forms.ValidationError(_("目標人数は1から1億3000万までの数で入力してください。"))
        return target

    def clean_prefecture(self):
        code = self.cleaned_data.get("prefecture", "")
        if not self.scope.national and code not in self.scope.prefectures:
            raise forms.ValidationError(_("担当する都道府県を選んでください。"))
        return code

    def save(self, commit=True):
        # One target per year and area: setting it again updates it.
        existing = Target.objects.filter(
            fiscal_year=self.cleaned_data["fiscal_year"], prefecture=self.cleaned_data["prefecture"]
        ).first()
        if existing is not None:
            existing.target = self.cleaned_data["target"]
            self.instance = existing
        return super().save(commit)

    def validate_unique(self):  # save() updates the existing target instead
        pass
