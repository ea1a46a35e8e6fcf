from django.conf import settings
from django.core.management.base import BaseCommand

from classrooms import services


class Command(BaseCommand):
    help = (
        "End the classes whose day is over (counting their completions once), then delete the nicknames and "
        "progress of classes that ended more than N days ago (CLASSROOM_RETENTION_DAYS, default 30). "
        "Run daily (see docs/classrooms.md). The counts in analytics stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"days to keep after a class ends (default: {settings.CLASSROOM_RETENTION_DAYS})",
        )

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.CLASSROOM_RETENTION_DAYS
        if days < 0:
            self.stderr.write("--days must be 0 or more")
            return
        result = services.purge(days=days)
        self.stdout.write(
            self.style.SUCCESS(
                f"期限切れのクラスを終了: {result.ended} / ニックネーム等を削除したクラス: {result.purged_sessions}"
                f"（児童・生徒 {result.deleted_pupils}人分）/ 保存期間 {days}日"
            )
        )
