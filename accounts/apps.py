from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "アカウント"

    def ready(self):
        from accounts import roles, signals  # noqa: F401
        from accounts.exporters import SECTIONS
        from accounts.services import register_exporter

        for key, exporter in SECTIONS.items():
            register_exporter(key, exporter)

        post_migrate.connect(roles.ensure_groups_after_migrate, dispatch_uid="accounts.ensure_groups")
