from django.core.management.base import BaseCommand

from analytics import integrity


class Command(BaseCommand):
    help = (
        "集計待ちの修了記録（確認テストの提出で修了したもの）を集計値に加えます。統計を読むたびにも行われますが、"
        "読まれない間にたまらないよう、cronで毎分実行してください。複数のサーバーで同時に動いても二重には数えません。"
    )

    def handle(self, *args, **options):
        self.stdout.write(integrity.describe_fold(integrity.fold_pending()))
