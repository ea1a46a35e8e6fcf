from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "アカウント"

    def ready(self):
        from accounts import roles, signals  # noqa: F401

        post_migrate.connect(roles.ensure_groups_after_migrate, dispatch_uid="accounts.ensure_groups")
