from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from home.models import HelpResource


class HelpResourceViewSet(SnippetViewSet):
    model = HelpResource
    icon = "help"
    menu_label = "相談窓口"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "phone", "audience", "last_verified", "is_active"]
    list_filter = ["audience", "is_active"]
    search_fields = ["name", "description"]


register_snippet(HelpResourceViewSet)
