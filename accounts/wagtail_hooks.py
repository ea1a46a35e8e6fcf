from django.utils.translation import gettext_lazy as _
from laces.components import Component
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.middleware import admin_two_factor_exempt
from accounts.models import AnalystScope


class DemoTwoFactorNoticePanel(Component):
    name = "demo_2fa_notice"
    order = 10
    template_name = "accounts/admin/demo_2fa_notice.html"


@hooks.register("construct_homepage_panels")
def add_demo_notice(request, panels):
    if admin_two_factor_exempt(request.user):
        panels.insert(0, DemoTwoFactorNoticePanel())


class AnalystScopeViewSet(ModelViewSet):
    model = AnalystScope
    icon = "view"
    menu_label = _("統計の閲覧範囲")
    add_to_settings_menu = True
    list_display = ["user", "is_national", "prefectures"]
    form_fields = ["user", "is_national", "prefectures"]
    panels = [FieldPanel("user"), FieldPanel("is_national"), FieldPanel("prefectures")]


@hooks.register("register_admin_viewset")
def register_analyst_scope_viewset():
    return AnalystScopeViewSet("analyst_scopes")
