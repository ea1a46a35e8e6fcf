"""Final-quiz submission under load: 50 learners submit at the same moment (and each submits a
second time, as a double click or a retry would), against a bare POST view in the same run.

    .venv/bin/python bench/quiz_submit.py [--learners 50] [--database-url postgres://…]

gunicorn (sync workers, 2 × cores + 1) with production-like settings on PostgreSQL (Redis when
REDIS_URL is set). Prints median and p95 latency of the first submits, the bare POST view's, and
their ratio; then counts, in the database, graded attempts, completions and completion records,
which must each equal the number of learners: nothing lost, nothing doubled.
Goal (quizzes issue): p95 ≤ 100 ms on this machine; zero lost or duplicated attempts/completions.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_DB, Gunicorn, bench_env, ensure_database, manage, save

SETUP = """
import json, sys
import django
django.setup()
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from accounts.models import User
from analytics.models import CompletionRecord
from courses.models import CoursePage, Enrolment
from bench.common import learner_ready_to_submit
count = int(sys.argv[1])
User.objects.filter(email__startswith="bench-quiz-").delete()
CompletionRecord.objects.filter(source_key__startswith="enrolment:").exclude(
    source_key__in=[f"enrolment:{pk}" for pk in Enrolment.objects.values_list("pk", flat=True)]
).delete()
course = CoursePage.objects.get(slug="adult")
rows = []
for n in range(count):
    user, form = learner_ready_to_submit(f"bench-quiz-{n}@example.jp", course)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    secret = _get_new_csrf_string()
    form.append(("csrfmiddlewaretoken", _mask_cipher_secret(secret)))
    rows.append({"cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}", "form": form})
print(json.dumps({"url": course.url + "quiz/", "rows": rows}))
"""

COUNT = """
import json
import django
django.setup()
from analytics.models import CompletionRecord
from courses.models import Enrolment
from quizzes.models import Attempt
users = {"user__email__startswith": "bench-quiz-"}
print(json.dumps({
    "attempts": Attempt.objects.filter(**users).count(),
    "graded": Attempt.objects.filter(submitted_at__isnull=False, **users).count(),
    "passed": Attempt.objects.filter(passed=True, **users).count(),
    "completed": Enrolment.objects.filter(completed_at__isnull=False, **users).count(),
    "records": CompletionRecord.objects.filter(
        source_key__in=[f"enrolment:{pk}" for pk in Enrolment.objects.filter(**users).values_list("pk", flat=True)]
    ).count(),
}))
"""


def post(url: str, cookie: str, form: list[tuple[str, str]]) -> tuple[float, int]:
    body = urllib.parse.urlencode([tuple(pair) for pair in form]).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=body, headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        status = opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - started) * 1000, status


def burst(url: str, rows: list[dict], spread: float = 0.0) -> tuple[list[float], list[int]]:
    """Every learner posts once: all at the same instant, or arriving evenly over `spread` seconds."""
    barrier = threading.Barrier(len(rows))
    latencies, statuses = [0.0] * len(rows), [0] * len(rows)

    def worker(index: int, row: dict) -> None:
        barrier.wait()
        time.sleep(spread * index / len(rows))
        latencies[index], statuses[index] = post(url, row["cookie"], row["form"])

    threads = [threading.Thread(target=worker, args=(i, row)) for i, row in enumerate(rows)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def warm_up(url: str, rows: list[dict]) -> None:
    """Every learner opens the quiz page, ten at a time, so that every worker has served it."""
    import concurrent.futures

    def one(row):
        request = urllib.request.Request(url, headers={"Cookie": row["cookie"]})  # noqa: S310 - loopback only
        urllib.request.urlopen(request, timeout=30).read()  # noqa: S310 - loopback only

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        list(pool.map(one, rows))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument(
        "--spread", type=float, default=0.0, help="seconds over which the learners arrive (0: all at once)"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.learners)], env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])

    server = Gunicorn(env, workers=args.workers)
    try:
        bare_rows = [
            {"cookie": row["cookie"], "form": [("csrfmiddlewaretoken", row["form"][-1][1])]} for row in data["rows"]
        ]
        burst(f"{server.base}/bench/bare-post/", bare_rows)  # warm up every worker …
        warm_up(server.base + data["url"], data["rows"])  # … and its page maps, as a running server has them
        bare, bare_status = burst(f"{server.base}/bench/bare-post/", bare_rows, args.spread)
        first, first_status = burst(server.base + data["url"], data["rows"], args.spread)
        again, again_status = burst(server.base + data["url"], data["rows"], args.spread)  # double submits
    finally:
        server.stop()
    counts = json.loads(
        subprocess.run([sys.executable, "-c", COUNT], env=env, capture_output=True, text=True, check=True).stdout
    )

    n = args.learners
    when = f"arriving over {args.spread:g} s" if args.spread else "at the same instant"
    print(f"{n} learners submitting the final quiz {when} ({args.workers} gunicorn workers)")
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'statuses':>20}")
    for name, values, statuses in (
        ("bare POST view", bare, bare_status),
        ("quiz submit (first)", first, first_status),
        ("quiz submit (again)", again, again_status),
    ):
        print(f"{name:28}{statistics.median(values):>10.1f}{p95(values):>10.1f}{sorted(set(statuses))!s:>20}")
    print(f"ratio p95 submit / p95 bare: {p95(first) / p95(bare):.1f} (goal: submit p95 ≤ 100 ms)")
    ok = all(counts[key] == n for key in ("attempts", "graded", "passed", "completed", "records"))
    print(f"counted afterwards: {counts} → {'no attempt or completion lost or doubled' if ok else 'MISMATCH'}")
    save("quiz_submit", {"learners": n, "bare": bare, "first": first, "again": again, "counts": counts})
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
