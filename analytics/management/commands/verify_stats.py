from django.core.management.base import BaseCommand, CommandError

from analytics import integrity


class Command(BaseCommand):
    help = (
        "集計待ちの修了記録を集計値に加えてから、集計値を修了記録から計算し直して照合します。"
        "違いがあれば一覧を表示して終了コード1で終わります。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="表示する違いの上限")

    def handle(self, *args, limit, **options):
        folded = integrity.fold_pending()
        if folded:
            self.stdout.write(integrity.describe_fold(folded))
        found = integrity.differences(limit=limit)
        if found:
            for difference in found:
                self.stderr.write(difference.describe())
            raise CommandError(
                f"集計値と修了記録が {len(found)} か所で一致しません。 ({len(found)} aggregate cell(s) disagree.)"
            )
        self.stdout.write("すべての集計値が修了記録と一致しました。 All aggregates match the records.")
