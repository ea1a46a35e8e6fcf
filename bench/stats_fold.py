"""Adding final-quiz completions to the statistics in one batch (`analytics.integrity.
fold_pending`), against adding the same number one at a time as every other completion does
(`analytics.cube.add_fact`, one statement each), in the same run.

    .venv/bin/python bench/stats_fold.py [--sizes 10,100,500,1000] [--database-url postgres://…]

PostgreSQL (the fold is PostgreSQL's statement). Each size: that many completion records with
varied profiles (47 prefectures, 3 sectors, 2 audiences, 4 age bands, one day), left pending as
the submit leaves them, then folded; and as many others added one by one. Prints both times and
their ratio, and checks that the national total grew by exactly the records added and that
verify_stats finds the aggregates equal to the records. The bench database's records are its
own: run it on a database no one else uses (the default, tsunagari_bench_fold).
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, ensure_database, manage, save

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tsunagari_bench_fold"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500,1000")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    args = parser.parse_args()
    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "--noinput")
    os.environ.update(env)

    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Sum

    from analytics import cube, integrity
    from analytics.models import AggregateCount, CompletionRecord, PendingCompletion
    from analytics.services import CompletionDimensions, fact_of, new_record

    rng = random.Random(7)
    prefectures = [f"{n:02d}" for n in range(1, 48)]
    run = time.time_ns()

    def records(count: int, label: str) -> list:
        return CompletionRecord.objects.bulk_create(
            [
                new_record(
                    source_key=f"bench-fold:{run}:{label}:{n}",
                    source="online",
                    completed_on=datetime.date(2026, 11, 27),
                    course_id=1,
                    course_title="bench",
                    curriculum_version="1.0",
                    is_synthetic=True,
                    dimensions=CompletionDimensions(
                        prefecture=rng.choice(prefectures),
                        sector=rng.choice(["resident", "education", "welfare"]),
                        audience=rng.choice(["general", "staff"]),
                        delivery="online",
                        age_band=rng.choice(["20s", "30s", "40s", "50s"]),
                    ),
                )
                for n in range(count)
            ]
        )

    def total() -> int:
        return AggregateCount.objects.filter(cuboid=0, grain="y").aggregate(n=Sum("count"))["n"] or 0

    integrity.fold_pending()  # whatever an earlier run left
    results, exact = [], True
    print(f"{'records':>8}{'one batch ms':>15}{'one by one ms':>15}{'ratio':>8}")
    for step, size in enumerate(int(value) for value in args.sizes.split(",")):
        with transaction.atomic():
            pending = records(size, f"fold{step}")
            PendingCompletion.objects.bulk_create([PendingCompletion(record=record) for record in pending])
        before = total()
        started = time.perf_counter()
        folded = integrity.fold_pending()
        batch_ms = (time.perf_counter() - started) * 1000
        exact = exact and folded == size and total() - before == size
        one_by_one = records(size, f"each{step}")
        before = total()
        started = time.perf_counter()
        for record in one_by_one:
            with transaction.atomic():
                cube.add_fact(fact_of(record))
        each_ms = (time.perf_counter() - started) * 1000
        exact = exact and total() - before == size
        print(f"{size:>8}{batch_ms:>15.0f}{each_ms:>15.0f}{batch_ms / each_ms:>8.2f}")
        results.append({"records": size, "batch_ms": batch_ms, "one_by_one_ms": each_ms})
    differences = integrity.differences()
    exact = exact and not differences
    print(f"totals grew by exactly the records added, verify_stats clean: {'yes' if exact else 'NO'}")
    save("stats_fold", {"sizes": results, "exact": exact})
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
