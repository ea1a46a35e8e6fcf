from django import forms
from django.utils.translation import gettext_lazy as _


class ReflectionForm(forms.Form):
    label_suffix = ""
    text = forms.CharField(
        label=_("あなたの考え"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("あなただけが見られます。ほかの人や管理者には共有されません。いつでも削除できます。"),
        error_messages={
            "required": _("内容を入力してください。消したいときは「削除する」を押してください。"),
            "max_length": _("4000文字以内で入力してください（いまは%(show_value)d文字です）。"),
        },
    )
