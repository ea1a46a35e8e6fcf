from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

ADMIN_PREFIXES = ("/admin/", "/django-admin/")
# Pages of the admin that must stay reachable to leave or to set up two-factor.
ALLOWED_SUFFIXES = ("logout/", "jsi18n/")


def admin_two_factor_exempt(user) -> bool:
    """Development only: demo accounts may skip two-factor (the admin says so on every page)."""
    return bool(settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS and getattr(user, "is_demo", False))


class AdminTwoFactorMiddleware:
    """Anyone entering the Wagtail or Django admin must have TOTP set up and have used it to
    sign in this session; otherwise they are sent to set it up or to confirm it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            path.startswith(ADMIN_PREFIXES)
            and request.user.is_authenticated
            and admin_two_factor_exempt(request.user)
            and not request.session.get("demo_2fa_notice_shown")
        ):
            request.session["demo_2fa_notice_shown"] = True
            messages.warning(
                request,
                _("デモアカウントのため二段階認証を省略しています（開発環境のみ）。本番環境では必須です。"),
            )
        if (
            settings.ADMIN_REQUIRE_2FA
            and path.startswith(ADMIN_PREFIXES)
            and not path.endswith(ALLOWED_SUFFIXES)
            and request.user.is_authenticated
            and request.user.has_perm("wagtailadmin.access_admin")
            and not admin_two_factor_exempt(request.user)
        ):
            if not is_mfa_enabled(request.user, ["totp"]):
                messages.warning(
                    request,
                    _("管理画面を使うには二段階認証（認証アプリ）の設定が必要です。設定すると管理画面に進めます。"),
                )
                return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': path})}")
            records = get_authentication_records(request, request.user)
            if not any(record.get("method") == "mfa" for record in records):
                return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': path})}")
        return self.get_response(request)


class EditorCookieMiddleware:
    """Keeps the editor cookie (courses.caching.EDITOR_COOKIE) in step with the session's
    `can_edit` flag (set at login, accounts/signals.py). Lesson pages are shared by every reader
    and read no session; with this cookie an editor gets their own copy with Wagtail's user bar,
    and a proxy passes them by its cache (docs/deployment.md). The cookie grants nothing: the user
    bar checks the editor's permissions itself. Only responses that used the session anyway
    touch it, so shared pages stay cookie-free."""

    COOKIE = "tsunagari_editor"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return response
        editor = bool(session.get("can_edit"))
        if editor and not request.COOKIES.get(self.COOKIE):
            response.set_cookie(self.COOKIE, "1", httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        elif not editor and request.COOKIES.get(self.COOKIE):
            response.delete_cookie(self.COOKIE, samesite="Lax")
        return response
