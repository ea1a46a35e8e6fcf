"""H5P in the Wagtail admin: the list of activities, upload with a report, preview, and the
installed libraries with the activities that use them."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from h5p import services
from h5p.models import H5PContent, H5PLibrary
from h5p.package import MAX_PACKAGE_BYTES, PackageRefused
from h5p.player import player_origin

UPLOAD_PERMISSION = "h5p.add_h5pcontent"
VIEW_PERMISSION = "h5p.view_h5pcontent"


class UploadForm(forms.Form):
    package = forms.FileField(
        label=gettext_lazy("H5P ファイル（.h5p）"),
        help_text=gettext_lazy("H5P の編集ツールから書き出した .h5p ファイル。中身を検査してから登録します。"),
    )
    key = forms.SlugField(
        label=gettext_lazy("参照キー"),
        required=False,
        max_length=80,
        help_text=gettext_lazy(
            "レッスンの枠に書く識別子（半角英小文字・数字・ハイフン）。空ならタイトルから作ります。"
        ),
    )


def _check(request, permission):
    if not (request.user.has_perm(permission) or request.user.has_perm(UPLOAD_PERMISSION)):
        raise PermissionDenied


def content_list(request):
    _check(request, VIEW_PERMISSION)
    contents = H5PContent.objects.select_related("main_library").order_by("-uploaded_at")
    return render(
        request, "h5p/admin/index.html", {"contents": contents, "can_upload": request.user.has_perm(UPLOAD_PERMISSION)}
    )


def upload(request):
    _check(request, UPLOAD_PERMISSION)
    if not request.user.has_perm(UPLOAD_PERMISSION):
        raise PermissionDenied
    refusal = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            uploaded = form.cleaned_data["package"]
            if uploaded.size > MAX_PACKAGE_BYTES:
                refusal = _("ファイルが大きすぎます（上限 %(mb)d MB）。") % {"mb": MAX_PACKAGE_BYTES // (1024 * 1024)}
            else:
                try:
                    content = services.install(uploaded.read(), request.user, key=form.cleaned_data.get("key") or "")
                except PackageRefused as error:
                    refusal = error.message
                else:
                    messages.success(
                        request,
                        _("「%(title)s」を登録しました。検査の結果を確認してください。") % {"title": content.title},
                    )
                    return redirect(reverse("h5p_admin_report", args=[content.pk]))
            if refusal:
                form.add_error("package", refusal)
    else:
        form = UploadForm()
    return render(request, "h5p/admin/upload.html", {"form": form, "refusal": refusal}, status=400 if refusal else 200)


def report(request, pk: int):
    _check(request, VIEW_PERMISSION)
    content = get_object_or_404(H5PContent.objects.select_related("main_library", "uploaded_by"), pk=pk)
    return render(
        request,
        "h5p/admin/report.html",
        {
            "content": content,
            "libraries": content.libraries.order_by("machine_name"),
            "preview_src": f"{player_origin()}/h5p/player/{content.uuid}/",
            "problems": content.report.get("problems", []),
            "new_libraries": content.report.get("new_libraries", []),
        },
    )


def libraries(request):
    _check(request, "h5p.view_h5plibrary")
    rows = H5PLibrary.objects.prefetch_related("used_by").select_related("installed_by")
    return render(request, "h5p/admin/libraries.html", {"libraries": rows})


@hooks.register("register_admin_urls")
def register_h5p_admin_urls():
    return [
        path("h5p/", content_list, name="h5p_admin"),
        path("h5p/upload/", upload, name="h5p_admin_upload"),
        path("h5p/<int:pk>/", report, name="h5p_admin_report"),
        path("h5p/libraries/", libraries, name="h5p_admin_libraries"),
    ]


class H5PMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(UPLOAD_PERMISSION) or request.user.has_perm(VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_h5p_menu_item():
    return H5PMenuItem(gettext_lazy("H5P アクティビティ"), reverse("h5p_admin"), icon_name="media", order=320)
