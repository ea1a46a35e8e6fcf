"""Roles are groups with exactly the permissions they need.

`ensure_groups()` creates or updates them; it runs after every `migrate` and is idempotent.
Only editors, moderators and analysts (and superusers) get `wagtailadmin.access_admin`.
"""

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

EDITOR = "編集者"
MODERATOR = "編集責任者（承認）"
TEACHER = "教員"
ORGANISATION_LEADER = "団体リーダー"
LECTURER = "講師"
ANALYST = "分析担当"

# Wagtail creates these two groups in its own migrations (with page and collection permissions,
# and the Moderators group on the default moderation workflow); we give them Japanese names.
WAGTAIL_DEFAULT_NAMES = {EDITOR: "Editors", MODERATOR: "Moderators"}

SNIPPET_PERMISSIONS = [
    f"{app}.{action}_{model}"
    for app, model in (("home", "helpresource"), ("quizzes", "question"), ("quizzes", "quiz"), ("quizzes", "survey"))
    for action in ("add", "change", "delete")
]

# The certificate template: editors add and change it (no delete: issued certificates keep its versions).
CERTIFICATE_TEMPLATE_PERMISSIONS = ["certificates.add_certificatetemplate", "certificates.change_certificatetemplate"]

# H5P: editors upload and view activities and see the libraries; adding a new library version
# (h5p.add_h5plibrary) is left to administrators.
H5P_PERMISSIONS = ["h5p.add_h5pcontent", "h5p.view_h5pcontent", "h5p.view_h5plibrary"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: ["wagtailadmin.access_admin", *SNIPPET_PERMISSIONS, *CERTIFICATE_TEMPLATE_PERMISSIONS, *H5P_PERMISSIONS],
    MODERATOR: ["wagtailadmin.access_admin", *SNIPPET_PERMISSIONS, *CERTIFICATE_TEMPLATE_PERMISSIONS, *H5P_PERMISSIONS],
    TEACHER: ["accounts.run_class_sessions"],
    ORGANISATION_LEADER: ["accounts.lead_organisation"],
    LECTURER: ["accounts.file_session_reports"],
    ANALYST: ["wagtailadmin.access_admin", "accounts.view_analytics"],
}


def _permission(dotted: str) -> Permission | None:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


@transaction.atomic
def ensure_groups() -> dict[str, Group]:
    groups = {}
    for name, permission_names in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None and name in WAGTAIL_DEFAULT_NAMES:
            group = Group.objects.filter(name=WAGTAIL_DEFAULT_NAMES[name]).first()
            if group is not None:
                group.name = name
                group.save(update_fields=["name"])
        if group is None:
            group = Group.objects.create(name=name)
        wanted = [p for p in (_permission(n) for n in permission_names) if p is not None]
        # Model permissions the role should have, and no others (page and collection
        # permissions are Wagtail's own tables and stay as Wagtail set them).
        group.permissions.set(wanted)
        groups[name] = group
    return groups


def _last_app_with_models() -> str:
    return [config.label for config in django_apps.get_app_configs() if config.models_module is not None][-1]


def ensure_groups_after_migrate(sender, **kwargs):
    # post_migrate is sent once per app; permissions of later apps exist only at the last one.
    if sender.label == _last_app_with_models():
        ensure_groups()
