import os

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import AnalystScope, LearnerProfile, User

# (email, password, role label, groups, superuser, analyst scope, profile)
DEMO_ACCOUNTS = [
    ("admin@example.jp", "demo-admin-2026", "管理者 / administrator", [], True, None, None),
    ("editor@example.jp", "demo-editor-2026", "編集者 / editor", [roles.EDITOR], False, None, None),
    ("teacher@example.jp", "demo-teacher-2026", "教員 / teacher", [roles.TEACHER], False, None, None),
    (
        "analyst@example.jp",
        "demo-analyst-2026",
        "分析担当（全国）/ national analyst",
        [roles.ANALYST],
        False,
        "national",
        None,
    ),
    (
        "analyst-tokyo@example.jp",
        "demo-tokyo-2026",
        "分析担当（東京都）/ prefectural analyst",
        [roles.ANALYST],
        False,
        ["13"],
        None,
    ),
    ("lecturer@example.jp", "demo-lecturer-2026", "講師 / lecturer", [roles.LECTURER], False, None, None),
    (
        "learner@example.jp",
        "demo-learner-2026",
        "受講者 / learner",
        [],
        False,
        None,
        {"display_name": "つながり 花子", "prefecture": "27", "sector": "resident", "age_band": "40s"},
    ),
]


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and print them with their passwords (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Allow on a non-DEBUG settings module.")

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "デモアカウントは開発環境でのみ作成できます（DEBUG=False）。Demo accounts are for development only."
            )
        groups = roles.ensure_groups()
        rows = []
        for email, password, label, group_names, superuser, scope, profile in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(email=email)
            user.is_demo = True
            user.is_active = True
            user.is_superuser = superuser
            user.is_staff = superuser
            if not user.check_password(password):
                user.set_password(password)
            user.save()
            user.groups.set([groups[name] for name in group_names])
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            if scope is not None:
                AnalystScope.objects.update_or_create(
                    user=user,
                    defaults={"is_national": scope == "national", "prefectures": [] if scope == "national" else scope},
                )
            LearnerProfile.objects.get_or_create(
                user=user, defaults={**(profile or {}), "purpose_agreed_at": timezone.now()}
            )
            rows.append((label, email, password))
        width = max(len(r[1]) for r in rows)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("デモアカウント / demo accounts (development only):"))
        for label, email, password in rows:
            self.stdout.write(f"  {email.ljust(width)}  {password.ljust(18)}  {label}")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"  管理画面 / admin: http://127.0.0.1:{port}/admin/")
        self.stdout.write("  (demo accounts skip two-factor in development only; the admin says so)")
        self.stdout.write("")
