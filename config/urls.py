from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from certificates import views as certificate_views
from config.api import api
from core import views as core_views

urlpatterns = [
    path("api/v1/", api.urls),
    # Anything else under /api/ is a JSON 404 at once (no slash redirect, no Wagtail page).
    re_path(r"^api/", core_views.page_not_found, name="api_not_found"),
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("django-admin/login/", account_views.admin_login),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path(".well-known/jwks.json", certificate_views.jwks, name="jwks"),
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True)),
]

if settings.SHOW_DEV_MAILBOX:
    urlpatterns += [path("dev/mailbox/", core_views.dev_mailbox, name="dev_mailbox")]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("learn/", include("courses.urls")),
    path("certificates/", include("certificates.urls")),
    path("", include("analytics.urls")),
    path("", include("classrooms.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

handler400 = "core.views.bad_request"
handler404 = "core.views.page_not_found"
handler403 = "core.views.permission_denied"
handler500 = "core.views.server_error"
handler429 = "core.views.too_many_requests"  # read by allauth's rate limits
