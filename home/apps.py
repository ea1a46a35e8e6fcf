from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "ホーム・固定ページ"

    def ready(self):
        from home import signals  # noqa: F401
