from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from classrooms import services
from classrooms.models import JOIN_CODE_LENGTH, NICKNAME_MAX_LENGTH, ClassSession
from core import reference
from core.enums import Audience, SchoolGrade
from courses.models import CoursePage


def _percent_lazy(message, values):
    """A help text formatted when it is shown, in the language of that request."""
    return lazy(lambda: str(message) % values, str)()


MAX_NAMES = 60


class ClassSessionForm(forms.ModelForm):
    """The teacher's new class. The children's course is chosen unless the teacher picks another."""

    prefecture = forms.ChoiceField(
        label=_("都道府県"), choices=[("", _("選んでください")), *reference.PREFECTURE_CHOICES]
    )
    grade = forms.ChoiceField(label=_("学年"), choices=[("", _("選んでください")), *SchoolGrade.choices])
    held_on = forms.DateField(
        label=_("実施日"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("この日の終わり（日本時間の24時）に参加コードが使えなくなります。延長もできます。"),
    )

    class Meta:
        model = ClassSession
        fields = ["school_name", "prefecture", "municipality", "grade", "course", "held_on"]
        help_texts = {
            "school_name": _("教員の画面にだけ表示します。統計には使いません。"),
            "municipality": _("任意。統計で市区町村ごとに数えるときに使います。"),
            "course": _("ふつうは「こども向け」の講座です。ほかの講座も選べます。"),
        }
        error_messages = {
            "school_name": {"required": _("学校名を入力してください。")},
            "course": {"required": _("講座を選んでください。"), "invalid_choice": _("選べない講座です。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = CoursePage.objects.live().order_by("path")
        self.fields["course"].queryset = courses
        self.fields["course"].empty_label = None
        self.fields["prefecture"].error_messages["required"] = _("都道府県を選んでください。")
        self.fields["grade"].error_messages["required"] = _("学年を選んでください。")
        self.fields["held_on"].error_messages.update(
            {"required": _("実施日を入力してください。"), "invalid": _("実施日は 2026-11-27 の形で入力してください。")}
        )
        if not self.is_bound:
            children = next((c for c in courses if c.audience == Audience.CHILDREN), None)
            if children is not None:
                self.initial.setdefault("course", children.pk)
            self.initial.setdefault("held_on", timezone.localdate())

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        today = timezone.localdate()
        if held_on < today:
            raise forms.ValidationError(_("過去の日付は選べません。今日以降の日付にしてください。"))
        if (held_on - today).days > 366:
            raise forms.ValidationError(_("実施日は1年以内の日付にしてください。"))
        return held_on

    def clean_school_name(self):
        name = " ".join(self.cleaned_data["school_name"].split())
        if not name:
            raise forms.ValidationError(_("学校名を入力してください。"))
        return name


class JoinForm(forms.Form):
    """What a pupil types: the class code and a nickname. Nothing else."""

    code = forms.CharField(
        label=_("クラスのコード"),
        max_length=JOIN_CODE_LENGTH + 6,
        help_text=_("先生が見せている6文字"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "join-code-input",
            }
        ),
        error_messages={"required": _("クラスのコードを入れてね。")},
    )
    nickname = forms.CharField(
        label=_("ニックネーム"),
        max_length=NICKNAME_MAX_LENGTH * 2,
        help_text=_percent_lazy(
            _("%(max)d文字まで。本当の名前やメールアドレスは書かないでね。"), {"max": NICKNAME_MAX_LENGTH}
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("ニックネームを入れてね。")},
    )

    def clean_code(self):
        code = services.normalise_code(self.cleaned_data["code"])
        if len(code) != JOIN_CODE_LENGTH:
            raise forms.ValidationError(_("コードは6文字だよ。先生が見せているコードを、もう一度たしかめてね。"))
        return code

    def clean_nickname(self):
        try:
            nickname, _key = services.clean_nickname(self.cleaned_data["nickname"])
        except services.ClassroomError as error:
            raise forms.ValidationError(error.message) from None
        return nickname


class CertificateNamesForm(forms.Form):
    """Names typed or pasted at print time (one per line), or the nicknames. Never stored."""

    use_nicknames = forms.BooleanField(
        label=_("名前の代わりに、修了した児童・生徒のニックネームで印刷する"), required=False
    )
    names = forms.CharField(
        label=_("名前（1行に1人）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_percent_lazy(
            _("最大%(max)d人。名前はこの画面で印刷に使うだけで、保存しません。"), {"max": MAX_NAMES}
        ),
    )

    def __init__(self, *args, nicknames=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nicknames = list(nicknames)

    def clean(self):
        from certificates.services import CertificateError, clean_holder_name

        data = super().clean()
        if data.get("use_nicknames"):
            raw = self.nicknames
            if not raw:
                raise forms.ValidationError(_("修了した児童・生徒がいないため、ニックネームでは印刷できません。"))
        else:
            raw = [line for line in (data.get("names") or "").splitlines() if line.strip()]
            if not raw:
                self.add_error("names", _("名前を1行に1人ずつ入力してください。"))
                return data
        if len(raw) > MAX_NAMES:
            self.add_error(
                "names",
                _("一度に印刷できるのは%(max)d人までです（いまは%(n)d人）。") % {"max": MAX_NAMES, "n": len(raw)},
            )
            return data
        names, problems = [], []
        for number, name in enumerate(raw, start=1):
            try:
                names.append(clean_holder_name(name))
            except CertificateError as error:
                problems.append(_("%(n)d行目：%(reason)s") % {"n": number, "reason": error.message})
        if problems:
            self.add_error("names", problems)
        data["name_list"] = names
        return data


class CohortForm(forms.Form):
    """An organisation leader's sign-up link for staff training."""

    name = forms.CharField(
        label=_("団体名"), max_length=100, error_messages={"required": _("団体名を入力してください。")}
    )
    sector = forms.ChoiceField(
        label=_("分野"),
        choices=[("", _("選んでください")), *[c for c in reference.SELF_SELECTABLE_SECTORS if c[0] != "no_answer"]],
        error_messages={"required": _("分野を選んでください。")},
    )
    prefecture = forms.ChoiceField(
        label=_("都道府県"),
        choices=[("", _("選んでください")), *reference.PREFECTURE_CHOICES],
        error_messages={"required": _("都道府県を選んでください。")},
    )
    departments = forms.CharField(
        label=_("部署（任意）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("1行に1つ。参加する人が選びます。部署ごとの人数だけを集計し、個人の回答は見られません。"),
    )

    def clean_departments(self):
        from classrooms.cohorts import CohortError, parse_departments

        try:
            return parse_departments(self.cleaned_data["departments"])
        except CohortError as error:
            raise forms.ValidationError(error.message) from None
