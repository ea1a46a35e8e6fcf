import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from analytics import integrity, synthetic
from analytics.models import CompletionRecord, CompletionSource

FIELDS = (
    "completed_on", "fiscal_year", "prefecture", "sector", "audience", "delivery", "age_band", "school_grade",
    "sex", "course_id", "course_title",
)  # fmt: skip


# From this many records on, PostgreSQL loads without the non-unique indexes and rebuilds them.
BULK_INDEX_THRESHOLD = 500_000


class Command(BaseCommand):
    help = "デモ・性能測定用の修了記録（デモデータの印付き）を生成します。Generate synthetic completion records."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="生成する件数 (1〜50,000,000)")
        parser.add_argument("--seed", type=int, default=1, help="乱数の種。同じ種は同じデータになります。")
        parser.add_argument("--batch", type=int, default=200_000)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="本番設定でも生成する（通常は拒否します）。",
        )
        parser.add_argument("--quiet", action="store_true", help="進捗を表示しない")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="デモデータがまだ無いときだけ生成する（make run が使います）。",
        )

    def handle(self, *args, count, seed, batch, allow_production, quiet, if_empty=False, **options):
        if getattr(settings, "IS_PRODUCTION", False) and not allow_production:
            raise CommandError(
                "本番環境ではデモデータを生成できません。どうしても必要な場合は --allow-production を付けてください。"
                " (Refusing to generate synthetic data in production without --allow-production.)"
            )
        if not 1 <= count <= 50_000_000:
            raise CommandError("--count は 1 から 50,000,000 までの数で指定してください。")
        if not 1_000 <= batch <= 2_000_000:
            raise CommandError("--batch は 1,000 から 2,000,000 までの数で指定してください。")
        if if_empty and CompletionRecord.objects.filter(is_synthetic=True).exists():
            self.stdout.write("デモデータはすでにあります。 Synthetic data already present; nothing generated.")
            return
        prefix = f"synthetic:{seed}:"
        if CompletionRecord.objects.filter(source_key__startswith=prefix).exists():
            raise CommandError(
                f"種 {seed} のデモデータはすでにあります。別の --seed を指定してください。"
                f" (Synthetic data with seed {seed} already exists; choose another --seed.)"
            )
        started = time.monotonic()
        written = 0
        first_id = last_id = None
        # One transaction: the records and their aggregates commit together, or (interrupted,
        # failed) not at all, so verify_stats is clean at every moment.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                first_id, last_id = self._generate_in_postgres(count, seed, batch, prefix, quiet, started)
                written = count
            for rows in synthetic.generate(count, seed, batch) if connection.vendor != "postgresql" else ():
                low, high = self._insert(rows, prefix, written)
                first_id = low if first_id is None else min(first_id, low)
                last_id = high if last_id is None else max(last_id, high)
                written += len(rows)
                if not quiet:
                    self._progress(written, count, started)
            loaded = time.monotonic()
            if not quiet:
                self.stderr.write(f"\n集計しています… (aggregating; records took {loaded - started:.1f} s)")
            integrity.add_records_to_aggregates(first_id, last_id, source_key_prefix=prefix)
            if not quiet:
                self.stderr.write(
                    f"集計 {time.monotonic() - loaded:.1f} 秒 (aggregates took {time.monotonic() - loaded:.1f} s)"
                )
        self.stdout.write(
            f"デモデータ {written:,} 件を生成しました（{time.monotonic() - started:.1f} 秒）。"
            f" Generated {written:,} synthetic records."
        )

    def _generate_in_postgres(self, count, seed, batch, prefix, quiet, started):
        """The database draws the rows itself (seeded), batch by batch, with a progress bar.

        For a large load the table's non-unique indexes are dropped first and rebuilt at the end
        (one sort each instead of millions of random inserts), inside the same transaction: the
        load takes a lock on the records table meanwhile, so completions wait for it — this is a
        demo and benchmark tool, refused in production unless asked for."""
        tables = synthetic.postgres_tables()
        sql = synthetic.postgres_insert_sql(prefix)
        with connection.cursor() as cursor:
            rebuild = []
            if count >= BULK_INDEX_THRESHOLD:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = 'analytics_completionrecord' AND indexdef NOT LIKE 'CREATE UNIQUE%%'"
                )
                rebuild = cursor.fetchall()
                for name, _definition in rebuild:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            cursor.execute("SELECT setseed(%s)", [(seed % 2_000_000_000) / 2_000_000_000])
            cursor.execute("SELECT nextval(pg_get_serial_sequence('analytics_completionrecord', 'id'))")
            first_id = cursor.fetchone()[0] + 1
            written = 0
            while written < count:
                n = min(batch, count - written)
                cursor.execute(sql, {**tables, "first": written, "last": written + n - 1})
                written += n
                if not quiet:
                    self._progress(written, count, started)
            cursor.execute("SELECT currval(pg_get_serial_sequence('analytics_completionrecord', 'id'))")
            last_id = cursor.fetchone()[0]
            if rebuild:
                if not quiet:
                    self.stderr.write(
                        f"\n索引を作り直しています… (rebuilding indexes; rows took {time.monotonic() - started:.1f} s)"
                    )
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _name, definition in rebuild:
                    cursor.execute(definition)
        return first_id, last_id

    def _progress(self, written, count, started):
        width = 30
        filled = int(width * written / count)
        elapsed = time.monotonic() - started
        eta = elapsed / written * (count - written) if written else 0
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {written:,}/{count:,} "
            f"{written / count:6.1%}  経過 {elapsed:5.0f}s  残り約 {eta:5.0f}s",
            ending="",
        )
        self.stderr.flush()

    def _insert(self, rows, prefix, offset):
        """SQLite (the embedded default): the rows drawn in Python, inserted in bulk."""
        objects = [
            CompletionRecord(
                source_key=f"{prefix}{i:09d}",
                source=CompletionSource.SYNTHETIC,
                is_synthetic=True,
                curriculum_version="1.0",
                **dict(zip(FIELDS, row, strict=True)),
            )
            for i, row in enumerate(rows, start=offset)
        ]
        CompletionRecord.objects.bulk_create(objects, batch_size=2000)
        keys = [f"{prefix}{offset:09d}", f"{prefix}{offset + len(rows) - 1:09d}"]
        bounds = CompletionRecord.objects.filter(source_key__gte=keys[0], source_key__lte=keys[1])
        return bounds.order_by("id").values_list("id", flat=True).first(), bounds.order_by("-id").values_list(
            "id", flat=True
        ).first()
