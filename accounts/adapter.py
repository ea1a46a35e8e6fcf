from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_taken": _(
            "このメールアドレスはすでに登録されています。ログインするか、パスワードの再設定をしてください。"
        ),
    }

    def save_user(self, request, user, form, commit=True):
        # The user and the profile (saved by SignupProfileForm.signup) go in together or not at all.
        with transaction.atomic():
            return super().save_user(request, user, form, commit=commit)

    def clean_email(self, email):
        return super().clean_email(email).strip().lower()
