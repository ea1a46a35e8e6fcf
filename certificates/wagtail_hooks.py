from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from certificates import services
from certificates.models import Certificate, CertificateTemplate

PERMISSION = "certificates.change_certificate"


def _check(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def certificate_admin(request, code: str = ""):
    """Find a certificate by number; revoke it with a reason, or reissue it under a new name."""
    _check(request)
    if not code and request.GET.get("code"):
        return redirect(reverse("certificates_admin_detail", args=[services.normalise_code(request.GET["code"])]))
    certificate = Certificate.objects.filter(code=services.normalise_code(code)).first() if code else None
    if code and certificate is None:
        messages.error(request, _("この番号の修了証は見つかりませんでした。"))
    if certificate is not None and request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.revoke(certificate, actor=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("修了証を取り消しました。"))
            elif request.POST.get("action") == "reissue":
                new = services.reissue(
                    certificate,
                    actor=request.user,
                    holder_name=request.POST.get("holder_name", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request,
                    _("再発行しました。新しい番号は %(code)s です。") % {"code": services.format_code(new.code)},
                )
                return redirect(reverse("certificates_admin_detail", args=[new.code]))
        except services.CertificateError as error:
            messages.error(request, error.message)
        return redirect(reverse("certificates_admin_detail", args=[certificate.code]))
    return render(
        request,
        "certificates/admin/certificate.html",
        {
            "certificate": certificate,
            "code": code,
            "formatted": services.format_code(certificate.code) if certificate else "",
            "events": certificate.events.select_related("actor") if certificate else [],
        },
    )


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [
        path("certificates/", certificate_admin, name="certificates_admin"),
        path("certificates/<str:code>/", certificate_admin, name="certificates_admin_detail"),
    ]


class CertificateMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_menu_item")
def register_certificate_menu_item():
    return CertificateMenuItem(
        gettext_lazy("修了証"), reverse("certificates_admin"), icon_name="doc-full-inverse", order=400
    )


class _WithoutAutosave:
    """Wagtail autosaves revision-enabled snippets while the editor types. Without a draft state
    that would make half-typed designs live (and freeze them as versions): saving the template is
    a deliberate act here, after checking the live preview."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.autosave_enabled = False


class CertificateTemplateCreateView(_WithoutAutosave, CreateView):
    pass


class CertificateTemplateEditView(_WithoutAutosave, EditView):
    pass


class CertificateTemplateViewSet(SnippetViewSet):
    """Editors design the certificate here; the preview panel shows a sample PDF (見本) with the
    values typed so far, before saving."""

    model = CertificateTemplate
    add_view_class = CertificateTemplateCreateView
    edit_view_class = CertificateTemplateEditView
    icon = "doc-full"
    menu_label = gettext_lazy("修了証テンプレート")
    menu_order = 410
    add_to_admin_menu = True
    list_display = ["name", "is_active", "title", "issuer_name"]
    panels = [
        FieldPanel("name"),
        FieldPanel("is_active"),
        MultiFieldPanel(
            [FieldPanel("title"), FieldPanel("subtitle"), FieldPanel("body"), FieldPanel("issuer_name")],
            heading=gettext_lazy("文字"),
        ),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("signature")], heading=gettext_lazy("画像")),
        MultiFieldPanel([FieldPanel("primary_colour"), FieldPanel("text_colour")], heading=gettext_lazy("色")),
    ]


register_snippet(CertificateTemplateViewSet)
