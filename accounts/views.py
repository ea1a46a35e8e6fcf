import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import DeleteAccountForm, ProfileForm


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request):
    profile = services.get_or_create_profile(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile)
        if form.is_valid():
            form.save()
            messages.success(request, _("プロフィールを保存しました。"))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=profile)
    return render(request, "accounts/profile.html", {"profile": profile, "form": form})


@login_required
@never_cache
def my_data(request):
    data = services.export_user_data(request.user)
    return render(
        request, "accounts/my_data.html", {"data": data, "profile": services.get_or_create_profile(request.user)}
    )


@login_required
@never_cache
def export_json(request):
    data = services.export_user_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="tsunagari-my-data-{stamp}.json"'
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def delete_account(request):
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            services.delete_account(request, request.user)
            messages.success(request, _("アカウントを削除しました。ご利用ありがとうございました。"))
            return redirect("/")
    else:
        form = DeleteAccountForm(user=request.user)
    return render(request, "accounts/delete.html", {"form": form})


def admin_login(request):
    """Wagtail's own login form would skip two-factor: the admin signs in through allauth."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme, urlencode

    next_url = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
