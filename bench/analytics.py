"""Analytics at national scale: the pre-aggregated counts against a naive GROUP BY over the records.

    .venv/bin/python bench/analytics.py [--records 10000000] [--runs 20] [--database-url postgres://…]

1. Fills a PostgreSQL database with synthetic completion records (`generate_completions`, timed;
   goal ≤ 10 minutes for 10 M) unless it already holds that many.
2. For every dashboard query and API call, times the aggregate path (`stats.compute`, what the
   API and the dashboard run) and the full API request (Django test client, JSON out), prints
   median and p95, and the same query as a naive GROUP BY over the records; checks both give
   identical numbers and prints the speed-up (goal: p95 ≤ 100 ms, ≥ 50× faster than naive).
3. Commits 1,000 completions concurrently from 50 threads through the completion writer and runs
   the `verify_stats` check (goal: no difference, exactly 1,000 more).
"""

import argparse
import datetime
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_env, ensure_database, manage

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tsunagari_analytics"

# (label, group_by, filters, from, to) — what the dashboard, the public page and typical API users ask.
QUERIES = [
    ("total", (), {}, None, None),
    ("by prefecture", ("prefecture",), {}, None, None),
    ("by sector", ("sector",), {}, None, None),
    ("by audience", ("audience",), {}, None, None),
    ("by delivery", ("delivery",), {}, None, None),
    ("by age band", ("age_band",), {}, None, None),
    ("by month", ("month",), {}, None, None),
    ("by fiscal year", ("fiscal_year",), {}, None, None),
    ("prefecture × sector", ("prefecture", "sector"), {}, None, None),
    ("prefecture × sector, FY2025", ("prefecture", "sector"), {}, "2025-04-01", "2026-03-31"),
    ("month, one prefecture", ("month",), {"prefecture": "13"}, None, None),
    ("sector, prefecture + audience", ("sector",), {"prefecture": "27", "audience": "staff"}, None, None),
    ("age band, staff, workplace", ("age_band",), {"audience": "staff", "delivery": "workplace"}, None, None),
    ("prefecture, mid-month range", ("prefecture",), {}, "2025-05-10", "2025-08-20"),
    ("delivery × audience, one sector", ("delivery", "audience"), {"sector": "welfare"}, None, None),
    ("month × audience, FY2025", ("month", "audience"), {}, "2025-04-01", "2026-03-31"),
]


def naive_sql(group_by, filters, date_from, date_to):
    from analytics.integrity import AGE_SQL

    expressions = {
        "prefecture": "prefecture",
        "sector": "sector",
        "audience": "audience",
        "delivery": "delivery",
        "age_band": AGE_SQL,
        "month": "to_char(completed_on, 'YYYY-MM')",
        "fiscal_year": "(CASE WHEN extract(month FROM completed_on) >= 4 THEN extract(year FROM completed_on) "
        "ELSE extract(year FROM completed_on) - 1 END)::int",
    }
    where, params = ["1=1"], []
    for name, value in filters.items():
        where.append(f"{expressions[name]} = %s")
        params.append(value)
    if date_from:
        where.append("completed_on >= %s")
        params.append(date_from)
    if date_to:
        where.append("completed_on <= %s")
        params.append(date_to)
    columns = [expressions[g] for g in group_by]
    select = ", ".join([*columns, "SUM(count)"])
    group = f" GROUP BY {', '.join(columns)}" if columns else ""
    return f"SELECT {select} FROM analytics_completionrecord WHERE {' AND '.join(where)}{group}", params  # noqa: S608 — constant names, no user input


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(function, runs):
    samples = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    return result, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ANALYTICS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--concurrent", type=int, default=1000)
    args = parser.parse_args()

    env = bench_env(args.database_url)
    env.pop("REDIS_URL", None)
    ensure_database(args.database_url)
    manage(env, "migrate", "--noinput")
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client
    from django.test.utils import setup_test_environment

    from analytics import integrity, stats
    from analytics.models import CompletionRecord

    setup_test_environment()
    existing = CompletionRecord.objects.aggregate(n=Sum("count"))["n"] or 0
    print(f"records in the database: {existing:,}")
    if existing < args.records:
        missing = args.records - existing
        seed = int(time.time())
        print(f"generating {missing:,} synthetic records (seed {seed}) …", flush=True)
        started = time.monotonic()
        manage(env, "generate_completions", "--count", str(missing), "--seed", str(seed), "--batch", "500000")
        minutes = (time.monotonic() - started) / 60
        print(f"generate_completions --count {missing:,}: {minutes:.1f} min (goal ≤ 10 min for 10 M)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE analytics_completionrecord")
        cursor.execute("ANALYZE analytics_aggregatecount")
        cursor.execute("SELECT count(*) FROM analytics_aggregatecount")
        cells = cursor.fetchone()[0]
    total = CompletionRecord.objects.aggregate(n=Sum("count"))["n"]
    print(f"records: {total:,}; aggregate cells: {cells:,}\n")

    client = Client()
    client.get("/api/v1/stats/completions")  # warm up: URLconf, templates, connection
    exact = stats.Scope(exact=True, prefectures=None)
    print(f"{'query':34} {'agg p50':>8} {'agg p95':>8} {'API p95':>8} {'naive':>9} {'speed-up':>9}  same")
    worst_p95 = 0.0
    speedups = []
    all_same = True
    for label, group_by, filters, date_from, date_to in QUERIES:
        params = {"group_by": ",".join(group_by), **filters}
        if date_from:
            params["from"] = date_from
        if date_to:
            params["to"] = date_to
        query = stats.parse(params)
        result, samples = timed(lambda q=query: stats.compute(q, exact), args.runs)
        _api, api_samples = timed(lambda p=params: client.get("/api/v1/stats/completions", p), args.runs)
        sql, sql_params = naive_sql(
            group_by,
            filters,
            datetime.date.fromisoformat(date_from) if date_from else None,
            datetime.date.fromisoformat(date_to) if date_to else None,
        )

        def run_naive(sql=sql, sql_params=sql_params):
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                return cursor.fetchall()

        naive_rows, naive_samples = timed(run_naive, args.naive_runs)
        naive = {tuple(row[:-1]): int(row[-1]) for row in naive_rows if row[-1]}
        ours = {tuple(r[g] for g in group_by): r["count"] for r in result.rows} if group_by else {(): result.total}
        same = ours == naive
        all_same &= same
        p95 = percentile(samples, 0.95)
        api_p95 = percentile(api_samples, 0.95)
        worst_p95 = max(worst_p95, p95, api_p95)
        speedup = statistics.median(naive_samples) / max(statistics.median(samples), 0.001)
        speedups.append(speedup)
        print(
            f"{label:34} {statistics.median(samples):7.1f}ms {p95:7.1f}ms {api_p95:7.1f}ms "
            f"{statistics.median(naive_samples):8.0f}ms {speedup:8.0f}×  {'yes' if same else 'NO'}",
            flush=True,
        )

    dashboard_samples = _dashboard(client, args.runs)
    print(
        "\nwhole dashboard page (all sections, national analyst): "
        f"median {statistics.median(dashboard_samples):.0f} ms, p95 {percentile(dashboard_samples, 0.95):.0f} ms"
    )
    print(
        f"\nworst p95 of any query or API call: {worst_p95:.1f} ms (goal ≤ 100 ms); "
        f"smallest speed-up vs naive GROUP BY: {min(speedups):.0f}× (goal ≥ 50×); "
        f"identical numbers: {'yes' if all_same else 'NO'}"
    )
    _concurrent(args.concurrent, integrity)


def _dashboard(client, runs):
    from accounts.models import AnalystScope, User
    from accounts.roles import ANALYST, ensure_groups

    user, _created = User.objects.get_or_create(email="bench-analyst@example.jp", defaults={"is_demo": True})
    user.groups.add(ensure_groups()[ANALYST])
    AnalystScope.objects.get_or_create(user=user, defaults={"is_national": True})
    from django.conf import settings

    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    client.force_login(user)
    _r, samples = timed(lambda: client.get("/admin/analytics/"), max(3, runs // 4))
    if _r.status_code != 200:
        raise SystemExit(f"dashboard answered {_r.status_code}")
    client.logout()
    return samples


def _concurrent(count, integrity):
    """Completions committed at once from many threads: none lost, none doubled."""
    from django.db import connection, connections
    from django.db.models import Sum

    from analytics.models import AggregateCount, CompletionSource
    from analytics.services import CompletionDimensions, record_completion
    from core import reference

    before = AggregateCount.objects.filter(cuboid=0, grain="m").aggregate(n=Sum("count"))["n"] or 0
    run = int(time.time())
    prefectures = [p.code for p in reference.PREFECTURES]
    barrier = threading.Barrier(50)
    errors = []

    def worker(index):
        from django.db import transaction

        barrier.wait()
        try:
            for i in range(index, count, 50):
                with transaction.atomic():
                    record_completion(
                        source_key=f"bench-concurrent:{run}:{i}",
                        source=CompletionSource.ONLINE,
                        completed_on=datetime.date.today(),
                        course_id=1,
                        course_title="bench",
                        curriculum_version="1.0",
                        dimensions=CompletionDimensions(
                            prefecture=prefectures[i % 47], sector="resident", audience="general", delivery="online"
                        ),
                    )
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    connection.close()
    after = AggregateCount.objects.filter(cuboid=0, grain="m").aggregate(n=Sum("count"))["n"] or 0
    print(f"\n{count:,} completions from 50 threads in {seconds:.1f} s; errors: {len(errors)}")
    for error in errors[:5]:
        print("  ", error)
    print(f"total before {before:,}, after {after:,}: {after - before:+,} (expected +{count:,})")
    started = time.monotonic()
    differences = integrity.differences()
    print(
        f"verify_stats: {'clean' if not differences else f'{len(differences)} DIFFERENCES'} "
        f"({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
