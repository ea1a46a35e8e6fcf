from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "共通"

    def ready(self):
        from core import signals  # noqa: F401 - connects the route-map invalidation
