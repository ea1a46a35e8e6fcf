from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LearnerProfile
from core import reference
from core.enums import AgeBand, Sex

BLANK = [("", _("選択してください"))]


def _choice_field(label, choices, help_text, what):
    return forms.ChoiceField(
        label=label,
        choices=BLANK + list(choices),
        help_text=help_text,
        error_messages={
            "required": _("%(what)sを選んでください（「回答しない」も選べます）。") % {"what": what},
            "invalid_choice": _("%(what)sの選択肢にない値です。一覧から選んでください。") % {"what": what},
        },
    )


class ProfileFieldsMixin(forms.Form):
    """The learner profile fields, shared by signup and the profile page."""

    display_name = forms.CharField(
        label=_("表示名（修了証に印字する名前・任意）"),
        max_length=60,
        required=False,
        help_text=_("修了証に印字されます。本名でなくてもかまいません。後から変更できます。"),
    )
    prefecture = _choice_field(
        _("お住まい・お勤めの都道府県"),
        reference.PREFECTURE_CHOICES_WITH_NO_ANSWER,
        _("都道府県ごとの受講者数の集計に使います。"),
        _("都道府県"),
    )
    municipality = forms.CharField(
        label=_("市区町村（任意）"),
        max_length=40,
        required=False,
        help_text=_("例：千代田区。空欄でもかまいません。"),
    )
    sector = _choice_field(
        _("分野"),
        reference.SELF_SELECTABLE_SECTORS,
        _("お仕事や活動の分野です。分野ごとの集計に使います。"),
        _("分野"),
    )
    age_band = _choice_field(_("年代"), AgeBand.choices, _("年代ごとの集計に使います。"), _("年代"))
    sex = forms.ChoiceField(
        label=_("性別（任意）"),
        choices=Sex.choices,
        initial=Sex.NO_ANSWER,
        required=False,
        error_messages={"invalid_choice": _("性別の選択肢にない値です。一覧から選んでください。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        if "email" in self.fields:
            self.fields["email"].label = _("メールアドレス")

    profile_fields = ["display_name", "prefecture", "municipality", "sector", "age_band", "sex"]

    def clean_display_name(self):
        import unicodedata

        name = " ".join((self.cleaned_data.get("display_name") or "").split())
        if any(unicodedata.category(ch).startswith("C") for ch in name):
            raise forms.ValidationError(_("表示名に制御文字は使えません。"))
        return name

    def clean_municipality(self):
        return " ".join((self.cleaned_data.get("municipality") or "").split())

    def clean_sex(self):
        return self.cleaned_data.get("sex") or Sex.NO_ANSWER

    def profile_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.profile_fields}


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["login"].label = _("メールアドレス")


class SignupForm(ProfileFieldsMixin, AllauthSignupForm):
    """allauth's signup (email, password twice) plus the profile and consent to the purpose of use,
    saved in one transaction: either the account and its profile exist, or neither does."""

    agree_purpose = forms.BooleanField(
        label=_("上記の利用目的に同意します"),
        required=True,
        error_messages={"required": _("登録するには、利用目的への同意が必要です。")},
    )

    def save(self, request):
        with transaction.atomic():
            user = super().save(request)
            LearnerProfile.objects.create(user=user, **self.profile_values(), purpose_agreed_at=timezone.now())
        return user


class ProfileForm(ProfileFieldsMixin):
    def __init__(self, *args, instance: LearnerProfile | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.profile_fields}
        super().__init__(*args, **kwargs)

    def save(self) -> LearnerProfile:
        for name, value in self.profile_values().items():
            setattr(self.instance, name, value)
        self.instance.full_clean(exclude=["user"])
        self.instance.save()
        return self.instance


class DeleteAccountForm(forms.Form):
    label_suffix = ""

    password = forms.CharField(
        label=_("確認のため、パスワードを入力してください"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("パスワードを入力してください。")},
    )
    confirm = forms.BooleanField(
        label=_("アカウントと記録を削除することを理解しました"),
        error_messages={"required": _("削除するには、確認のチェックを入れてください。")},
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("パスワードが正しくありません。"))
        return password
